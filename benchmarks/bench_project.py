"""Project journal costs on the full F3 geometry (651 x 951 x 463), side by side in one process.

    python benchmarks/bench_project.py [--strokes 1000]

* commit: one brush drag (radius 6, ~10 stamps) painted and committed with
  ``synchronous=FULL``, the time from ``end()`` to its return (the pause the user
  could notice between strokes), beside the painting itself;
* fill: a flood fill of a whole F3 inline (440,000 pixels) committed;
* open: ``Project.open`` replaying the whole journal into masks;
* the file size per stroke.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--strokes", type=int, default=1000)
    args = ap.parse_args(argv)
    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.core.section import SectionSpec
    from seisview.io.project import Project

    f3 = SurveyGeometry(LineAxis(100, 1, 651), LineAxis(300, 1, 951), 463, 4.0, 0.0, name="F3")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.seisview"
        pr = Project.create(path, geometry=f3)
        specs = [SectionSpec("inline", i) for i in range(200, 240, 4)] + [
            SectionSpec("crossline", j) for j in range(300, 340, 4)]
        paint, commit = [], []
        for _ in range(args.strokes):
            spec = specs[rng.integers(len(specs))]
            h, w = pr.labels.shape(spec)
            start = rng.uniform(0, [h, w])
            pts = start + np.cumsum(rng.normal(0, 6, (10, 2)), axis=0)
            t0 = time.perf_counter()
            pr.labels.begin(spec, int(rng.integers(1, 10)), radius=6)
            for p in pts:
                pr.labels.drag_to(*p)
            t1 = time.perf_counter()
            pr.labels.end()
            t2 = time.perf_counter()
            paint.append(t1 - t0)
            commit.append(t2 - t1)
        t0 = time.perf_counter()
        pr.labels.fill(SectionSpec("inline", 100), 0, 0, 1)
        fill_s = time.perf_counter() - t0
        pr.close()
        size = path.stat().st_size
        t0 = time.perf_counter()
        with Project.open(path) as pr2:
            open_s = time.perf_counter() - t0
            n = pr2.journal_counts()["strokes"]
    out = {"strokes": n, "paint_median_ms": 1e3 * float(np.median(paint)),
           "commit_median_ms": 1e3 * float(np.median(commit)),
           "commit_p95_ms": 1e3 * float(np.percentile(commit, 95)),
           "fill_inline_commit_ms": 1e3 * fill_s, "open_replay_s": open_s,
           "file_bytes_per_stroke": size / n}
    print(f"{n} strokes: paint {out['paint_median_ms']:.2f} ms, commit median "
          f"{out['commit_median_ms']:.2f} ms / p95 {out['commit_p95_ms']:.2f} ms; whole-inline fill "
          f"{out['fill_inline_commit_ms']:.0f} ms; open (replay) {open_s:.2f} s; "
          f"{out['file_bytes_per_stroke']:.0f} bytes per stroke")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
