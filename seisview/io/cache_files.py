"""The cache folder's integrity: a manifest written last, an atomic swap, leftovers removed.

A cache is served only when every file its manifest lists is there with its size
(a missing chunk would read as zeros, a missing dead-trace mask chunk as "all traces
dead", a truncated one fails deep inside zarr). A new cache is built beside the old
one (``.NAME.part<pid>``) and exchanged with it in one rename, so a kill leaves the
old cache or the new one under NAME, never half of either; what a killed build
leaves behind is removed by the next build once its process is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
from pathlib import Path

from seisview.core.errors import SeisviewError
from seisview.io.atomic import pid_alive

MANIFEST = "seisview-manifest.json"
_RENAME_EXCHANGE = 2  # renameat2 flag (Linux >= 3.15)
_AT_FDCWD = -100
# the group's own metadata changes whenever a result variable joins the store (its consolidated
# listing), so the manifest covers the survey's arrays, not it; opening checks it parses
_ROOT_META = "zarr.json"


def _files(root: Path) -> dict[str, int]:
    out = {}
    for folder, _dirs, names in os.walk(root):
        for n in names:
            p = Path(folder, n)
            rel = p.relative_to(root).as_posix()
            if rel not in (MANIFEST, _ROOT_META):
                out[rel] = p.stat().st_size
    return out


def write_manifest(root: Path) -> None:
    """List every file of a finished cache with its size; written (and synced) last."""
    files = _files(root)
    tmp = root / (MANIFEST + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"files": len(files), "bytes": sum(files.values()), "sizes": files}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / MANIFEST)


def add_to_manifest(root: Path, paths: list[str]) -> None:
    """Add files, or every file under folders (``paths`` relative to ``root``), to its manifest
    once they are whole (the time-major copy, built after the conversion); the rest is kept."""
    data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    sizes = dict(data["sizes"])
    for rel in paths:
        p = root / rel
        found = [p] if p.is_file() else [Path(d, n) for d, _, names in os.walk(p) for n in names]
        for f in found:
            sizes[f.relative_to(root).as_posix()] = f.stat().st_size
    tmp = root / (MANIFEST + f".tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump({"files": len(sizes), "bytes": sum(sizes.values()), "sizes": sizes}, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, root / MANIFEST)


def check_manifest(root: Path) -> None:
    """Raise ``ValueError`` naming what is wrong when ``root`` does not match its manifest."""
    try:
        sizes = json.loads((root / MANIFEST).read_text(encoding="utf-8"))["sizes"]
    except FileNotFoundError:
        raise ValueError("it has no manifest (an interrupted build or copy, or an older "
                         "seisview made it)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"its manifest is unreadable ({exc})") from None
    missing, wrong = [], []
    for rel, size in sizes.items():
        try:
            got = (root / rel).stat().st_size
        except OSError:
            missing.append(rel)
            continue
        if got != size:
            wrong.append(f"{rel} ({got} of {size} bytes)")
    if missing or wrong:
        what = [f"{len(missing)} of {len(sizes)} files missing (e.g. {missing[0]})"] if missing else []
        what += [f"{len(wrong)} files of the wrong size (e.g. {wrong[0]})"] if wrong else []
        raise ValueError("; ".join(what))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: file system or kernel without it
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_into_place(new: Path, out: Path) -> None:
    """Put the finished cache ``new`` at ``out``; the old one there is deleted afterwards."""
    if not out.exists():
        os.replace(new, out)
        return
    if _exchange(new, out):  # ``new`` now holds the old cache, under a leftover's name
        shutil.rmtree(new, ignore_errors=True)
        return
    old = out.with_name(f".{out.name}.old{os.getpid()}")
    os.replace(out, old)  # a kill between these two renames is repaired by clean_leftovers
    os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


def clean_leftovers(out: Path) -> list[Path]:
    """Remove ``.NAME.part<pid>`` / ``.NAME.old<pid>`` folders of builds whose process is gone;
    an old cache orphaned between the two renames of a fallback swap goes back to NAME."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(part|old)(\d+)$")
    removed = []
    with contextlib.suppress(OSError):
        for p in out.parent.iterdir():
            m = pattern.match(p.name)
            if not m or pid_alive(int(m.group(2))):
                continue
            if m.group(1) == "old" and not out.exists():
                with contextlib.suppress(OSError, ValueError):
                    check_manifest(p)
                    os.replace(p, out)
                    continue
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def damaged(path: Path, why: str) -> SeisviewError:
    return SeisviewError(f"the cache {path} is damaged or incomplete: {why}",
                         hint="make it again with `seisview convert` (the survey's own cache "
                         "is rebuilt when the survey is opened)")
