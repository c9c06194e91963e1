"""Screenshots of Predict volume filling in the time slice (docs/guide/training.md).

    python scripts/shot_predict_volume.py [--sizes 1366x768,1920x1080] [--out docs/guide/img]

Runs under xvfb-run like scripts/screenshots.py: the demo survey, strokes on one inline, a few
snapshots of training, then Predict volume; one picture while the chunks come in
(``predict-volume-filling-WxH.png``) and one when the store is complete (``predict-volume-WxH.png``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import REPO, SIZES, Shots  # noqa: E402


def shoot(size: str, out: Path) -> int:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from seisview.core.section import SectionSpec
    from seisview.io.job_store import job_progress
    from seisview.qt.app import make_app
    from seisview.qt.main_window import MainWindow

    app = make_app()
    w = MainWindow()
    w.setGeometry(app.primaryScreen().availableGeometry())
    w.show()
    shots = Shots(app, w, out, size)
    w.files.open_demo()
    shots.wait_loaded()
    shots.demo_labels()
    s = w.session
    panel = w.panels["training"].widget()
    panel.start()
    shots.wait_for(lambda: s.models.get("facies") is not None and s.predictions.version >= 2, 300)
    panel.cancel()
    shots.wait_for(lambda: not panel.training, 60)
    s.set_position("time", 150)
    panel.predict_volume()

    def filled() -> float:
        store = panel.volume_store
        if store is None:
            return 0.0
        jobs = job_progress(store)
        return max((j["done"] / max(j["total"], 1) for j in jobs.values()), default=0.0)

    def shown() -> str:  # the slice as the views draw it now (read from the store in a worker)
        tslice = panel.layers._classes(SectionSpec("time", 150))
        return "not read yet" if tslice is None else f"{float((tslice > 0).mean()):.2f}"

    shots.wait_for(lambda: filled() >= 0.4, 600)
    shots.settle(1.0)
    shots.save("predict-volume-filling")
    print(f"  time slice filled {shown()} at the first picture (chunks done {filled():.2f})", flush=True)
    shots.wait_for(lambda: panel.volume_worker is not None and not panel.volume_worker.running, 900)
    shots.wait_for(lambda: not panel.layers.slices.busy, 60)
    shots.settle(1.5)
    shots.save("predict-volume")
    print(f"  time slice filled {shown()} at the end; {panel.status.text()}", flush=True)
    project = s.project
    w.close()
    if project is not None:
        project.close()
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "guide" / "img")
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return shoot(args.child, args.out)
    if shutil.which("xvfb-run") is None:
        print("screenshots need xvfb-run (apt install xvfb)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    cache = Path(tempfile.gettempdir()) / "seisview-screenshots-cache"
    cache.mkdir(exist_ok=True)
    for size in (s.strip() for s in args.sizes.split(",")):
        env = {**os.environ, "SEISVIEW_HOME": tempfile.mkdtemp(prefix="seisview-shots-"),
               "SEISVIEW_CACHE": str(cache), "PYTHONPATH": str(REPO)}
        env.pop("QT_QPA_PLATFORM", None)
        rc = subprocess.call(["xvfb-run", "-a", "-s", f"-screen 0 {size}x24", sys.executable, __file__,
                              "--child", size, "--out", str(args.out)], env=env)
        if rc:
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
