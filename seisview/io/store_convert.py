"""SEG-Y -> store conversion as a dask graph over tiles of traces.

Each task decodes one tile of traces (one shard of the survey's chunks) straight from the
file's memory map with the SEG-Y decoders of :mod:`seisview.io.segy_format`, and writes its
part of ``amplitude``; the time-major copy is built afterwards from the store
(:mod:`seisview.io.store_time_major`: the survey is usable before it). No two tasks touch one chunk, so they run on any mix of threads,
processes or ``dask.distributed`` workers (which must see the SEG-Y and the output folder
under the same paths). The dead-trace mask comes back to the caller, written once at the end.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seisview.core.tasks import TaskState
from seisview.io.mapped import needs_release, release
from seisview.io.segy_format import TraceLayout, decode, samples_view
from seisview.io.store import survey_shards
from seisview.io.store_chunks import chunk_files

_FLOAT_FORMATS = (1, 5, 6)
_DECODE_TRACES = 256  # traces decoded per call: their temporaries stay in the CPU cache


@dataclass(frozen=True)
class TileJob:
    """What one task needs: where the file and the output are, and which traces go where."""

    path: str
    layout: TraceLayout
    null_value: float | None
    out: str
    i0: int
    j0: int
    traces: np.ndarray  # (ti, tx) trace number of each grid position, -1 where none
    dead: np.ndarray  # (ti, tx) bool, trace id code 2


_MAPS: dict[tuple[str, TraceLayout], tuple[np.ndarray, np.memmap]] = {}
_MAPS_LOCK = threading.Lock()


def _mapped(path: str, layout: TraceLayout) -> tuple[np.ndarray, np.memmap]:
    """The file's samples view and its memory map, mapped once per process (workers convert
    many tiles)."""
    key = (path, layout)
    with _MAPS_LOCK:
        if key not in _MAPS:
            while len(_MAPS) >= 2:  # a worker that converted other files lets their maps go
                _MAPS.pop(next(iter(_MAPS)))
            raw = layout.map_traces(path)
            _MAPS[key] = (samples_view(raw, layout), raw)
        return _MAPS[key]


def decode_tile(job: TileJob) -> tuple[np.ndarray, np.ndarray, int]:
    """``(block (ti, tx, ns) float32, live (ti, tx), non-finite count)`` of one tile."""
    view, raw = _mapped(job.path, job.layout)
    code = job.layout.format_code
    ti, tx = job.traces.shape
    block = np.zeros((ti, tx, job.layout.n_samples), np.float32)
    # mapped pages count in the resident memory and a fault maps a 2 MiB folio (io.mapped):
    # each row's pages are let go once decoded, else a conversion's peak grew with the file
    unmap = needs_release(raw)
    for r in range(ti):
        t = job.traces[r]
        if t[0] >= 0 and t[-1] - t[0] == tx - 1 and np.all(np.diff(t) == 1):  # one run of the file
            for a in range(0, tx, _DECODE_TRACES):
                b = min(a + _DECODE_TRACES, tx)
                decode(view[t[0] + a:t[0] + b], code, out=block[r, a:b])
        else:
            have = np.flatnonzero(t >= 0)
            if have.size:
                block[r, have] = decode(view[t[have]], code)
        if unmap and (t >= 0).any():
            release(raw, int(t[t >= 0].min()), int(t.max()) + 1)
    live = (job.traces >= 0) & ~job.dead
    bad_n = 0
    if code in _FLOAT_FORMATS and (job.null_value is not None
                                   or not np.isfinite(np.add.reduce(block, axis=None))):
        bad = ~np.isfinite(block)
        if job.null_value is not None:
            bad |= block == np.float32(job.null_value)
        if bad.any():
            bad_n = int(np.count_nonzero(bad))
            block[bad] = 0.0
            live &= ~bad.all(axis=-1)  # no sample at all: a dead trace
    return block, live, bad_n


def convert_tile(job: TileJob) -> tuple[int, int, np.ndarray, int]:
    """Decode one tile and write it into the store at ``job.out``; returns ``(i0, j0, live, bad)``."""
    block, live, bad = decode_tile(job)
    _write_whole_chunks(job.out, "amplitude", (job.i0, job.j0, 0), block)
    return job.i0, job.j0, live, bad


def _write_whole_chunks(out: str, name: str, start, data: np.ndarray) -> None:
    """Write a region of whole chunks: as chunk files (a third of zarr's CPU, measured), or
    through zarr for arrays that are not plain Blosc chunks on a local disk."""
    import zarr

    arr = zarr.open_array(store=out, path=name, mode="r+")
    files = chunk_files(arr)
    if files is not None:
        files.write_region(start, data)
        return
    # every chunk is written once and whole: skip zarr's check for chunks equal to the fill value
    arr = arr.with_config({"write_empty_chunks": True})
    arr[tuple(slice(s, s + n) for s, n in zip(start, data.shape, strict=True))] = data


def trace_grid(il_idx: np.ndarray, xl_idx: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``(n_il, n_xl)`` trace number of each grid position (-1: no trace; the last duplicate wins)."""
    grid = np.full(shape, -1, np.int64)
    ok = (il_idx >= 0) & (xl_idx >= 0)
    grid[il_idx[ok], xl_idx[ok]] = np.flatnonzero(ok)
    return grid


def tile_jobs(report, out: Path, geometry, il_idx, xl_idx) -> list[TileJob]:
    """The tasks of a conversion: one tile per shard of the survey's chunks."""
    layout, _, headers = report.tables()
    n_il, n_xl, _ = geometry.shape
    grid = trace_grid(il_idx, xl_idx, (n_il, n_xl))
    dead_t = headers["trid"] == 2
    dead = np.where(grid >= 0, dead_t[np.maximum(grid, 0)], False)
    ti, tx, _ = survey_shards(geometry.shape)
    return [TileJob(str(Path(report.path).resolve()), layout, report.null_value, str(out), i0, j0,
                    grid[i0:i0 + ti, j0:j0 + tx].copy(), dead[i0:i0 + ti, j0:j0 + tx].copy())
            for i0 in range(0, n_il, ti) for j0 in range(0, n_xl, tx)]


def run_tiles(jobs: list[TileJob], state: TaskState, scheduler: str | None = None,
              workers: int | None = None) -> tuple[np.ndarray, int]:
    """Run the tile tasks (local threads, or the ``dask.distributed`` scheduler at ``scheduler``);
    returns the tiles' live masks placed in one ``(n_il, n_xl)`` array and the non-finite count."""
    results = _run_distributed(jobs, state, scheduler) if scheduler else _run_local(jobs, state, workers)
    return _assemble(jobs, results)


def _assemble(jobs, results) -> tuple[np.ndarray, int]:
    n_il = max(j.i0 + j.traces.shape[0] for j in jobs)
    n_xl = max(j.j0 + j.traces.shape[1] for j in jobs)
    live = np.zeros((n_il, n_xl), bool)
    bad = 0
    for i0, j0, tile_live, tile_bad in results:
        live[i0:i0 + tile_live.shape[0], j0:j0 + tile_live.shape[1]] = tile_live
        bad += tile_bad
    return live, bad


def _run_local(jobs, state: TaskState, workers: int | None):
    """dask's threaded scheduler (decoding, compressing and writing release the GIL)."""
    import dask
    from dask.callbacks import Callback

    done = [0]

    class Progress(Callback):
        def _posttask(self, key, result, dsk, state_, worker_id):
            done[0] += 1
            state.set_progress(done[0] / len(jobs), f"converting tile {done[0]} of {len(jobs)}")
            state.check()  # a cancel raises here: dask stops handing out tasks

    tasks = [dask.delayed(convert_tile, pure=False)(j) for j in jobs]
    state.check()
    try:
        with Progress():
            return dask.compute(*tasks, scheduler="threads", num_workers=workers or os.cpu_count() or 1)
    finally:
        with _MAPS_LOCK:
            _MAPS.clear()  # this process keeps no map of the file once the conversion is over


def _run_distributed(jobs, state: TaskState, address: str):
    """The same tasks on a ``dask.distributed`` cluster; a cancel cancels what is left there."""
    from seisview.io.store_cluster import connect

    with connect(address) as client:
        from distributed import as_completed

        futures = client.map(convert_tile, jobs, pure=False)
        results = []
        try:
            for n, fut in enumerate(as_completed(futures, loop=client.loop), 1):
                results.append(fut.result())
                state.set_progress(n / len(jobs), f"converting tile {n} of {len(jobs)} on {address}")
                state.check()
        except BaseException:
            client.cancel(futures)
            raise
        return results
