"""Volume-wide work as a dask graph of chunk tasks writing into a store.

A job is a *block function* run over the survey in columns of ``chunk`` inlines x
crosslines x every sample: ``fn(block, check=, halo=, origin=, **shared) -> {name: array}``
with ``fn.outputs`` (``Output``), ``fn.halo`` (traces wanted each side, inline and crossline)
and ``fn.signature()`` (what makes two runs the same job). Each task reads its column plus the
halo (clipped at the survey's edge; ``halo`` gives the ``(before, after)`` pairs it got and
``origin`` the block's first index in the survey), and the function returns its outputs for
the core only (``core(array, halo)``), which the task writes straight into the output store,
then leaves a marker (``io.job_store.ChunkRecord``); nothing is gathered back, so the caller's memory is
one column per thread whatever the survey's size. A rerun skips the marked columns.

``scheduler=None`` runs the graph on dask's local threaded scheduler; an address runs the same
tasks on a ``dask.distributed`` cluster (``dask scheduler`` / ``dask worker``), whose workers read
the source and write the store by path: both must be on a file system every worker sees. The
``shared`` objects (model weights) are scattered to every worker once. Cancel reaches the
workers through a cluster-wide ``distributed.Event`` that running tasks poll between sections.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.tasks import Cancelled, TaskState
from seisview.io import job_store

log = logging.getLogger(__name__)
FULL_WIDTH = 1024  # crosslines up to which a chunk spans the survey's width (no crossline halo)


MIN_CHUNK = (4, 64)  # the smallest task auto_chunk makes to save memory


def auto_chunk(fn, shape, room: int | None = None) -> tuple[int, int]:
    """Inlines x crosslines per task: whole crosslines when the survey is at most ``FULL_WIDTH``
    wide (then no crossline halo is read: the cut is the survey's edge), else 512; 8 inlines
    when no inline halo is needed, else enough that the halo is at most the core. Then, while
    one task would need more than ``room`` bytes (default ``task_room()``), the axis whose
    halving adds the least halo work is halved (down to ``MIN_CHUNK``): a small RAM budget is
    kept at the price of more halo work (the default budget, a quarter of the RAM, rarely
    needs any halving)."""
    halo = fn.halo
    xl = shape[1] if shape[1] <= FULL_WIDTH else 512
    il = 8 if halo[0] == 0 else min(max(16, 2 * halo[0]), 64)
    chunk = [min(il, shape[0]), min(xl, shape[1])]
    room = task_room() if room is None else room

    def work(c: int, axis: int) -> float:  # computed / kept samples along an axis
        return (c + min(2 * halo[axis], shape[axis] - c)) / c

    while task_bytes(fn, chunk, shape) > room:
        can = [a for a in (0, 1) if chunk[a] > MIN_CHUNK[a]]
        if not can:
            break
        axis = min(can, key=lambda a: work(max(chunk[a] // 2, 1), a) / work(chunk[a], a))
        chunk[axis] = max(chunk[axis] // 2, MIN_CHUNK[axis])
    for a in (0, 1):  # equal parts: no sliver of a chunk paying a whole halo at the end
        parts = -(-shape[a] // chunk[a])  # never more than the size found above
        chunk[a] = -(-shape[a] // parts)
    return chunk[0], chunk[1]


@dataclass(frozen=True)
class Output:
    """One variable a block function writes (``leading``: an extra first dim, e.g. classes)."""

    name: str
    dtype: str
    fill: float = 0
    leading: tuple[str, int] | None = None


# -- sources -------------------------------------------------------------------------------
def _open_array(path: str, name: str, mode: str = "r"):
    """Opened per task (a metadata read): a cached handle would outlive a rewritten store."""
    import zarr

    return zarr.open_array(store=path, path=name, mode=mode)


def _read_block(array, il: slice, xl: slice) -> np.ndarray:
    """``array[il, xl, :]`` as float32: a store's chunks decoded directly when they are plain
    or sharded Blosc chunks on a local disk (``io.store_chunks``), else through zarr."""
    from seisview.io.store_chunks import chunk_files

    files = chunk_files(array)
    if files is not None and getattr(array, "ndim", 0) == 3:
        return np.asarray(files.read_region((il, xl, slice(None))), np.float32)
    return np.asarray(array[il, xl, :], np.float32)


@dataclass(frozen=True)
class StoreSource:
    """A variable of a store on disk, opened by path in whichever process reads it."""

    path: str
    variable: str = "amplitude"

    def read(self, il: slice, xl: slice) -> np.ndarray:
        return _read_block(_open_array(self.path, self.variable), il, xl)

    def describe(self) -> str:
        return f"{self.path}:{self.variable}"


@dataclass(frozen=True, eq=False)
class ArraySource:
    """An ``(il, xl, sample)`` array: numpy (in memory) or a zarr array (pickles by path)."""

    array: Any
    label: str = "array"

    def read(self, il: slice, xl: slice) -> np.ndarray:
        if isinstance(self.array, np.ndarray):
            return np.asarray(self.array[il, xl, :], np.float32)
        return _read_block(self.array, il, xl)

    def describe(self) -> str:
        return self.label

    @property
    def in_memory(self) -> bool:
        return isinstance(self.array, np.ndarray)


def survey_variable(path) -> str:
    """The amplitude variable of a store: ``amplitude``, or ``data`` in a volume cache."""
    import zarr

    if not job_store.is_store(path):
        raise SeisviewError(f"{path} is not a zarr store", hint="make one with `seisview convert`")
    group = zarr.open_group(store=str(path), mode="r")
    for name in ("amplitude", "data"):
        if name in group:
            return name
    raise SeisviewError(f"{path} has no survey amplitudes", hint="make the store with `seisview convert`")


def as_source(source):
    """A ``StoreSource`` / ``ArraySource`` from a store path, a ``(path, variable)`` pair or a Volume."""
    if isinstance(source, StoreSource | ArraySource):
        return source
    if isinstance(source, str | Path) and not job_store.is_store(source):
        raise SeisviewError(f"{source} is not a seisview store", hint="make one with `seisview convert`")
    if isinstance(source, str | Path):
        return StoreSource(str(Path(source).resolve()), survey_variable(source))
    if isinstance(source, tuple):
        return StoreSource(str(Path(source[0]).resolve()), source[1])
    data = getattr(source, "data", None)
    if data is None:
        raise SeisviewError(f"cannot run a volume job on {type(source).__name__}",
                            hint="give a store path or a Volume")
    name = f"{getattr(source.geometry, 'name', '') or 'volume'} {tuple(source.shape)}"
    data = getattr(data, "array", data)  # a store Volume's SlabReader: the zarr array (pickles by path)
    if not isinstance(data, np.ndarray):  # zarr-backed: describe by its store path
        name = str(getattr(data, "store_path", name))
    return ArraySource(data, name)


def source_geometry(source, geometry=None):
    if geometry is not None:
        return geometry
    if hasattr(source, "geometry"):
        return source.geometry
    src = as_source(source)
    if isinstance(src, StoreSource):
        return job_store.store_geometry(src.path)
    raise SeisviewError("this source has no survey geometry", hint="pass geometry=")


# -- cancel --------------------------------------------------------------------------------
class LocalCancel:
    """Cancel check for tasks in this process: the owner's ``TaskState``."""

    def __init__(self, state: TaskState):
        self.state = state

    def __call__(self) -> None:
        self.state.check()


class ClusterCancel:
    """Cancel check for tasks on cluster workers: a named ``distributed.Event``, polled at most
    every ``interval`` seconds (each poll is a round trip to the scheduler)."""

    def __init__(self, name: str, interval: float = 0.2):
        self.name, self.interval = name, interval
        self._last = 0.0
        self._event: Any = None

    def __getstate__(self):
        return {"name": self.name, "interval": self.interval}

    def __setstate__(self, d):
        self.__init__(d["name"], d["interval"])

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        from distributed import Event

        if self._event is None:
            self._event = Event(self.name)
        if self._event.is_set():
            raise Cancelled()


# -- the chunk task ------------------------------------------------------------------------
@functools.cache
def _large_arrays_unmapped() -> None:
    """Arrays of 1 MiB and more get their own pages and give them back when freed (glibc
    otherwise raises that threshold after the first large free, and task after task the
    blocks land in a heap that keeps growing)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def run_chunk(key, region, source, fn, out_path: str, job: str, check, shared: dict):
    """One task: read the column ``region`` with halo, compute, write the core, mark it."""
    _large_arrays_unmapped()
    (i0, i1), (j0, j1) = region
    n_il, n_xl, _ = source_shape(source)
    hi, hj = fn.halo
    a0, a1 = max(0, i0 - hi), min(n_il, i1 + hi)
    b0, b1 = max(0, j0 - hj), min(n_xl, j1 + hj)
    check()
    block = source.read(slice(a0, a1), slice(b0, b1))
    halo = ((i0 - a0, a1 - i1), (j0 - b0, b1 - j1), (0, 0))
    result = fn(block, check=check, halo=halo, origin=(a0, b0, 0), **shared)
    for out in fn.outputs:
        values = np.asarray(result[out.name])
        if values.shape[-3:] != (i1 - i0, j1 - j0, block.shape[2]):
            raise RuntimeError(f"block function gave {out.name} {values.shape} for a core of "
                               f"{(i1 - i0, j1 - j0, block.shape[2])}")
        _open_array(out_path, out.name, "r+")[..., i0:i1, j0:j1, :] = values.astype(out.dtype, copy=False)
    job_store.ChunkRecord.of(out_path, job).mark(key)
    return key


def core(array: np.ndarray, halo) -> np.ndarray:
    """The part of a block-shaped ``(..., il, xl, sample)`` array inside its ``halo`` pairs."""
    (a, b), (c, d), (e, f) = halo
    n = array.shape[-3:]
    return array[..., a:n[0] - b, c:n[1] - d, e:n[2] - f]


def source_shape(source) -> tuple[int, int, int]:
    arr = _open_array(source.path, source.variable) if isinstance(source, StoreSource) else source.array
    n_il, n_xl, n_s = (int(n) for n in arr.shape)
    return n_il, n_xl, n_s


# -- the job -------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobResult:
    out: Path
    job: str
    n_chunks: int
    done_before: int
    ran: int
    scheduler: str


def task_bytes(fn, chunk, shape) -> int:
    """Estimated memory of one task: ``fn.task_bytes(core, block)`` (samples of the chunk and of
    the block read with its halo) when the function says, else block samples x
    ``fn.bytes_per_sample`` (32 when it does not say)."""
    il = min(chunk[0] + 2 * fn.halo[0], shape[0])
    xl = min(chunk[1] + 2 * fn.halo[1], shape[1])
    core, block = chunk[0] * chunk[1] * shape[2], il * xl * shape[2]
    if hasattr(fn, "task_bytes"):
        return int(fn.task_bytes(core, block))
    return int(block * getattr(fn, "bytes_per_sample", 32))


def task_room() -> int:
    """Bytes the chunk tasks may use together: the RAM budget + 1 GiB less what this process
    holds already, at least 256 MiB."""
    import resource

    from seisview.config import ram_budget_bytes

    try:  # resident now (Linux); a finished conversion's peak is not held any more
        held = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return max(ram_budget_bytes() + 2**30 - held, 2**28)


def local_threads(fn, chunk, shape) -> int:
    """Threads of the local scheduler: every core, but no more tasks at once than fit in
    ``task_room()`` (at least one)."""
    fit = task_room() // max(task_bytes(fn, chunk, shape), 1)
    return int(max(1, min(os.cpu_count() or 1, fit)))


def aligned(chunk, var_chunks, shape) -> tuple[int, int]:
    """``chunk`` rounded up to whole chunks of every output variable (an existing variable may
    be chunked otherwise): two tasks never write into the same zarr chunk."""
    out = []
    for axis in (0, 1):
        step = int(np.lcm.reduce([int(c[axis]) for c in var_chunks])) if var_chunks else 1
        out.append(min(-(-int(chunk[axis]) // step) * step, int(shape[axis])))
    return out[0], out[1]


def chunk_grid(shape, chunk) -> list[tuple[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]]]:
    ci, cj = chunk
    return [((a, b), ((i, min(i + ci, shape[0])), (j, min(j + cj, shape[1]))))
            for a, i in enumerate(range(0, shape[0], ci)) for b, j in enumerate(range(0, shape[1], cj))]


def run_job(source, fn, out, *, geometry=None, scheduler: str | None = None,
            chunk: tuple[int, int] | None = None, threads: int | None = None,
            state: TaskState | None = None, shared: dict | None = None,
            on_chunk: Callable[[tuple[int, int], tuple], None] | None = None,
            time_chunk: int = 64) -> JobResult:
    """Run block function ``fn`` over ``source`` into the store ``out`` (made when missing).

    ``chunk``: inlines x crosslines per task (None: ``auto_chunk``); the result variables are
    chunked so, and ``time_chunk`` samples deep, so a time slice reads a fraction of them.
    ``on_chunk(key, region)`` is called in the caller's thread as each column is written (the
    viewer refreshes its slices); ``state`` gives progress and cancel (a cancelled job raises
    ``Cancelled`` and leaves the finished columns marked, so the same call completes the rest).
    """
    state = state or TaskState()
    src = as_source(source)
    geometry = source_geometry(source, geometry)
    shape = tuple(geometry.shape)
    if source_shape(src) != shape:
        raise SeisviewError(f"source shape {source_shape(src)} is not the survey's {shape}")
    chunk = auto_chunk(fn, shape) if chunk is None else chunk
    chunk = (max(1, min(int(chunk[0]), shape[0])), max(1, min(int(chunk[1]), shape[1])))
    out = Path(out).resolve()
    store = job_store.open_or_create(out, geometry)
    var_chunks = (chunk[0], chunk[1], min(shape[2], time_chunk))
    arrays = [job_store.add_variable(store, o.name, o.dtype, var_chunks, o.leading, o.fill,
                                     attrs={"seisview_job": fn.signature()}) for o in fn.outputs]
    chunk = aligned(chunk, [a.chunks[-3:-1] for a in arrays], shape)
    job = "+".join(o.name for o in fn.outputs)
    grid = chunk_grid(shape, chunk)
    record = job_store.ChunkRecord.of(out, job)
    record.begin({"job": fn.signature(), "source": src.describe(), "chunk": list(chunk),
                  "n_chunks": len(grid)})
    done = record.done()
    todo = [(k, r) for k, r in grid if k not in done]
    if not todo:
        state.set_progress(1.0, f"{len(grid)} chunks already complete")
        return JobResult(out, job, len(grid), len(done), 0, "none")

    def progress(n: int) -> None:
        state.set_progress((len(done) + n) / len(grid), f"chunk {len(done) + n}/{len(grid)}")

    if scheduler:
        ran = _run_distributed(scheduler, src, fn, out, job, todo, shared or {}, state, on_chunk, progress)
        where = scheduler
    else:
        threads = threads or local_threads(fn, chunk, shape)
        if getattr(fn, "torch_threads", 0) is None:  # the function leaves its inner threads to us
            fn = copy.copy(fn)
            fn.torch_threads = max(1, (os.cpu_count() or 1) // threads)
        ran = _run_local(src, fn, out, job, todo, shared or {}, state, on_chunk, progress, threads)
        where = f"local threads ({threads})"
    return JobResult(out, job, len(grid), len(done), ran, where)


def _run_local(src, fn, out, job, todo, shared, state, on_chunk, progress, threads) -> int:
    import dask
    from dask.callbacks import Callback

    check = LocalCancel(state)
    names = {}
    tasks = []
    for key, region in todo:
        name = f"seisview-chunk-{key[0]}-{key[1]}"
        names[name] = (key, region)
        tasks.append(dask.delayed(run_chunk, pure=False)(key, region, src, fn, str(out), job, check,
                                                         shared, dask_key_name=name))
    finished = [0]

    def posttask(key, result, dsk, state_, worker_id):
        if key in names:
            finished[0] += 1
            progress(finished[0])
            if on_chunk is not None:
                on_chunk(*names[key])

    with Callback(posttask=posttask):
        dask.compute(*tasks, scheduler="threads", num_workers=threads)
    return finished[0]


def _run_distributed(address, src, fn, out, job, todo, shared, state, on_chunk, progress) -> int:
    from seisview.io.store_cluster import connect

    with connect(address) as client:
        return _on_cluster(client, address, src, fn, out, job, todo, shared, state, on_chunk, progress)


def _on_cluster(client, address, src, fn, out, job, todo, shared, state, on_chunk, progress) -> int:
    from distributed import Event, as_completed

    token = f"seisview-cancel-{uuid.uuid4().hex}"
    futures: dict = {}
    try:
        if not client.scheduler_info().get("workers"):
            client.wait_for_workers(1, timeout=30)
        Event(token, client=client)  # created before any task polls it
        shared_f = {k: client.scatter(v, broadcast=True, hash=False) for k, v in shared.items()}
        src_f = client.scatter(src, hash=False) if isinstance(src, ArraySource) and src.in_memory else src
        futures = {client.submit(run_chunk, key, region, src_f, fn, str(out), job,
                                 ClusterCancel(token), shared_f, pure=False,
                                 key=f"seisview-chunk-{token[-8:]}-{key[0]}-{key[1]}"): (key, region)
                   for key, region in todo}
        ac = as_completed(list(futures), loop=client.loop)
        n = 0
        while not ac.is_empty():
            batch = ac.next_batch(block=False)
            if not batch:
                if state.cancelled:
                    _cancel_cluster(client, token, list(futures))
                    raise Cancelled()
                time.sleep(0.05)
                continue
            for f in batch:
                if f.status == "error":
                    _cancel_cluster(client, token, list(futures))
                    f.result()  # raises the task's own error
                n += 1
                progress(n)
                if on_chunk is not None:
                    on_chunk(*futures[f])
        return n
    except KeyboardInterrupt:  # Ctrl-C: the workers stop too
        _cancel_cluster(client, token, list(futures))
        raise
    except Cancelled:
        raise
    except (OSError, TimeoutError) as exc:
        raise SeisviewError(f"lost the dask cluster at {address}: {exc}",
                            hint="rerun the same command: finished chunks are kept") from None


def _cancel_cluster(client, token: str, futures, wait_s: float = 30.0) -> None:
    """Tell running tasks to stop (they poll the event), drop queued ones, and wait until no
    worker is executing a task of this job any more (a thread cannot be killed: it must see
    the event)."""
    from distributed import Event

    Event(token, client=client).set()
    keys = {f.key for f in futures}
    client.cancel(futures, force=True)
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        if not any(k in keys for ks in executing(client).values() for k in ks):
            return
        time.sleep(0.05)
    log.warning("cluster tasks still running %.0f s after cancel", wait_s)


def _executing_keys(dask_worker) -> list:
    return [ts.key for ts in dask_worker.state.executing]


def executing(client) -> dict[str, list]:
    """``{worker address: [keys of the tasks its threads are running]}``."""
    return client.run(_executing_keys)
