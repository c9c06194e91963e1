"""The store of a survey larger than the RAM budget, and ``seisview convert``.

A store (``seisview.io.store``) is built from a scanned post-stack file by the dask graph of
``seisview.io.store_convert`` into ``.NAME.part<pid>``, gets a manifest of its files last and
is swapped in by one rename (see ``cache_files``); the geometry, dead-trace mask and scan facts
travel with it. A store that does not match its manifest is never served. Caches made by older
seisview versions (``seisview-volume-cache/1``) are refused in one line when opened by hand and
rebuilt when they are a survey's automatic store.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path

from seisview.core.errors import SeisviewError
from seisview.core.tasks import TaskState
from seisview.core.volume import Volume
from seisview.io.cache_files import (
    check_manifest,
    clean_leftovers,
    damaged,
    swap_into_place,
    write_manifest,
)
from seisview.io.store import create_store, open_store

log = logging.getLogger(__name__)


def source_key(report) -> str:
    """What a store was made from: the file's path, size and mtime and the scan's choices."""
    st = os.stat(report.path)
    key = json.dumps([str(Path(report.path).resolve()), st.st_size, st.st_mtime_ns, report.iline_byte,
                      report.xline_byte, report.format_code, report.domain])
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def cache_path_for(report) -> Path:
    """Where the automatic store of a scanned file goes: in ``SEISVIEW_STORE_DIR`` or
    ``SEISVIEW_CACHE`` when one is set; else beside the file (``NAME.seisview.zarr``, where a
    project goes by default too, and cluster workers see what they see of the survey) when its
    folder is writable; else in the cache under the user's home."""
    from seisview.config import cache_dir, store_dir

    src = Path(report.path).resolve()
    chosen = os.environ.get("SEISVIEW_STORE_DIR") or os.environ.get("SEISVIEW_CACHE")
    if not chosen and _writable_data_folder(src.parent, cache_dir()):
        return src.parent / f"{src.name}.seisview.zarr"
    return store_dir() / f"{src.stem}-{source_key(report)}.zarr"


def _writable_data_folder(folder: Path, cache: Path) -> bool:
    """A user's folder we may write beside: writable, not seisview's cache nor its package."""
    package = Path(__file__).resolve().parents[1]
    return (os.access(folder, os.W_OK) and not folder.is_relative_to(cache.resolve())
            and not folder.is_relative_to(package))


def build_cache(report, out, state: TaskState | None = None, *, scheduler: str | None = None,
                workers: int | None = None) -> Path:
    """Convert a post-stack (or unstructured) scanned file into the store ``out``.

    Tiles of traces are converted in parallel: local threads (``workers``, default one per
    core), or the ``dask.distributed`` scheduler at ``scheduler``.
    """
    from seisview.io.segy_blocks import post_stack_index

    if report.kind == "prestack":
        raise SeisviewError(f"{Path(report.path).name} is pre-stack; the store holds post-stack volumes",
                            hint="open it directly: gathers are read from the file, one at a time above "
                                 "the RAM budget")
    state = state or TaskState()
    out = Path(out).absolute()
    if out.exists() and not is_cache(out):  # the old store is replaced; anything else never is
        raise SeisviewError(f"{out} exists and is not a seisview store; it was left untouched",
                            hint="give a new folder name for the store, e.g. survey.zarr")
    if not out.parent.is_dir():
        raise SeisviewError(f"cannot write the store {out}: the folder {out.parent} does not exist",
                            hint="create the folder first or give another path")
    geometry, il_idx, xl_idx = post_stack_index(report)
    clean_leftovers(out)  # of builds that were killed (their process is gone)
    tmp = out.with_name(f".{out.name}.part{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _write(report, geometry, il_idx, xl_idx, tmp, state, scheduler, workers)
        swap_into_place(tmp, out)
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise SeisviewError(f"cannot write the store {out}: the disk is full ({exc.strerror})",
                                hint="free disk space (a store takes up to twice the survey's "
                                "samples), then convert again; an older store there is kept") from None
        if isinstance(exc, PermissionError):
            raise SeisviewError(f"cannot write the store {out}: permission denied",
                                hint="choose a folder you can write to") from None
        raise
    return out


def _remove(folder: Path) -> None:
    """Remove a failed build; zarr's writes of the same call may still land for a moment."""
    for _ in range(10):
        shutil.rmtree(folder, ignore_errors=True)
        time.sleep(0.05)
        if not folder.exists():
            return


def _write(report, geometry, il_idx, xl_idx, tmp: Path, state: TaskState, scheduler, workers) -> None:
    """Fill the folder ``tmp``: amplitudes tile by tile, the mask, the attributes, the
    manifest last (the time-major copy is built afterwards: ``io.store_time_major``)."""
    from seisview.io.store_convert import run_tiles, tile_jobs

    store = create_store(tmp, geometry, attrs={"seisview_source": str(report.path),
                                               "seisview_source_key": source_key(report),
                                               "seisview_scan": report.to_json_dict()})
    store.add_variable("amplitude", "float32",  # its time-major copy comes later (io.store_time_major)
                       attrs={"long_name": "amplitude", "source": Path(report.path).name})
    live, bad = run_tiles(tile_jobs(report, tmp, geometry, il_idx, xl_idx), state, scheduler, workers)
    store.add_map("live", live)
    warnings = [*report.warnings] + ([f"{bad} NaN/Inf samples replaced by 0"] if bad else [])
    store.set_attrs(seisview_warnings=warnings)
    write_manifest(tmp)


def is_cache(path) -> bool:
    """A zarr folder seisview may replace: a store, or a cache of an older seisview."""
    p = Path(path)
    return p.is_dir() and (p / "zarr.json").exists()


def open_cache(path) -> Volume:
    """A lazily read :class:`Volume` of a store's ``amplitude``."""
    return open_store(path).volume("amplitude")


def cache_scan(path) -> dict:
    """The scan report (``seisview info --json`` form) a cache folder was made from."""
    try:
        check_manifest(Path(path))
    except ValueError as exc:
        raise damaged(Path(path), str(exc)) from None
    try:
        scan = open_store(path).attrs["seisview_scan"]
        if not isinstance(scan, dict):
            raise ValueError("no scan report")
        return dict(scan)
    except Exception as exc:  # zarr raises several types for damaged folders
        raise SeisviewError(f"the cache {path} is damaged ({type(exc).__name__}: {exc})",
                            hint="delete it and make it again with `seisview convert`") from None


def cached_volume(report, state: TaskState | None = None) -> Volume:
    """Open the cache of ``report``'s file, building it first when missing or damaged."""
    path = cache_path_for(report)
    if is_cache(path):
        try:
            store = open_store(path)
            if store.attrs.get("seisview_source_key") == source_key(report):
                return store.volume("amplitude")
            log.warning("%s was made from another version of %s (or other scan choices); "
                        "building it again", path, Path(report.path).name)
        except SeisviewError as exc:  # damaged, or made by an older seisview
            log.warning("%s; building the store again", exc)
    if path.exists() and not is_cache(path):  # our own folder, unrecognisable: safe to clear
        shutil.rmtree(path, ignore_errors=True)
    build_cache(report, path, state)  # a damaged cache is swapped out only once the new one is whole
    return open_cache(path)

