"""Issue 17's "done when", played in a real window: a survey several times the RAM budget is
opened, painted, trained on, predicted into a store while its time slice fills in, and exported.

    xvfb-run -a -s "-screen 0 1920x1080x24" python scripts/big_survey_walkthrough.py \
        [--inlines 64] [--budget-gb 0.025] [--out DIR]

The survey is generated (the demo's amplitudes tiled to F3's 951 crosslines x 462 samples);
screenshots go to DIR (default: a temporary folder) and the peak resident memory of this process
is printed against the budget + 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB."""
    d = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                k, v = line.split(":")
                d[k] = int(v.split()[0]) / 1024
    return d.get("VmRSS", 0.0), d.get("VmHWM", 0.0)


def say(what: str) -> None:
    now, peak = rss_mib()
    print(f"{what} [RSS {now:.0f} MiB, peak {peak:.0f} MiB]", flush=True)


def make_survey(work: str, n_il: int) -> None:
    """The SEG-Y and a project with thin strokes on the middle inline (run in a child process,
    so that generating the survey does not count in the window's memory)."""
    from bench_volume_jobs import N_S, N_XL, f3_like

    from seisview.core.geometry import SurveyGeometry
    from seisview.core.section import SectionSpec
    from seisview.io.project import Project
    from seisview.io.segy import write_volume_segy
    from seisview.ml.evaluation import thin_strokes

    work = Path(work)
    seis, truth = f3_like(n_il)
    sgy = write_volume_segy(work / "big.sgy", seis, SurveyGeometry.regular(n_il, N_XL, N_S))
    with Project.create(work / "big.seisview", sgy) as p:
        strokes = thin_strokes(truth[n_il // 2].T, fraction=0.02)
        idx = np.flatnonzero(strokes)
        p.labels.apply({SectionSpec("inline", n_il // 2): (idx, strokes.ravel()[idx])})


def check_export(target: str, n_il: int) -> None:
    """Shape, classes and agreement with the generator's facies of the exported cube (child)."""
    import segyio
    from bench_volume_jobs import f3_like

    with segyio.open(target) as f:
        cube = segyio.tools.cube(f)
    truth = f3_like(n_il)[1]
    print(f"exported cube {cube.shape}, classes {np.unique(cube).astype(int).tolist()}, "
          f"agreement with the generator's facies {float((cube.astype(np.uint8) == truth).mean()):.3f}",
          flush=True)


def child(*call: str) -> None:
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'scripts')!r}]; "
            f"import big_survey_walkthrough as b; b.{call[0]}(*{call[1:]!r})")
    subprocess.run([sys.executable, "-c", code], check=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inlines", type=int, default=64)
    ap.add_argument("--budget-gb", type=float, default=0.025)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--size", default="1366x768")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="big_survey_"))
    out = args.out or work
    out.mkdir(parents=True, exist_ok=True)
    os.environ["SEISVIEW_HOME"] = str(work / "home")
    os.environ["SEISVIEW_RAM_BUDGET_GB"] = str(args.budget_gb)
    from bench_volume_jobs import N_S, N_XL

    n_il, train_il = args.inlines, args.inlines // 2
    child("make_survey", str(work), n_il)
    size = n_il * N_XL * N_S * 4
    say(f"survey {n_il} x {N_XL} x {N_S}: {size / 2**20:.0f} MiB, "
        f"{size / (args.budget_gb * 2**30):.1f}x the RAM budget")
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshots import Shots

    from seisview.qt import project_actions
    from seisview.qt.app import make_app
    from seisview.qt.main_window import MainWindow

    app = make_app()
    w = MainWindow()
    w.setGeometry(app.primaryScreen().availableGeometry())
    w.show()
    shots = Shots(app, w, out, args.size)
    shots.settle(1.0)
    say("window up, no survey")
    t0 = time.monotonic()
    project_actions.open_project(w, work / "big.seisview")
    shots.wait_loaded(600)
    vol = w.session.volume
    say(f"opened in {time.monotonic() - t0:.1f} s; amplitudes held as {type(vol.data).__name__}")
    w.session.set_position("inline", train_il)
    w.workspaces.switch("Train")
    panel = w.panels["training"].widget()
    panel.epochs.setValue(2)
    t0 = time.monotonic()
    if not panel.start():
        print("training did not start: " + panel.status.text())
        return 1
    ok = shots.wait_for(lambda: not panel.training, 900)
    say(f"trained ({'ended' if ok else 'still running'}) in {time.monotonic() - t0:.0f} s: "
        f"{panel.status.text()}")
    shots.save("big-trained")
    w.session.set_position("time", N_S // 2)
    t0 = time.monotonic()
    panel.predict_volume()
    half = False
    while panel.volume_worker.running and time.monotonic() - t0 < 1800:
        shots.settle(0.5)
        if not half and panel.bar.value() >= 450:
            shots.save("big-filling")
            half = True
    say(f"predicted the volume in {time.monotonic() - t0:.0f} s into {panel.volume_store}: "
        f"{panel.status.text()}")
    shots.settle(1.0)
    shots.save("big-predicted")
    target = work / "classes.sgy"
    t0 = time.monotonic()
    worker = panel.export_cube(target)
    shots.wait_for(lambda: worker is not None and not worker.running and panel.export_worker is None, 900)
    say(f"exported in {time.monotonic() - t0:.0f} s: {panel.status.text()}")
    child("check_export", str(target), n_il)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    limit = args.budget_gb * 1024 + 1024
    print(f"peak RSS of the GUI process {peak:.0f} MiB; budget + 1 GiB = {limit:.0f} MiB: "
          f"{'within' if peak <= limit else 'OVER'}", flush=True)
    project = w.session.project
    w.close()
    if project is not None:
        project.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
