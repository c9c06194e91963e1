"""Screenshots of the viewer for docs/guide, made as a user sees the window.

    python scripts/screenshots.py                    # both sizes into docs/guide/img/
    python scripts/screenshots.py --sizes 1366x768 --out /tmp/shots

For each screen size the script runs itself under ``xvfb-run`` with a screen of
that size and a fresh settings folder (the demo survey's cache is shared, so it
is built once), opens the window filling the screen and writes:

* ``main-WxH.png``: the demo survey in the Interpret workspace (the README's picture);
* ``labels-WxH.png``: the demo survey with a project and painted strokes (Train workspace);
* ``train-WxH.png``: a model trained on those strokes for a few snapshots: prediction overlay
  and class legend;
* ``real-volve-WxH.png``: a real depth survey from tests/data (Volve, velocity);
* ``firstbreaks-WxH.png``: the real refrapy shot gathers with their picks (First breaks);
* ``firstbreaks-zeroshot-WxH.png``: the same shots picked by the shipped picker before any
  hand pick (First-break picker dock, Predict all gathers, Zoom to first breaks);
* ``inspect-WxH.png``: the Inspect workspace with that model's activations and statistics;
* ``pretrain-WxH.png``: the Pretraining dock after an autoencoder run on the demo survey
  (reconstructions, loss); ``dreams-WxH.png``: its latent walk between two sections;
* ``export-inline.png`` (first size only): File → Export view of the demo inline.

PNGs are reduced to 256 colours (Pillow) to stay a few hundred kB. Needs
xvfb-run; run it again whenever the GUI changes and look at the pictures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SIZES = ("1366x768", "1920x1080")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "guide" / "img")
    ap.add_argument("--sizes", default=",".join(SIZES), help="comma-separated WxH screen sizes")
    ap.add_argument("--only", default="", help="comma-separated shot names (e.g. pretrain,dreams): "
                    "make those and the steps they need, skip the rest")
    ap.add_argument("--child", help=argparse.SUPPRESS)  # WxH: run inside the X server
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "seisview-screenshots-cache")
    args = ap.parse_args(argv)
    if args.child:
        return shoot(args.child, args.out, first=os.environ.get("SHOTS_FIRST") == "1",
                     only=set(filter(None, args.only.split(","))))
    if shutil.which("xvfb-run") is None:
        print("screenshots need xvfb-run (apt install xvfb)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for i, size in enumerate(s.strip() for s in args.sizes.split(",")):
        home = Path(tempfile.mkdtemp(prefix="seisview-shots-"))
        args.cache.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "SEISVIEW_HOME": str(home), "SEISVIEW_CACHE": str(args.cache),  # demo built once
               "PYTHONPATH": str(REPO), "SHOTS_FIRST": str(int(i == 0))}
        env.pop("QT_QPA_PLATFORM", None)
        cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {size}x24", sys.executable, __file__,
               "--child", size, "--out", str(args.out), "--only", args.only]
        print(f"{size}: {' '.join(cmd[4:])}", flush=True)
        rc = subprocess.call(cmd, env=env)
        shutil.rmtree(home, ignore_errors=True)
        if rc:
            return rc
    return 0


# -- inside the X server ------------------------------------------------------------------------
def shoot(size: str, out: Path, first: bool, only: set[str] = frozenset()) -> int:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from seisview.qt.app import make_app
    from seisview.qt.main_window import MainWindow

    app = make_app()
    w = MainWindow()
    w.setGeometry(app.primaryScreen().availableGeometry())  # as a maximised window
    w.show()
    shots = Shots(app, w, out, size, only)
    wanted = shots.wanted

    w.files.open_demo()
    shots.wait_loaded()
    shots.settle(1.5)  # the 8-bit display cube, the map
    shots.hover("inline", 0.45, 0.55)
    shots.save("main")
    if first and wanted("export-inline"):
        from seisview.qt.export_view import export_plot

        export_plot(w.section_views["inline"], out / "export-inline.png", width=1400)
        _reduce(out / "export-inline.png")
        print(f"  wrote {out / 'export-inline.png'}", flush=True)
    shots.demo_labels()
    shots.save("labels")
    # a real model from those strokes: overlays, legend, activations
    if (wanted("train") or wanted("inspect")) and shots.train():
        shots.save("train")
        w.workspaces.switch("Inspect")
        shots.wait_for(lambda: w.panels["activations"].widget().current is not None, 120)
        shots.wait_for(lambda: bool(w.panels["crossplot"].widget().rows), 120)
        shots.save("inspect")
        training = w.panels["training"].widget()
        training.cancel()
        shots.wait_for(lambda: not training.training, 60)  # the run recorded as cancelled
        shots.settle(0.5)

    # the Pretraining dock after an autoencoder run, then a latent walk
    if (wanted("pretrain") or wanted("dreams")) and shots.pretrain():
        shots.save("pretrain")
        if shots.dream():
            shots.save("dreams")

    if only and not only & {"real-volve", "firstbreaks", "firstbreaks-zeroshot"}:
        project = w.session.project
        w.close()
        if project is not None:
            project.close()
        return 0
    w.workspaces.switch("Interpret")
    w.files.open_path(DATA / "segy" / "volve" / "volve10-migvel-depth-sub3d.sgy")
    shots.wait_loaded()
    shots.settle(1.0)
    shots.hover("crossline", 0.5, 0.5)
    shots.save("real-volve")

    w.files.open_path(DATA / "firstbreaks" / "refrapy-02" / "field_example_02_shots_with_fb.sgy")
    shots.wait_loaded()
    w.workspaces.switch("First breaks")
    shots.settle(1.0)
    shots.save("firstbreaks")
    if shots.wanted("firstbreaks-zeroshot"):  # the shipped picker, before any hand pick
        panel = w.panels["first-breaks"].widget()
        w.panels["first-breaks"].raise_()
        w.session.set_gather(6)
        panel.start_prediction(None)
        shots.wait_for(lambda: panel.worker is None and bool(panel.predictions), 300)
        panel.zoom_to_picks()
        shots.settle(1.0)
        shots.save("firstbreaks-zeroshot")
    project = w.session.project
    w.close()
    if project is not None:
        project.close()
    return 0


class Shots:
    def __init__(self, app, window, out: Path, size: str, only=frozenset()):
        self.app, self.w, self.out, self.size, self.only = app, window, out, size, only

    def wanted(self, name: str) -> bool:
        return not self.only or name in self.only

    def settle(self, seconds: float) -> None:
        import time

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)

    def wait_loaded(self, timeout: float = 300.0) -> None:
        self._wait_loaded(timeout)
        self.dismiss_questions()

    def _wait_loaded(self, timeout: float) -> None:
        import time

        end = time.monotonic() + timeout
        files = self.w.files
        while time.monotonic() < end:
            self.app.processEvents()
            if files.worker is not None and not files.worker.running and files.progress is None:
                self.settle(0.3)
                return
            time.sleep(0.02)
        raise TimeoutError("the survey did not open in time")

    def hover(self, kind: str, fx: float, fy: float) -> None:
        """The mouse over a view: the status bar read-out and the linked crosshair, as a user sees them."""
        from PyQt6.QtCore import QPoint
        from PyQt6.QtTest import QTest

        view = self.w.section_views[kind]
        vp = view.plot_widget.viewport()
        rect = view.viewbox.sceneBoundingRect()
        at = view.plot_widget.mapFromScene(rect.left() + fx * rect.width(), rect.top() + fy * rect.height())
        QTest.mouseMove(vp, QPoint(at.x(), at.y()))
        self.settle(0.4)

    def dismiss_questions(self) -> None:
        """Answer "not now" to a question the window asks on opening a file (e.g. importing picks)."""
        from PyQt6.QtWidgets import QApplication, QMessageBox

        self.settle(0.5)
        for box in QApplication.topLevelWidgets():
            if isinstance(box, QMessageBox) and box.isVisible():
                box.reject()
        self.settle(0.2)

    def demo_labels(self) -> None:
        """A project on the demo survey and strokes of three classes where the true facies are."""
        import numpy as np

        from seisview.io.demo import demo_truth
        from seisview.qt import project_actions

        s = self.w.session
        path = Path(os.environ["SEISVIEW_HOME"]) / "demo.seisview"
        project = project_actions.new_project(self.w, path)
        truth = demo_truth()
        spec = s.spec("inline")
        sec = truth[spec.index].T  # (sample, xl)
        for class_id in np.unique(sec)[:4]:
            rows, cols = np.nonzero(sec == class_id)
            mid = np.median(rows)
            # a horizontal stroke through the middle of the class's body on this inline
            at = cols[np.abs(rows - mid) < 1]
            if at.size < 10:
                continue
            lo, hi = np.percentile(at, [20, 80])
            pts = [(int(mid), int(c)) for c in np.linspace(lo, hi, 12)]
            project.labels.paint(spec, pts, int(class_id), radius=4)
        self.w.workspaces.switch("Train")
        self.settle(1.0)
        self.hover("inline", 0.3, 0.6)

    def wait_for(self, condition, timeout: float) -> bool:
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.app.processEvents()
            if condition():
                return True
            time.sleep(0.05)
        print(f"  (gave up waiting after {timeout:g} s)", flush=True)
        return False

    def train(self) -> bool:
        """Press Train in the Training dock and wait for a few snapshots' predictions."""
        s = self.w.session
        panel = self.w.panels["training"].widget()
        if not panel.start():
            print("  training did not start: " + panel.status.text(), flush=True)
            return False
        ok = self.wait_for(lambda: s.predictions.version >= 3 and s.spec("inline") in s.predictions.sections, 240)
        self.settle(1.0)
        self.hover("inline", 0.6, 0.75)
        return ok

    def pretrain(self) -> bool:
        """Pretraining workspace: an autoencoder learning on the demo survey, its
        reconstructions redrawn at each snapshot; waits for the run to end."""
        self.w.workspaces.switch("Pretrain")
        panel = self.w.panels["pretraining"].widget()
        panel.steps.setValue(int(os.environ.get("SHOTS_PRETRAIN_STEPS", "300")))
        panel.minutes.setValue(3.0)
        if not panel.start():
            print("  pretraining did not start: " + panel.status.text(), flush=True)
            return False
        ok = self.wait_for(lambda: not panel.training, 400)
        self.settle(1.5)  # the last preview
        return ok

    def dream(self) -> bool:
        """The Seismic dreams tab: a walk between the current inline and crossline."""
        panel = self.w.panels["pretraining"].widget()
        panel.tabs.setCurrentIndex(1)
        view = panel.walk
        view.frames.setValue(12)
        if not view.start_walk():
            print("  walk did not start: " + view.info.text(), flush=True)
            return False
        ok = self.wait_for(lambda: view.walk is not None, 120)
        view.show_frame(5)
        self.settle(0.5)
        return ok

    def save(self, name: str) -> Path | None:
        if not self.wanted(name):
            return None
        self.settle(0.3)
        path = self.out / f"{name}-{self.size}.png"
        self.app.primaryScreen().grabWindow(0).save(str(path))
        _reduce(path)
        print(f"  wrote {path} ({path.stat().st_size // 1024} kB)", flush=True)
        return path


def _reduce(path: Path) -> None:
    """256 colours, optimised: a few hundred kB instead of a megabyte or two."""
    from PIL import Image

    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
