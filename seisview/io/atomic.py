"""Atomic file writes: write a temporary file beside the target, fsync, rename.

A crash or a full disk never leaves a half-written file under the real name:
readers see the old file or the new one. The temporary name is unique per
call (pid + random part), so two writers of the same path do not collide;
the temporaries a killed process left in a folder are removed by the next
write into that folder (only once that process is gone).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from seisview.core.errors import SeisviewError

_SQLITE_MAGIC = b"SQLite format 3\x00"


_TMP = re.compile(r"^\..+\.(\d+)-[0-9a-f]{8}[^/]*tmp[^/]*$")  # what _tmp_name makes
_PART = re.compile(r"^\..+\.(?:part|old)(\d+)$")  # folders built beside their target


def _tmp_name(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{suffix}")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (ours counts as gone: a leftover of an earlier,
    failed call in this process is not in use)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def clean_dead_temps(folder: Path, folders: bool = True) -> list[Path]:
    """Remove the temporary files (and, with ``folders``, the ``.NAME.part<pid>`` folders)
    that killed seisview processes left in ``folder``."""
    removed = []
    with contextlib.suppress(OSError):
        for p in Path(folder).iterdir():
            m = _TMP.match(p.name) or (_PART.match(p.name) if folders else None)
            if m is None or pid_alive(int(m.group(1))):
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    p.unlink()
            removed.append(p)
    return removed


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every OS/filesystem allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_replaceable(path: Path) -> None:
    """Refuse to replace what an export must never clobber: a read-only file (a rename
    ignores the file's own permissions) or a database (a seisview project)."""
    try:
        st = path.stat()
    except OSError:
        return  # nothing there (or unreachable: the write itself will say)
    if path.is_dir():
        raise SeisviewError(f"{path} is a folder", hint="give a file name for the output")
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise SeisviewError(f"{path} is read-only; it was left untouched",
                            hint="choose another output file (or make that one writable first)")
    with contextlib.suppress(OSError), open(path, "rb") as f:
        if f.read(16) == _SQLITE_MAGIC:
            raise SeisviewError(f"{path} is a database (a seisview project?); it was left untouched",
                                hint="choose another output file")


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; once the block has filled it, fsync and rename.

    For writers that need a file name rather than a handle (memmaps, copies).
    On error the temporary file is removed and ``path`` is left untouched, and
    :func:`check_replaceable` refuses targets that must not be replaced.
    """
    path = Path(path)
    check_replaceable(path)
    clean_dead_temps(path.parent, folders=False)
    tmp = _tmp_name(path, suffix)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise SeisviewError(f"cannot write {path}: the disk is full ({exc.strerror})",
                            hint="free disk space, then repeat; nothing was replaced") from None
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "wb", suffix: str = ".tmp", **open_kw: Any) -> Iterator[IO]:
    """``open(path, mode)`` that only replaces ``path`` once the block finished without error."""
    with atomic_path(path, suffix) as tmp, open(tmp, mode, **open_kw) as f:
        yield f


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_open(path, "wb") as f:
        f.write(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """UTF-8 text written as given (no newline translation)."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return Path(path)
