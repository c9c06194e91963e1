"""The survey store (issue 17 items 1 and 7): chunk shapes, codec, conversion, section reads.

    nice -n 10 python benchmarks/bench_store.py layouts   # chunk shapes and codecs side by side
    nice -n 10 python benchmarks/bench_store.py convert   # conversion vs raw read; reads vs segyio
    nice -n 10 python benchmarks/bench_store.py actions   # cursor, AGC time slice, map RMS: store vs memory
    nice -n 10 python benchmarks/bench_store.py convert-vs --against /work/main  # conversion: two checkouts
    ... --size small                                      # 160 x 200 x 300 instead of F3's size

The survey is F3-sized (651 x 951 x 462) by default, made of the demo survey's amplitudes
mirrored out to that size (laterally continuous reflectors and faults, so the codec sees
seismic-like data, not noise), written as an IEEE SEG-Y. Every figure is a ratio of interleaved
pairs (benchmarks/_timing.compare). "Cold" reads drop the files' pages from the page cache
before each call (posix_fadvise DONTNEED on every file of the store or the SEG-Y, after a sync);
"warm" reads repeat the call with the pages cached (no decoded-chunk cache: zarr's own read).

``layouts`` writes the same cube in each candidate layout (from memory, so only the layout
differs; the write CPU is printed) and times the chunk row an inline, a crossline and a time
slice read (what the store's Volume decodes and keeps) cold and warm against seisview-store/1
(16 x 16-trace chunks and a time-major copy 8 x 112 x 128, one file per chunk, read by zarr).
``convert-vs`` times the conversion of this checkout against another (``--against``).
``convert`` times ``seisview convert`` (build_cache) against a raw sequential read of the same
file, and the store's reads (through the Volume a user gets) against segyio on the SEG-Y.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import compare, loadavg, prefaulted  # noqa: E402

SIZES = {"f3": (651, 951, 462), "small": (160, 200, 300)}


def _mirror(n: int, m: int) -> np.ndarray:
    k = np.arange(n) % (2 * m)
    return np.where(k < m, k, 2 * m - 1 - k)


def survey_cube(shape) -> np.ndarray:
    """The demo survey mirrored out to ``shape`` (float32, seismic-like)."""
    from seisview.io.demo import demo_volume

    demo = np.asarray(demo_volume().data)
    n_il, n_xl, ns = shape
    out = np.empty(shape, np.float32)
    xi, si = _mirror(n_xl, demo.shape[1]), _mirror(ns, demo.shape[2])
    for i, src in enumerate(_mirror(n_il, demo.shape[0])):
        out[i] = demo[src][np.ix_(xi, si)]
    return out


def write_segy(path: Path, cube: np.ndarray) -> Path:
    from seisview.core.geometry import SurveyGeometry
    from seisview.io.segy import write_volume_segy

    geom = SurveyGeometry.regular(*cube.shape, il_first=100, xl_first=300)
    return write_volume_segy(path, cube, geom)


def evict(root: Path) -> None:
    """Drop the page-cache pages of every file under ``root`` (or of the file ``root``)."""
    files = [root] if root.is_file() else [Path(d, n) for d, _, ns in os.walk(root) for n in ns]
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def disk_usage(root: Path) -> tuple[int, int]:
    files = [Path(d, n) for d, _, ns in os.walk(root) for n in ns]
    return sum(f.stat().st_size for f in files), len(files)


# -- layouts ----------------------------------------------------------------------------
def _codec(name: str):
    from zarr.codecs import BloscCodec

    return {"none": None, "zstd1": [BloscCodec(cname="zstd", clevel=1, shuffle="shuffle")],
            "lz4": [BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")]}[name]


# name: (amplitude chunks, amplitude shards or None, time-major chunks, time-major shards or None,
#        codec, written and read directly (io.store_chunks) or through zarr). "store/1" is the
# layout of seisview-store/1 written and read as it was; "store/2" the layout of now.
LAYOUTS = {
    "store/1: 16x16 lz4, zarr": ((16, 16, -1), None, (8, 112, 128), None, "lz4", False),
    "16x16 lz4, direct": ((16, 16, -1), None, (8, 112, 128), None, "lz4", True),
    "store/2: 8x8 in 112x120 shards": ((8, 8, -1), (112, 120, -1), (8, 112, 120), (464, 112, 120), "lz4", True),
    "16x16 in 112x128 shards": ((16, 16, -1), (112, 128, -1), (8, 112, 128), (464, 112, 128), "lz4", True),
    "4x4 in 112x120 shards": ((4, 4, -1), (112, 120, -1), (8, 112, 120), (464, 112, 120), "lz4", True),
    "8x8 in shards, zarr": ((8, 8, -1), (112, 120, -1), (8, 112, 120), (464, 112, 120), "lz4", False),
}


def _fit(chunks, shape):
    return tuple(s if c == -1 else c for c, s in zip(chunks, shape, strict=True))


def write_layout(root: Path, cube: np.ndarray, amp_chunks, amp_shards, tm_chunks, tm_shards, codec: str,
                 direct: bool) -> dict:
    """Write ``cube`` and its time-major copy tile by tile (one tile = one time-major chunk
    laterally, as the conversion does), directly when the layout allows (as store/2 writes),
    through zarr otherwise (as store/1 wrote); CPU seconds of the writes."""
    import time

    import zarr

    from seisview.io.store_chunks import chunk_files

    shape = cube.shape
    tshape = (shape[2], shape[0], shape[1])
    g = zarr.open_group(store=str(root), mode="w")
    amp = g.create_array("amplitude", shape=shape, chunks=_fit(amp_chunks, shape),
                         shards=_fit(amp_shards, shape) if amp_shards else None, dtype="float32",
                         compressors=_codec(codec))
    tm = g.create_array("time_major", shape=tshape, chunks=tm_chunks, shards=tm_shards, dtype="float32",
                        compressors=_codec(codec))
    ti, tx = tm_chunks[1], tm_chunks[2]
    c0 = time.process_time()
    for i0 in range(0, shape[0], ti):
        for j0 in range(0, shape[1], tx):
            block = np.ascontiguousarray(cube[i0:i0 + ti, j0:j0 + tx])
            flipped = np.ascontiguousarray(block.transpose(2, 0, 1))
            for arr, start, data in ((amp, (i0, j0, 0), block), (tm, (0, i0, j0), flipped)):
                files = chunk_files(arr) if direct else None
                if files is not None:
                    files.write_region(start, data)
                else:
                    arr.with_config({"write_empty_chunks": True})[
                        tuple(slice(s, s + n) for s, n in zip(start, data.shape, strict=True))] = data
    cpu = time.process_time() - c0
    os.sync()
    nbytes, nfiles = disk_usage(root)
    return {"write_cpu_s": cpu, "bytes": nbytes, "files": nfiles}


def layout_readers(root: Path, direct: bool):
    """An inline, a crossline and a time slice as the store's Volume reads them: the whole
    chunk row holding the line (the Volume keeps it for the next lines), directly or by zarr."""
    import zarr

    from seisview.io.store_chunks import chunk_files

    g = zarr.open_group(store=str(root), mode="r")
    amp, tm = g["amplitude"], g["time_major"]
    n_il, n_xl, ns = amp.shape
    ci, cx = amp.chunks[0], amp.chunks[1]
    i0, j0, k0 = (n_il // 2) // ci * ci, (n_xl // 2) // cx * cx, (ns // 2) // tm.chunks[0] * tm.chunks[0]
    keys = {"inline": (amp, (slice(i0, i0 + ci), slice(None), slice(None))),
            "crossline": (amp, (slice(None), slice(j0, j0 + cx), slice(None))),
            "time slice": (tm, (slice(k0, k0 + tm.chunks[0]), slice(None), slice(None)))}
    out = {}
    for what, (arr, key) in keys.items():
        files = chunk_files(arr) if direct else None
        out[what] = (lambda f=files, k=key: f.read_region(k)) if files is not None else \
            (lambda a=arr, k=key: np.asarray(a[k]))
    return out


def run_layouts(shape, work: Path, n: int) -> None:
    cube = survey_cube(shape)
    raw_mb = cube.nbytes / 1e6
    print(f"== store layouts, cube {shape} ({raw_mb:.0f} MB as float32), {loadavg()}")
    for name, (ac, ash, tc, tsh, codec, direct) in LAYOUTS.items():
        root = work / name.split(":")[0].replace(" ", "_").replace("/", "").replace(",", "")
        info = write_layout(root, cube, ac, ash, tc, tsh, codec, direct)
        print(f"  {name:34s} write CPU {info['write_cpu_s']:.1f} s, {info['bytes'] / 1e6:.0f} MB on disk "
              f"({info['bytes'] / 1e6 / raw_mb:.2f}x the samples incl. the copy), {info['files']} files")
    del cube
    names = list(LAYOUTS)
    roots = {k: work / k.split(":")[0].replace(" ", "_").replace("/", "").replace(",", "") for k in names}
    base_root = roots[names[0]]
    base = layout_readers(base_root, LAYOUTS[names[0]][5])
    for name in names[1:]:
        root = roots[name]
        subj = layout_readers(root, LAYOUTS[name][5])
        print(f"-- {name} / {names[0]} (time ratio: below 1 is faster), {loadavg()}")
        for what in ("inline", "crossline", "time slice"):
            cold = compare(base[what], subj[what], n=n, setup=lambda side, r=root: evict(
                base_root if side == "baseline" else r))
            print(cold.line(f"{what} cold", names=(name.split(":")[0], "store/1")))
            warm = compare(base[what], subj[what], n=n, min_time=0.02)
            print(warm.line(f"{what} warm", names=(name.split(":")[0], "store/1")))


# -- conversion and reads ----------------------------------------------------------------
def run_convert(shape, work: Path, n: int) -> None:
    import time

    import segyio

    from seisview.io.cache import build_cache, open_cache
    from seisview.io.segy import scan

    try:
        from seisview.io.store_time_major import build_time_major
        deferred = True  # the conversion writes the amplitudes; the copy is built after
    except ImportError:  # a checkout from before the copy was deferred
        deferred = False

    sgy = write_segy(work / "survey.sgy", survey_cube(shape))
    size = sgy.stat().st_size
    print(f"== conversion, {shape} IEEE SEG-Y of {size / 1e6:.0f} MB, {loadavg()}")
    buf = prefaulted(size)

    def raw_read():
        with open(sgy, "rb", buffering=0) as f:
            f.readinto(buf)

    out = work / "survey.zarr"

    def convert():
        shutil.rmtree(out, ignore_errors=True)
        build_cache(scan(sgy), out)

    def complete():  # the store with its time-major copy (what `seisview convert` leaves)
        convert()
        if deferred:
            build_time_major(out)

    raw_read()
    conv = compare(raw_read, convert, n=1, warmup=0)
    print(conv.line("convert / raw read of the cached file", "goal <= 2x (0.5x the speed)",
                    names=("convert", "raw read")))
    cold = compare(raw_read, convert, n=1, warmup=0, setup=lambda side: evict(sgy))
    print(cold.line("convert / raw read, SEG-Y evicted first", "goal <= 2x",
                    names=("convert", "raw read")))
    n_il, n_xl, ns = shape
    i, j, k = n_il // 2, n_xl // 2, ns // 2
    if deferred:
        both = compare(raw_read, complete, n=1, warmup=0)
        print(both.line("convert + time-major copy / raw read of the cached file",
                        names=("convert + copy", "raw read")))
        convert()
        os.sync()
        nbytes, _ = disk_usage(out)
        print(f"  store without the copy {nbytes / 1e6:.0f} MB = {nbytes / size:.2f}x the SEG-Y")
        pending = open_cache(out)
        pending.data.on_time_slice = None  # timed here, not built in the background
        with segyio.open(sgy) as f:
            for what, setup in (("cold", lambda side: evict(sgy if side == "baseline" else out)),
                                ("warm", None)):
                c = compare(lambda: f.depth_slice[k], lambda: pending.time_slice(k), n=2, setup=setup)
                print(c.line(f"time slice before the copy is built (trace-major chunks) {what}",
                             names=("store", "segyio")))
        c0, t0 = time.process_time(), time.perf_counter()
        build_time_major(out)
        print(f"  the time-major copy built alone: {time.perf_counter() - t0:.2f} s, CPU "
              f"{time.process_time() - c0:.2f} s, {loadavg()}")
    nbytes, nfiles = disk_usage(out)
    print(f"  store {nbytes / 1e6:.0f} MB in {nfiles} files = {nbytes / size:.2f}x the SEG-Y "
          f"(amplitude + time-major copy)")
    os.sync()
    vol = open_cache(out)

    def fresh(fn):  # the user's Volume, without its decoded-chunk cache
        def call():
            vol.data.clear()
            if vol.time_major_ready:
                vol.time_major.clear()
            return fn()
        return call

    print(f"== store sections vs segyio (time ratio store / segyio: below 1 is faster), {loadavg()}")
    with segyio.open(sgy) as f:
        reads = {"inline": (lambda: f.iline[100 + i], fresh(lambda: vol.inline(i))),
                 "crossline": (lambda: f.xline[300 + j], fresh(lambda: vol.crossline(j))),
                 "time slice": (lambda: f.depth_slice[k], fresh(lambda: vol.time_slice(k)))}
        for what, (seg, st) in reads.items():
            reps = 2 if what == "time slice" else n
            c = compare(seg, st, n=reps, setup=lambda side: evict(sgy if side == "baseline" else out))
            print(c.line(f"{what} cold", names=("store", "segyio")))
            c = compare(seg, st, n=reps, min_time=0.02)
            print(c.line(f"{what} warm", names=("store", "segyio")))
        nxt = [i]

        def next_inline():  # scrubbing: the next inline, decoded chunk rows kept
            nxt[0] = (nxt[0] + 1) % n_il
            return vol.inline(nxt[0])

        c = compare(lambda: f.iline[100 + nxt[0]], next_inline, n=n, min_time=0.02)
        print(c.line("scrubbing inlines warm (next inline each call)", names=("store", "segyio")))


_CONVERT_CHILD = """
import json, shutil, sys, threading, time
sys.path.insert(0, {root!r})
from seisview.io.cache import build_cache
from seisview.io.segy import scan

def rss():  # (resident, anonymous) MiB: mapped file pages count in the first only
    got = dict(x.split(":") for x in open("/proc/self/status") if x.startswith(("VmRSS", "RssAnon")))
    return int(got["VmRSS"].split()[0]) / 1024, int(got["RssAnon"].split()[0]) / 1024

peak, stop = [(0.0, 0.0)], threading.Event()

def sample():  # every 10 ms (VmHWM would include the scan's mapped file pages)
    while not stop.wait(0.01):
        now = rss()
        peak[0] = (max(peak[0][0], now[0]), max(peak[0][1], now[1]))

shutil.rmtree({out!r}, ignore_errors=True)
rep = scan({sgy!r})
before = rss()
threading.Thread(target=sample, daemon=True).start()
t, c = time.perf_counter(), time.process_time()
build_cache(rep, {out!r})
usable = [time.perf_counter() - t, time.process_time() - c]
peak_convert, peak[0] = peak[0], (0.0, 0.0)
try:
    from seisview.io.store_time_major import build_time_major
    build_time_major({out!r})
except ImportError:  # a checkout whose conversion writes the copy itself
    pass
stop.set()
print(json.dumps([*usable, time.perf_counter() - t, time.process_time() - c, *before, *peak_convert, *peak[0]]))
"""


def run_convert_vs(shape, work: Path, n: int, against: str) -> None:
    """``seisview convert`` of this checkout against another one (e.g. /work/main before the
    change), each conversion in a fresh child process (the time inside build_cache only)."""
    import json
    import subprocess

    sgy = write_segy(work / "survey.sgy", survey_cube(shape))
    here = str(Path(__file__).resolve().parents[1])
    got: dict[str, list[list[float]]] = {"this": [], "other": []}

    def child(root: str, side: str):
        def call():
            code = _CONVERT_CHILD.format(root=root, sgy=str(sgy), out=str(work / f"{side}.zarr"))
            env = {**os.environ, "PYTHONPATH": root}
            run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                 check=True)
            got[side].append(json.loads(run.stdout.strip().splitlines()[-1]))
            return got[side][-1][0]
        return call

    print(f"== conversion, this checkout / {against}, {shape}, {loadavg()}")
    c = compare(child(against, "other"), child(here, "this"), n=n, warmup=0, returns_value=True)
    print(c.line("convert this / other (wall in build_cache: until the store is usable)",
                 names=("this", "other")))
    med = {side: np.median(np.array(v), axis=0) for side, v in got.items()}
    walls = np.array(got["this"])[:, 2] / np.array(got["other"])[:, 2]
    print(f"      CPU s median until usable: this {med['this'][1]:.2f}, other {med['other'][1]:.2f} "
          f"({med['this'][1] / med['other'][1]:.2f}x)")
    print(f"      with the time-major copy: wall this {med['this'][2]:.2f} s, other {med['other'][2]:.2f} s "
          f"(pairs' ratios {' '.join(f'{r:.2f}' for r in walls)}), CPU this {med['this'][3]:.2f} s, "
          f"other {med['other'][3]:.2f} s")
    for side in ("this", "other"):
        m = med[side]
        print(f"      {side}: resident MiB (sampled every 10 ms, median of the runs; anonymous in brackets, "
              f"the rest mapped file pages) after the scan {m[4]:.0f} ({m[5]:.0f}), peak in build_cache "
              f"{m[6]:.0f} ({m[7]:.0f}), peak in the copy's build {m[8]:.0f} ({m[9]:.0f})")
    for side in ("this", "other"):
        nbytes, nfiles = disk_usage(work / f"{side}.zarr")
        print(f"  {side}: {nbytes / 1e6:.0f} MB in {nfiles} files")


def run_actions(shape, work: Path, n: int) -> None:
    """Per-section actions on the store against the same on the in-memory volume."""
    from seisview.core.section import SectionSpec
    from seisview.core.session import Session
    from seisview.io.cache import build_cache, open_cache
    from seisview.io.segy import load, scan
    from seisview.qt.map_view import window_attribute

    sgy = write_segy(work / "survey.sgy", survey_cube(shape))
    out = build_cache(scan(sgy), work / "survey.zarr")
    mem, vol = load(sgy, use_cache=False), open_cache(out)
    _ = mem.time_major  # the in-memory side as the GUI has it after opening
    sessions = []
    for v in (mem, vol):
        s = Session()
        s.open_volume(v)
        sessions.append(s)
    n_il, n_xl, ns = shape
    i, k = n_il // 2, ns // 2
    print(f"== per-section actions, store / in memory (time ratio), {shape}, {loadavg()}")
    for s in sessions:
        s.volume.inline(i), s.volume.time_slice(k)  # what the views show
    pts = [(i, jj, kk) for jj in range(0, n_xl, 7) for kk in range(0, ns, 11)]
    c = compare(lambda: [sessions[0].set_cursor(*p) for p in pts[:200]],
                lambda: [sessions[1].set_cursor(*p) for p in pts[:200]], n=n, min_time=0.02)
    print(c.line("cursor read-out over the shown inline (200 moves)", names=("store", "memory")))
    raw = vol.data.array
    c = compare(lambda: [sessions[1].set_cursor(*p) for p in pts[:50]],
                lambda: [float(raw[p]) for p in pts[:50]], n=n, min_time=0.02)
    print(c.line("cursor read-out, a zarr read per move / from decoded rows (50 moves)",
                 names=("zarr", "decoded rows")))
    for s in sessions:
        s.set_display(agc_ms=250)
    spec = SectionSpec("time", k)
    c = compare(lambda: sessions[0].display_section(spec), lambda: sessions[1].display_section(spec),
                n=n)
    print(c.line("AGC 250 ms time slice", names=("store", "memory")))
    c = compare(lambda: window_attribute(mem, k, 5, "RMS amplitude"),
                lambda: window_attribute(vol, k, 5, "RMS amplitude"), n=n)
    print(c.line("map RMS over +-5 samples", names=("store", "memory")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("layouts", "convert", "convert-vs", "actions"))
    ap.add_argument("--size", choices=tuple(SIZES), default="f3")
    ap.add_argument("-n", type=int, default=4, help="pairs per run (three runs)")
    ap.add_argument("--dir", help="work folder (default: a temporary one, removed after)")
    ap.add_argument("--against", default="/work/main", help="convert-vs: the other checkout")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.dir) as d:
        if a.what == "convert-vs":
            run_convert_vs(SIZES[a.size], Path(d), a.n, a.against)
            return
        run = {"layouts": run_layouts, "convert": run_convert, "actions": run_actions}[a.what]
        run(SIZES[a.size], Path(d), a.n)


if __name__ == "__main__":
    main()
