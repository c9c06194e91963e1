"""Cost of the project's survey checksum: version 2 (sampled) against version 3 (every byte).

    python benchmarks/bench_survey_checksum.py [--gb 1.0] [--pairs 7]

Files: the largest survey in tests/data and a synthetic file of ``--gb`` GB (random bytes,
page-cached after the warm-up, so this is the CPU cost; a cold read adds the disk's time).
Baseline (v2) and subject (v3) run in interleaved pairs in one process (benchmarks/_timing.compare:
the order flips every pair, warm-up excluded, three runs; median and p95 of the ratio, the
runs' spread, both sides' times, CPU ratio beside, load average). Also: an open of a project whose survey is unchanged (its stat is remembered, so
no byte is read) against one whose survey was touched (read in full).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _report(name: str, fn_a, fn_b, n: int, names=("v3 every byte", "v2 sampled")) -> None:
    """Interleaved pairs (baseline ``fn_a``, subject ``fn_b``), three runs (benchmarks/_timing.py)."""
    print(compare(fn_a, fn_b, n=n).line(f"{name}: {names[0]} / {names[1]}", names=names))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--pairs", type=int, default=7)
    args = ap.parse_args(argv)
    from seisview.io.project import Project
    from seisview.io.project_schema import file_checksum

    largest = max((REPO / "tests" / "data").rglob("*.sgy"), key=lambda p: p.stat().st_size)
    mb = largest.stat().st_size / 1e6
    _report(f"{largest.name} ({mb:.1f} MB)", lambda: file_checksum(largest, 2),
            lambda: file_checksum(largest, 3), args.pairs)
    with tempfile.TemporaryDirectory() as d:
        big = Path(d) / "big.bin"
        rng = np.random.default_rng(0)
        with open(big, "wb") as f:
            for _ in range(int(args.gb * 1024)):
                f.write(rng.integers(0, 255, 1 << 20, dtype=np.uint8).tobytes())
        _report(f"synthetic {args.gb:g} GB", lambda: file_checksum(big, 2),
                lambda: file_checksum(big, 3), max(3, args.pairs // 2))
        proj, survey = Path(d) / "p.seisview", Path(d) / largest.name
        shutil.copy(largest, survey)
        Project.create(proj, survey).close()

        def touched_open():
            os.utime(survey)
            Project.open(proj).close()

        _report(f"Project.open on {largest.name}", lambda: Project.open(proj).close(), touched_open,
                args.pairs, names=("survey touched (read in full)", "unchanged (stat only)"))


if __name__ == "__main__":
    main()
