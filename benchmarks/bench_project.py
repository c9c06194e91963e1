"""Project journal costs on the full F3 geometry (651 x 951 x 463), interleaved pairs in one process.

    python benchmarks/bench_project.py [--pairs 30]

Every figure is a wall-clock ratio of interleaved baseline/subject pairs
(benchmarks/_timing.compare: the order flips every pair, warm-up dropped on both
sides, three runs; median and p95 of the ratio, the runs' spread, both sides' times,
CPU ratio beside, load average). The baselines are the least a durable journal must do:

* commit: ``end()`` of one brush drag (radius 6, ~10 stamps, painted untimed before
  it) with ``synchronous=FULL`` -- the pause the user could notice between strokes --
  against appending the same number of bytes to a plain file and fsyncing it;
* fill: a flood fill of a whole F3 inline (440,000 pixels) committed, against the same
  durable append of one packed inline mask (its bytes);
* open: ``Project.open`` replaying the whole journal into masks (after 1,000 strokes),
  against reading the project file into a pre-faulted buffer;
* the file size per stroke.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare, prefaulted  # noqa: E402


def durable_append(path: Path, nbytes: int):
    """Append ``nbytes`` to ``path`` and fsync: the floor of any durable commit."""
    payload = os.urandom(max(1, nbytes))

    def append():
        with open(path, "ab", buffering=0) as f:
            f.write(payload)
            os.fsync(f.fileno())
    return append


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=30, help="pairs per run (commit)")
    ap.add_argument("--strokes", type=int, default=1000, help="strokes in the journal before the open")
    args = ap.parse_args(argv)
    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.core.section import SectionSpec
    from seisview.io.project import Project

    f3 = SurveyGeometry(LineAxis(100, 1, 651), LineAxis(300, 1, 951), 463, 4.0, 0.0, name="F3")
    rng = np.random.default_rng(0)
    out: dict = {}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.seisview"
        pr = Project.create(path, geometry=f3)
        specs = [SectionSpec("inline", i) for i in range(200, 240, 4)] + [
            SectionSpec("crossline", j) for j in range(300, 340, 4)]

        def paint():  # one drag, left open for end() to commit
            spec = specs[rng.integers(len(specs))]
            h, w = pr.labels.shape(spec)
            pts = rng.uniform(0, [h, w]) + np.cumsum(rng.normal(0, 6, (10, 2)), axis=0)
            pr.labels.begin(spec, int(rng.integers(1, 10)), radius=6)
            for p in pts:
                pr.labels.drag_to(*p)

        paint()
        pr.labels.end()
        size0 = path.stat().st_size
        for _ in range(50):  # a journal with some strokes in it, and the bytes a stroke takes
            paint()
            pr.labels.end()
        per_stroke = max(1.0, (path.stat().st_size - size0) / 50)
        plain = Path(d) / "plain.bin"
        def commit():  # the stroke was painted by ``setup`` (untimed); warm-up calls paint here
            if pr.labels._active is None:
                paint()
            pr.labels.end()

        cmp = compare(durable_append(plain, int(per_stroke)), commit, n=args.pairs,
                      setup=lambda side: side == "subject" and paint())
        print(cmp.line(f"stroke commit / durable append of {per_stroke:.0f} bytes (write + fsync)",
                       names=("commit", "append")))
        out["commit"] = cmp.as_dict()
        inline = SectionSpec("inline", 100)
        mask_bytes = int(np.prod(pr.labels.shape(inline))) // 8
        fill_cls = iter(range(10**9))
        cmp = compare(durable_append(plain, mask_bytes),
                      lambda: pr.labels.fill(inline, 0, 0, 1 + next(fill_cls) % 9),
                      n=max(3, args.pairs // 6))
        print(cmp.line(f"whole-inline fill committed / durable append of {mask_bytes} bytes",
                       names=("fill", "append")))
        out["fill"] = cmp.as_dict()
        while pr.journal_counts()["strokes"] < args.strokes:
            paint()
            pr.labels.end()
        n = pr.journal_counts()["strokes"]
        pr.close()
        size = path.stat().st_size
        buf = prefaulted(size)

        def raw_read():
            with open(path, "rb", buffering=0) as f:
                f.readinto(buf)

        cmp = compare(raw_read, lambda: Project.open(path).close(), n=5)
        print(cmp.line(f"open (journal replay of {n} strokes) / pre-faulted raw read of the "
                       f"{size / 1e6:.1f} MB file", names=("open", "read")))
        out["open"] = cmp.as_dict()
    out["file_bytes_per_stroke"] = size / n
    print(f"  {size / n:.0f} bytes per stroke")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
