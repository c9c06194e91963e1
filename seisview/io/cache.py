"""On-disk cache (zarr) for surveys larger than the RAM budget.

Built once per file by the same block reader as the in-memory load: each
block of inlines is written to ``data`` ``(il, xl, sample)`` in trace-long
chunks and, transposed, to ``time_major`` ``(sample, il, xl)``, so inlines,
crosslines and time slices each read about one chunk row instead of the
whole file. The folder is written under a temporary name, gets a manifest
of its files last and is swapped in by one rename (see ``cache_files``); the
survey geometry, dead-trace mask and scan facts travel with it. A cache that
does not match its manifest is never served.
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

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry
from seisview.core.tasks import TaskState
from seisview.core.volume import Volume
from seisview.io.cache_files import (
    check_manifest,
    clean_leftovers,
    damaged,
    swap_into_place,
    write_manifest,
)

log = logging.getLogger(__name__)
_FORMAT = "seisview-volume-cache/1"
_IL_CHUNK = 16  # inlines per block and per chunk, so every write fills whole chunks
_XL_CHUNK = 16
_T_CHUNK = 8


def cache_path_for(report) -> Path:
    """Where the cache of a scanned file lives (keyed by path, size, mtime and the scan's choices)."""
    from seisview.config import cache_dir

    st = os.stat(report.path)
    key = json.dumps([str(Path(report.path).resolve()), st.st_size, st.st_mtime_ns, report.iline_byte,
                      report.xline_byte, report.format_code, report.domain])
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return cache_dir() / f"{Path(report.path).stem}-{digest}.zarr"


def build_cache(report, out, state: TaskState | None = None) -> Path:
    """Write the zarr cache of a post-stack (or unstructured) scanned file to ``out``."""
    from seisview.io.segy_blocks import post_stack_index

    if report.kind == "prestack":
        raise SeisviewError(f"{Path(report.path).name} is pre-stack; the cache holds post-stack volumes",
                            hint="open it directly: gathers are read into memory")
    state = state or TaskState()
    out = Path(out)
    if out.exists() and not is_cache(out):  # the old cache is replaced; anything else never is
        raise SeisviewError(f"{out} exists and is not a seisview cache; it was left untouched",
                            hint="give a new folder name for the cache, e.g. survey.zarr")
    geometry, il_idx, xl_idx = post_stack_index(report)
    clean_leftovers(out)  # of builds that were killed (their process is gone)
    tmp = out.with_name(f".{out.name}.part{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _write(report, geometry, il_idx, xl_idx, tmp, state)
        swap_into_place(tmp, out)
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise SeisviewError(f"cannot write the cache {out}: the disk is full ({exc.strerror})",
                                hint="free disk space (a cache takes about twice the survey's "
                                "samples), then convert again; an older cache there is kept") from None
        raise
    return out


def _remove(folder: Path) -> None:
    """Remove a failed build; zarr's writes of the same call may still land for a moment."""
    for _ in range(10):
        shutil.rmtree(folder, ignore_errors=True)
        time.sleep(0.05)
        if not folder.exists():
            return


def _write(report, geometry, il_idx, xl_idx, tmp: Path, state: TaskState) -> None:
    """Fill the folder ``tmp``: the two arrays block by block, the mask, attributes, manifest."""
    import zarr

    from seisview.io.segy_blocks import for_each_block

    n_il, n_xl, ns = geometry.shape
    g = zarr.open_group(store=str(tmp), mode="w")
    data = g.create_array("data", shape=(n_il, n_xl, ns), chunks=(_IL_CHUNK, _XL_CHUNK, ns),
                          dtype="float32", compressors=None, fill_value=0.0)
    tm = g.create_array("time_major", shape=(ns, n_il, n_xl),
                        chunks=(_T_CHUNK, _IL_CHUNK, min(n_xl, 1024)), dtype="float32",
                        compressors=None, fill_value=0.0)
    live = np.zeros((n_il, n_xl), bool)

    def sink(i0, i1, block, block_live):
        data[i0:i1] = block
        tm[:, i0:i1, :] = np.ascontiguousarray(block.transpose(2, 0, 1))
        live[i0:i1] = block_live

    bad = for_each_block(report, report.headers.raw, geometry, il_idx, xl_idx, sink, state,
                         step=_IL_CHUNK)
    g.create_array("live", shape=live.shape, dtype="bool", chunks=live.shape,
                   compressors=None)[:] = live
    warnings = [*report.warnings] + ([f"{bad} NaN/Inf samples replaced by 0"] if bad else [])
    g.attrs.update({"format": _FORMAT, "geometry": geometry.to_dict(), "source": report.path,
                    "scan": report.to_json_dict(), "warnings": warnings})
    write_manifest(tmp)


def is_cache(path) -> bool:
    p = Path(path)
    return p.is_dir() and (p / "zarr.json").exists()


def open_cache(path) -> Volume:
    """A zarr-backed :class:`Volume` from a cache folder."""
    import zarr

    p = Path(path)
    try:
        g = zarr.open_group(store=str(p), mode="r")
        ok = g.attrs.get("format") == _FORMAT
    except Exception as exc:  # zarr raises several types for foreign folders
        raise SeisviewError(f"{p} is not a seisview cache ({exc})", hint="make it with `seisview convert`") from exc
    if not ok:
        raise SeisviewError(f"{p} is not a seisview volume cache", hint="make it with `seisview convert`")
    try:
        check_manifest(p)
    except ValueError as exc:
        raise damaged(p, str(exc)) from None
    try:
        geom, data, tm, live_arr = g.attrs["geometry"], g["data"], g["time_major"], g["live"]
        if not (isinstance(geom, dict) and isinstance(data, zarr.Array) and isinstance(tm, zarr.Array)
                and isinstance(live_arr, zarr.Array)):
            raise ValueError("geometry or arrays of the wrong kind")
        geometry = SurveyGeometry.from_dict(geom)
        live = np.asarray(live_arr[:])
        n_il, n_xl, ns = geometry.shape
        if data.shape != (n_il, n_xl, ns) or tm.shape != (ns, n_il, n_xl) or live.shape != (n_il, n_xl):
            raise ValueError(f"arrays {data.shape}/{tm.shape}/{live.shape} do not fit {geometry.shape}")
    except Exception as exc:  # a missing array or attribute: zarr and numpy raise many types
        raise SeisviewError(f"the cache {p} is damaged ({type(exc).__name__}: {exc})",
                            hint="delete it and make it again with `seisview convert`") from None
    vol = Volume(data, geometry, live=live, time_major=tm)
    warnings = g.attrs.get("warnings", [])
    vol.load_warnings = [str(w) for w in warnings] if isinstance(warnings, list) else []
    return vol


def cache_scan(path) -> dict:
    """The scan report (``seisview info --json`` form) a cache folder was made from."""
    import zarr

    try:
        check_manifest(Path(path))
    except ValueError as exc:
        raise damaged(Path(path), str(exc)) from None
    try:
        scan = zarr.open_group(store=str(path), mode="r").attrs["scan"]
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
            return open_cache(path)
        except SeisviewError:
            log.warning("cache %s is damaged; building it again", path)
    if path.exists() and not is_cache(path):  # our own folder, unrecognisable: safe to clear
        shutil.rmtree(path, ignore_errors=True)
    build_cache(report, path, state)  # a damaged cache is swapped out only once the new one is whole
    return open_cache(path)
