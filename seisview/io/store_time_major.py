"""The time-major copy of a survey's amplitudes, built after the conversion, shard by shard.

A conversion writes the trace-major amplitudes only (the survey is usable from then on); the
``(z, inline, crossline)`` copy that makes time slices cheap is built afterwards: by
``seisview convert`` right after (unless ``--defer-time-major``), or in a background thread
of lowered priority when a time slice of a store without it is first asked for. Until it is
complete, time slices are read from the trace-major chunks (every chunk decoded: right, and
seconds on an F3-sized survey instead of milliseconds).

How the store records it: the copy is built as ``time_major/_building_NAME`` (zarr's own
array, invisible to readers that look for ``time_major/NAME``), each shard file written under
a temporary name and renamed, so a shard that exists is whole; a killed or cancelled build is
resumed by the next one, which skips the shards there. The last step renames the folder to
``time_major/NAME`` and adds its files to the store's manifest: a copy under that name is
complete, for this seisview and for those before it (which read ``time_major/NAME`` too).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

import numpy as np

from seisview.core.tasks import TaskState
from seisview.core.volume import transpose_into

log = logging.getLogger(__name__)

BUILDING = "_building_"  # prefix of a copy being built, inside the time_major group
_RUNNING: dict[tuple[str, str], threading.Thread] = {}
_RUNNING_LOCK = threading.Lock()


def copy_state(store, name: str = "amplitude") -> str:
    """``complete``, ``partial`` (a build started, some shards written) or ``none``."""
    from seisview.io.store import TIME_MAJOR

    if store.time_major(name) is not None:
        return "complete"
    return "partial" if (Path(store.path) / TIME_MAJOR / f"{BUILDING}{name}").is_dir() else "none"


def can_build(store, name: str = "amplitude") -> bool:
    """The variable is the survey's sharded layout read directly (what the builder reads)."""
    from seisview.io.store_chunks import ShardFiles, chunk_files

    return isinstance(chunk_files(store.array(name)), ShardFiles)


def build_time_major(path, name: str = "amplitude", state: TaskState | None = None,
                     workers: int | None = None) -> bool:
    """Build (or finish) the time-major copy of ``name`` in the store at ``path``.

    Trace shards are read, transposed and written as time-major shards on ``workers`` threads
    (default one per core; reading, Blosc and writing release the GIL). Returns True once the
    copy is complete (also when it already was); a cancel through ``state`` raises and leaves
    the shards written so far for the next build.
    """
    from concurrent.futures import ThreadPoolExecutor

    from seisview.io.store import open_store

    state = state or TaskState()
    store = open_store(path, "r+")
    if store.time_major(name) is not None:
        return True
    pending, jobs = _pending_array(store, name)
    todo = [j for j in jobs if not pending.path(j[1]).exists()]
    done = [len(jobs) - len(todo)]
    lock = threading.Lock()
    source = _files(store.array(name))

    def one(job):
        state.check()
        region, key = job
        block = source.read_shard((key[1], key[2], 0)) if source.shard[:2] == pending.shard[1:] \
            else source.read_region(region)
        flipped = np.empty((block.shape[2], block.shape[0], block.shape[1]), block.dtype)
        transpose_into(flipped, 0, block)
        pending.write_shard(key, flipped, atomic=True)
        with lock:
            done[0] += 1
            state.set_progress(done[0] / len(jobs), f"time-major copy: shard {done[0]} of {len(jobs)}")

    state.check()
    n = max(1, workers or os.cpu_count() or 1)
    if n == 1 or len(todo) <= 1:
        for job in todo:
            one(job)
    else:
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="seisview-time-major") as pool:
            list(pool.map(one, todo))  # the first error (a cancel) is raised here
    _finish(store, name)
    return True


def _files(array):
    from seisview.io.store_chunks import ShardFiles, chunk_files

    files = chunk_files(array)
    if not isinstance(files, ShardFiles):
        raise ValueError(f"{array.path} is not stored as plain sharded Blosc chunks")
    return files


def _pending_array(store, name: str):
    """The copy being built (made if new) and its shard jobs ``(trace region, copy shard key)``."""
    import zarr

    from seisview.io.store import (
        TIME_MAJOR,
        default_compressors,
        time_major_chunks,
        time_major_shards,
    )

    shape = store.geometry.shape
    n_il, n_xl, ns = shape
    src = store.array(name)
    where = f"{TIME_MAJOR}/{BUILDING}{name}"
    group = store.group.require_group(TIME_MAJOR)
    try:
        arr = store.group[where]
    except KeyError:
        try:
            arr = group.create_array(f"{BUILDING}{name}", shape=(ns, n_il, n_xl),
                                     chunks=time_major_chunks(shape), shards=time_major_shards(shape),
                                     dtype=src.dtype, fill_value=src.fill_value,
                                     dimension_names=(store.z_dim, "inline", "crossline"),
                                     compressors=default_compressors())
        except zarr.errors.ContainsArrayError:  # another builder made it a moment ago
            arr = store.group[where]
    pending = _files(arr)
    _clean_dead_temps(pending.folder)
    _, si, sx = pending.shard
    jobs = [((slice(i, min(i + si, n_il)), slice(j, min(j + sx, n_xl)), slice(None)), (0, i // si, j // sx))
            for i in range(0, n_il, si) for j in range(0, n_xl, sx)]
    return pending, jobs


def _clean_dead_temps(folder: Path) -> None:
    """Remove the half-written shard files of builds whose process is gone (``.NAME.PID-TID``)."""
    import re

    from seisview.io.atomic import pid_alive

    pattern = re.compile(r"^\..+\.(\d+)-\d+$")
    for d, _, names in os.walk(folder):
        for n in names:
            m = pattern.match(n)
            pid = int(m.group(1)) if m else os.getpid()
            if pid != os.getpid() and not pid_alive(pid):  # this process's own builds are alive
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(d, n))


def _finish(store, name: str) -> None:
    """Put the whole copy under its reader-visible name, in the manifest, in xarray's listing."""
    from seisview.io.cache_files import MANIFEST, add_to_manifest
    from seisview.io.store import TIME_MAJOR, consolidate

    root = Path(store.path)
    building, final = root / TIME_MAJOR / f"{BUILDING}{name}", root / TIME_MAJOR / name
    if not final.exists():
        try:
            os.rename(building, final)
        except OSError:  # another builder finished first (its copy has the same bytes)
            if not final.exists():
                raise
    if (root / MANIFEST).exists():
        add_to_manifest(root, [f"{TIME_MAJOR}/zarr.json", f"{TIME_MAJOR}/{name}"])
    consolidate(root)


def build_in_background(path, name: str = "amplitude", on_done=None) -> threading.Thread | None:
    """Start (once per store and variable in this process) a background build at lowered
    priority; ``on_done()`` runs in that thread once the copy is complete. None when the
    store's folder is not writable (time slices keep reading the trace-major chunks)."""
    key = (str(Path(path).resolve()), name)
    if not os.access(path, os.W_OK):
        return None
    with _RUNNING_LOCK:
        running = _RUNNING.get(key)
        if running is not None and running.is_alive():
            return running

        def run():
            with contextlib.suppress(OSError, AttributeError):  # Linux: a thread has its own nice
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                               min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10))
            try:
                build_time_major(path, name, workers=1)
            except Exception as exc:  # noqa: BLE001 (a background helper: reported, never raised)
                log.warning("the time-major copy of %s was not built (%s: %s); time slices are "
                            "read from the trace-major chunks", path, type(exc).__name__, exc)
                return
            if on_done is not None:
                on_done()

        thread = threading.Thread(target=run, name="seisview-time-major", daemon=True)
        _RUNNING[key] = thread
        thread.start()
        return thread


def wait_for_background(path, name: str = "amplitude", timeout: float | None = None) -> bool:
    """Wait for this process's background build of the copy (True when none is running now)."""
    with _RUNNING_LOCK:
        thread = _RUNNING.get((str(Path(path).resolve()), name))
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True
