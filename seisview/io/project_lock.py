"""How a project file is opened, shared and locked, and how its failures are worded.

Any number of seisview processes may have one project open. SQLite serialises
their writes (``BEGIN IMMEDIATE`` waits up to :data:`BUSY_TIMEOUT_S` for the
write lock), which only holds while nothing else in the process opens and
closes the database file: POSIX record locks belong to the process and inode,
so closing *any* descriptor of the file silently drops SQLite's locks. So the
database file is read raw only when this process does not have it open, and
the single-owner claim (used to settle runs left "running" by a killed process)
is an ``flock`` on a separate lock file, ``.<name>.lock`` beside the project.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from pathlib import Path

from seisview.core.errors import SeisviewError

BUSY_TIMEOUT_S = 60.0
_SQLITE_MAGIC = b"SQLite format 3\x00"
_FULL_BELOW = 1 << 20  # bytes free under which a failed write is blamed on a full disk
_open_here: dict[tuple[int, int], int] = {}
_open_lock = threading.Lock()


def _key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _opened(path: Path, delta: int) -> None:
    """Count this process's open connections per database file (by inode)."""
    key = _key(path)
    if key is None:
        return
    with _open_lock:
        n = _open_here.get(key, 0) + delta
        if n > 0:
            _open_here[key] = n
        else:
            _open_here.pop(key, None)


def open_in_this_process(path: Path) -> bool:
    key = _key(path)
    with _open_lock:
        return key is not None and key in _open_here


def check_sqlite_magic(path: Path) -> None:
    """Refuse a file that is not an SQLite database, reading its first bytes only when no
    connection of this process has it open (closing the read would drop their locks)."""
    if open_in_this_process(path):
        return
    with open(path, "rb") as f:
        head = f.read(16)
    if head != _SQLITE_MAGIC:
        raise SeisviewError(f"{path} is not a seisview project (not an SQLite database)",
                            hint="choose a .seisview file; the file was left untouched")


def writable(path: Path) -> bool:
    """Whether the project and its folder (for the -wal and -shm files) can be written."""
    if not os.access(path, os.W_OK) or not os.access(path.resolve().parent, os.W_OK):
        return False
    try:  # root passes os.access on a read-only mount: ask the file system itself
        return not os.statvfs(path).f_flag & os.ST_RDONLY
    except (OSError, AttributeError):
        return True


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with a busy timeout.

    Read-only: ``mode=ro`` when SQLite can share the WAL index; a project that was closed
    cleanly in a read-only place has none, and is read as ``immutable`` instead.
    """
    uri = f"file:{path.resolve()}"
    if not read_only:
        return sqlite3.connect(f"{uri}?mode=rw", uri=True, isolation_level=None,
                               check_same_thread=False, timeout=BUSY_TIMEOUT_S)
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None,
                           check_same_thread=False)


def claim_supported() -> bool:
    try:
        import fcntl  # noqa: F401
    except ImportError:  # Windows: no advisory locks, no claim, no warning
        return False
    return True


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


def take_claim(path: Path) -> int | None:
    """An exclusive ``flock`` on the project's lock file (a descriptor to keep open while the
    project is open), or None when another process holds it or it cannot be made."""
    return take_flock(lock_path(path))


def take_flock(path: Path) -> int | None:
    """An exclusive ``flock`` on ``path`` (created if needed): the descriptor to keep open,
    or None when another holder has it (or it cannot be made, or there are no flocks)."""
    if not claim_supported():
        return None
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def flock_held(path: Path) -> bool:
    """Whether someone (another process, or another descriptor here) holds ``path``'s flock."""
    if not claim_supported() or not path.exists():
        return False
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def disk_full(path: Path, exc: BaseException | None = None) -> bool:
    """Whether a failure at ``path`` is a full disk (the error says so, or almost no space
    is left where the file lives)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if exc is not None and "full" in str(exc).lower():
        return True
    try:
        st = os.statvfs(Path(path).resolve().parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < _FULL_BELOW


def _busy(exc: BaseException) -> bool:
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def open_error(path: Path, exc: BaseException) -> SeisviewError:
    """The one-line reason a project could not be opened, with the right cause."""
    if disk_full(path, exc):
        return SeisviewError(f"cannot open {path}: the disk is full ({exc})",
                             hint="free disk space and open it again; the file was left untouched")
    if _busy(exc):
        return SeisviewError(f"cannot open {path}: another process kept it locked for "
                             f"{BUSY_TIMEOUT_S:.0f} s ({exc})",
                             hint="wait for the other seisview command to finish, then try again")
    if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc).lower():
        return SeisviewError(f"cannot open {path} ({exc})",
                             hint="check the file and its folder can be read and written")
    return SeisviewError(f"{path} is damaged and cannot be read ({exc})",
                         hint="open a backup copy; the file was left untouched")


def write_error(path: Path, what: str, exc: BaseException) -> SeisviewError:
    """The one-line reason a write transaction failed, with the right cause."""
    name = Path(path).name
    if disk_full(path, exc):
        return SeisviewError(f"could not save {what} to {name}: the disk is full; the previous "
                             "state is kept", hint="free disk space, then repeat the action")
    if _busy(exc):
        return SeisviewError(f"could not save {what} to {name}: another process kept the project "
                             f"locked for {BUSY_TIMEOUT_S:.0f} s; the previous state is kept",
                             hint="wait for the other seisview command to finish, then repeat")
    if "readonly" in str(exc).lower() or "read-only" in str(exc).lower():
        return SeisviewError(f"could not save {what} to {name}: the project is read-only",
                             hint="copy it to a writable folder and open the copy")
    return SeisviewError(f"could not save {what} to {name}: {exc}; the previous state is kept",
                         hint="check the project file is writable")
