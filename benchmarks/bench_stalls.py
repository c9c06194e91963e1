"""Event-loop stalls of the main window in each state an interpreter waits in.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_stalls.py            # offscreen
    xvfb-run -a -s "-screen 0 1920x1080x24" python benchmarks/bench_stalls.py   # real window
    ... --seconds 6 --states idle,scrub,train --stacks    # shorter; where the stalls are

The demo survey and a project with thin strokes on one inline are open in the
main window, the Training and Activations docks both on screen. A 10 ms QTimer
probes the real event loop (``QEventLoop.exec``); an interval is the time between
two of its ticks, so a stall is an interval well over 10 ms. ``cpu`` / ``wait``: the GUI
thread's CPU seconds and seconds waiting for a core (run queue) per second; the intervals
over 30 ms are split the same way (per tick, from /proc/self/task/TID/schedstat), which
tells a stall of our making (running, or the interpreter lock) from the scheduler's;
``own``: the longest interval less its wait for a core, ``>50`` how many of those are over 50 ms;
``run``: the most CPU the GUI thread used within one interval (the work of ours a tick waited
for, whatever the load: an interval is at least this long on an idle machine).
States, in order:

* idle        : nothing happens.
* scrub       : the inline slider held down and moved one line every 10 ms.
* train       : Train pressed (the panel's defaults: its thread count, niceness).
* paused      : training paused after its first snapshot; the inline moves one line every
                100 ms, so the class overlays re-predict and the activations re-capture.
* predict     : training cancelled; Predict volume runs (until done or the state's time).
* activations : the inline moves one line every 100 ms with the Activations dock capturing
                the last model's layer and the overlays predicting (no training).

Goals (issue 16): no interval over 50 ms in any state; p99 while training at most
1.5x idle. ``--stacks``: when the GUI thread has not ticked for 40 ms, faulthandler
dumps every thread's stack (from C, without the interpreter lock) every 40 ms until
it ticks again; the GUI thread's innermost seisview/pyqtgraph frames are counted per
state, which is how the stalls were found (faulthandler reads the other threads' frames without
the interpreter lock: about one run in seven crashed with a segmentation fault in its watchdog
thread at load 6-17; measure without ``--stacks``). The load average is printed with each
state: at load 8-20 on 2 cores a stall can be the scheduler alone (see the idle row).
"""

from __future__ import annotations

import argparse
import collections
import faulthandler
import json
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import loadavg  # noqa: E402

STATES = ("idle", "scrub", "train", "paused", "predict", "activations")
TRAIN_IL = 100


class StackDumps:
    """faulthandler dumps of all threads while the GUI thread is late; GUI frames counted."""

    def __init__(self, path: Path, late_s: float = 0.04):
        self.path, self.late_s = path, late_s
        self.file = open(path, "w+")  # noqa: SIM115 (faulthandler writes to its descriptor)
        self.gui = threading.get_ident()

    def arm(self) -> None:  # every probe tick: the clock restarts
        faulthandler.dump_traceback_later(self.late_s, repeat=True, file=self.file)

    def disarm(self) -> None:
        faulthandler.cancel_dump_traceback_later()

    def take(self, top: int = 6) -> tuple[collections.Counter, collections.Counter]:
        """Counters of the GUI thread's innermost project frames per dump, and of the other
        threads' innermost frames (who ran, or held the interpreter lock, meanwhile)."""
        self.file.flush()
        self.file.seek(0)
        text = self.file.read()
        self.file.seek(0)
        self.file.truncate()
        gui: collections.Counter = collections.Counter()
        others: collections.Counter = collections.Counter()
        want = f"0x{self.gui:016x}"
        for block in re.split(r"\n(?=(?:Current thread|Thread) 0x)", text):
            frames = re.findall(r'File "([^"]+)", line (\d+) in (\S+)', block)
            names = [f"{Path(f).parent.name}/{Path(f).name}:{ln} {fn}" for f, ln, fn in frames]
            if want not in block.split("\n", 1)[0]:
                if names and "threading.py" not in names[0]:
                    others[names[0]] += 1
                continue
            mine = [n for n, (f, _, _) in zip(names, frames, strict=True)
                    if "seisview" in f or "pyqtgraph" in f]
            gui[" < ".join(mine[:top]) or "(in Qt: " + " < ".join(names[:2]) + ")"] += 1
        return gui, others


def gui_schedstat() -> np.ndarray:
    """The calling thread's (CPU s, run-queue wait s) from /proc (Linux; zeros elsewhere)."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as f:
            run_ns, wait_ns, _ = (int(v) for v in f.read().split())
        return np.array([run_ns, wait_ns]) / 1e9
    except OSError:
        return np.zeros(2)


def build_window():
    """Main window 1400 x 900 with the demo survey, a project with strokes, both ML docks shown."""
    from PyQt6.QtCore import Qt

    from seisview.core.palette import Palette
    from seisview.core.section import SectionSpec
    from seisview.io.demo import DEMO_CLASSES, demo_survey_path, demo_truth, demo_volume
    from seisview.io.project import Project
    from seisview.ml.evaluation import thin_strokes
    from seisview.qt.main_window import MainWindow

    tmp = tempfile.mkdtemp(prefix="bench_stalls_")
    os.environ["SEISVIEW_HOME"] = tmp  # the default layout; the user's stays untouched
    vol, truth = demo_volume(), demo_truth()
    strokes = thin_strokes(truth[TRAIN_IL].T, 0.02, width=1, strokes_per_class=4)
    pal = Palette.from_list([{"id": i + 1, "name": n, "color": c} for i, (n, c) in enumerate(DEMO_CLASSES)])
    project = Project.create(Path(tmp) / "f.seisview", demo_survey_path(), palette=pal)
    idx = np.flatnonzero(strokes)
    project.labels.apply({SectionSpec("inline", TRAIN_IL): (idx, strokes.ravel()[idx])})
    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    w.session.open_volume(vol)
    w.session.project = project
    w.session.set_position("inline", TRAIN_IL)
    panel = w.panels["training"].widget()
    getattr(panel, "warm_thread", None) and panel.warm_thread.join()  # start-up imports done
    w.removeDockWidget(w.panels["training"])  # not tabbed behind Activations: both on screen
    w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, w.panels["training"])
    for name in ("training", "activations"):
        w.panels[name].show()
        w.panels[name].raise_()
    return w, panel, project


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="per state")
    ap.add_argument("--predict-seconds", type=float, default=None,
                    help="the predict state's limit (default --seconds): on a busy machine the "
                         "first chunks, and with them the time slices read from the result "
                         "store, can take longer than a state")
    ap.add_argument("--states", default=",".join(STATES))
    ap.add_argument("--stacks", action="store_true", help="count the GUI thread's stacks in stalls")
    ap.add_argument("--profile", action="store_true",
                    help="cProfile the GUI thread in each state (top functions by own time)")
    ap.add_argument("--workers-not-niced", action="store_true",
                    help="experiment: every worker at the GUI thread's priority (no nice)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    states = args.states.split(",")

    from PyQt6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from seisview.qt.app import make_app

    if args.workers_not_niced:
        import seisview.qt.workers as workers

        workers.lower_thread_priority = lambda nice=5: None
    app = make_app()
    w, panel, project = build_window()
    view = w.section_views["inline"]
    n_il = w.session.n_positions("inline")
    dumps = StackDumps(Path(tempfile.mkdtemp()) / "stacks.txt") if args.stacks else None
    clock, gaps, splits = QElapsedTimer(), [], []
    sched_fd = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY) \
        if sys.platform.startswith("linux") else None
    last = [np.zeros(2)]

    def tick():
        gaps.append(clock.restart())
        if sched_fd is not None:  # ~1 us: where each interval went (CPU, waiting for a core)
            now = np.array([int(v) for v in os.pread(sched_fd, 64, 0).split()[:2]]) / 1e6
            splits.append(now - last[0])
            last[0] = now
        if dumps is not None:
            dumps.arm()

    probe = QTimer(timeout=tick)
    sched = np.zeros(2)  # GUI thread's CPU and run-queue wait, s per s, of the last loop
    prof = None

    def step_inline():
        w.session.set_position("inline", (w.session.position("inline") + 1) % n_il)

    def run_loop(seconds, until=None):
        """The real event loop for ``seconds`` (or until ``until()``); intervals in ms."""
        gaps.clear()
        splits.clear()
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        check = QTimer(interval=50, timeout=lambda: until is not None and until() and loop.quit())
        check.start()
        clock.start()
        probe.start(10)
        t0, s0 = time.monotonic(), gui_schedstat()
        if prof is not None:
            prof.enable()
        loop.exec()
        if prof is not None:
            prof.disable()
        sched[:] = (gui_schedstat() - s0) / (time.monotonic() - t0)
        probe.stop()
        check.stop()
        if dumps is not None:
            dumps.disarm()
        return np.array(gaps[1:], float)

    def stall_split(x, over=30.0):
        """Of the intervals over ``over`` ms: total ms, and the shares spent running on the
        GUI thread, waiting for a core, and neither (the interpreter lock, locks, the timer)."""
        sp = np.array(splits[1:len(x) + 1]) if len(splits) > len(x) else np.zeros((len(x), 2))
        sel = x > over
        tot = float(x[sel].sum())
        if tot == 0:
            return tot, 0.0, 0.0, 0.0
        cpu, runq = (float(v) for v in sp[sel].sum(axis=0))
        return tot, cpu / tot, runq / tot, max(0.0, 1 - (cpu + runq) / tot)

    def wait_for(cond, seconds):
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        t = QTimer(interval=50, timeout=lambda: cond() and loop.quit())
        t.start()
        loop.exec()
        t.stop()
        return cond()

    run_loop(1.5)  # first paints settle
    res: dict = {"platform": app.platformName(), "load_start": loadavg()}
    print(f"== event-loop intervals (10 ms timer), {app.platformName()} window 1400x900, "
          f"{args.seconds:.0f} s per state | {loadavg()}")
    print(f"  {'state':12s}{'n':>6s}{'p50':>7s}{'p99':>7s}{'max':>7s}{'>50ms':>6s}{'>30ms':>6s}{'cpu':>6s}{'wait':>6s}{'own':>6s}{'>50':>4s}{'run':>5s}  load")
    for state in states:
        extra = {}
        if dumps is not None:
            dumps.take()  # drop what came before
        if args.profile:
            import cProfile

            prof = cProfile.Profile()
        if state == "idle":
            x = run_loop(args.seconds)
        elif state == "scrub":
            view.slider.setSliderDown(True)
            mover = QTimer(timeout=lambda: view.slider.setValue((view.slider.value() + 1) % n_il))
            mover.start(10)
            x = run_loop(args.seconds)
            mover.stop()
            view.slider.setSliderDown(False)
            view.slider.sliderReleased.emit()
        elif state == "train":
            w.session.set_position("inline", TRAIN_IL)
            panel.epochs.setValue(100)
            panel.minutes.setValue(10)
            panel.extra_config = {"patience": 100}
            t0 = time.monotonic()
            panel.start()
            layer = w.session.layers["prediction"]
            first = []
            def seen(layer=layer, first=first, t0=t0):
                if not first and layer.data_for(w.session.spec("inline")) is not None:
                    first.append(time.monotonic() - t0)
            poll = QTimer(interval=20, timeout=seen)
            poll.start()
            x = run_loop(args.seconds)
            poll.stop()
            extra["first_overlay_s"] = first[0] if first else None
        elif state == "paused":
            if panel.run is None:
                print("  paused: skipped (no training run)")
                continue
            wait_for(lambda: panel.snapshot is not None, 60)
            panel.set_paused(True)
            mover = QTimer(timeout=step_inline)
            mover.start(100)
            x = run_loop(args.seconds)
            mover.stop()
        elif state == "predict":
            if panel.run is not None:
                panel.cancel()
                wait_for(lambda: not panel.training, 30)
            if panel.snapshot is None:
                print("  predict: skipped (no model)")
                continue
            t0 = time.monotonic()
            panel.predict_volume()
            x = run_loop(args.predict_seconds or args.seconds,
                         until=lambda: not panel.volume_worker.running)
            extra["predict_done_s"] = None if panel.volume_worker.running else time.monotonic() - t0
            extra["predict_fraction"] = panel.bar.value() / 1000  # of the chunks, when the state ended
            if panel.volume_worker.running:
                panel.volume_worker.cancel()
                wait_for(lambda: not panel.volume_worker.running, 30)
        elif state == "activations":
            acts = w.panels["activations"].widget()
            w.panels["activations"].raise_()
            mover = QTimer(timeout=step_inline)
            mover.start(100)
            n0 = getattr(acts, "pages_drawn", None)
            x = run_loop(args.seconds)
            mover.stop()
            extra["activation_pages"] = (getattr(acts, "pages_drawn", 0) - n0) if n0 is not None else None
        else:
            raise SystemExit(f"unknown state {state!r}; choose from {', '.join(STATES)}")
        p50, p99 = np.percentile(x, [50, 99])
        tot, f_cpu, f_runq, f_other = stall_split(x)
        extra.update(stall_ms=tot, stall_cpu=f_cpu, stall_runq=f_runq, stall_other=f_other)
        sp = np.array(splits[1:len(x) + 1]) if len(splits) > len(x) else np.zeros((len(x), 2))
        own = x - sp[:, 1]  # each interval less its wait for a core: the scheduler's part out
        extra.update(own_max=float(own.max()), own_over50=int((own > 50).sum()),
                     run_max=float(sp[:, 0].max()))
        r = dict(n=int(x.size), p50=float(p50), p99=float(p99), max=float(x.max()),
                 over50=int((x > 50).sum()), over30=int((x > 30).sum()), load=loadavg(), gui_cpu=float(sched[0]),
                 gui_wait=float(sched[1]), **extra)
        res[state] = r
        print(f"  {state:12s}{r['n']:6d}{p50:7.1f}{p99:7.1f}{r['max']:7.0f}{r['over50']:6d}{r['over30']:6d}{sched[0]:6.2f}{sched[1]:6.2f}"
              f"{r['own_max']:6.0f}{r['own_over50']:4d}{r['run_max']:5.0f}"
              f"  {r['load'].split(' on ')[0][5:]}" + "".join(f"  {k} {v if v is None else round(v, 2)}"
                                                             for k, v in extra.items()
                                                             if not k.startswith(("stall", "own", "run"))))
        if tot:
            print(f"      intervals > 30 ms: {tot:.0f} ms in all; GUI thread running {f_cpu:.0%}, waiting "
                  f"for a core {f_runq:.0%}, neither (interpreter lock, locks, timer) {f_other:.0%}")
        if dumps is not None:
            stacks, others = dumps.take()
            res[state]["stacks"] = dict(stacks.most_common(8))
            res[state]["other_threads"] = dict(others.most_common(8))
            for stack, k in stacks.most_common(5):
                print(f"      {k:3d} x {stack}")
            if others:
                print("      meanwhile: " + "; ".join(f"{k} x {f}" for f, k in others.most_common(4)))
        if prof is not None:
            import io
            import pstats

            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
            print("\n".join("      " + ln for ln in out.getvalue().splitlines()[6:] if ln.strip()))
    if "idle" in res and "train" in res:
        res["train_p99_over_idle"] = res["train"]["p99"] / res["idle"]["p99"]
        print(f"  p99 while training / idle: {res['train_p99_over_idle']:.2f}x (goal <= 1.5x)")
    worst = max((res[s]["max"] for s in states if s in res), default=0)
    own = max((res[s]["own_max"] for s in states if s in res), default=0)
    run = max((res[s]["run_max"] for s in states if s in res), default=0)
    print(f"  longest interval over all states {worst:.0f} ms, {own:.0f} ms less its wait for a core "
          f"(goal <= 50 ms); most GUI-thread CPU in one interval {run:.0f} ms | {loadavg()}")
    panel.shutdown()
    app.processEvents()
    project.close()
    w.close()
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
