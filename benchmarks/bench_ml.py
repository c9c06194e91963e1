"""Training and inference benchmarks on the demo survey (ratios side by side in one run).

    python benchmarks/bench_ml.py                 # everything (~15 min on 2 busy cores)
    python benchmarks/bench_ml.py dense quality   # parts: dense overlay gui frames quality seed004

* dense    : the Waldeland patch CNN on a full F3-sized inline (462 x 951), one dense pass vs
             one 65x65 patch per pixel (timed on a random subset of pixels, extrapolated), and
             the accuracy of both on the same pixels of the demo survey after training.
* overlay  : from "Train" (labels snapshot) to the first class map of the visible inline, headless
             (baseline) and through the Training dock (worker thread, Qt event loop, layers) as
             interleaved pairs.
* gui      : in fresh processes (part coldgui): the app started, Train pressed at once / 3 s later.
* frames   : main-window event-loop timer intervals idle vs while training (p50/p99, stalls; the
             headline: p99 in 3 s windows with the run going vs paused, interleaved pairs),
             GUI-thread CPU, run-queue waits and GC, CPU per thread; steady steps/s vs bare loops.
* overhead : train() vs a bare torch loop of the same network, batches and steps (interleaved
             pairs, three runs): whole-run and per-step wall-clock ratios, epoch-end cost
             (BENCH_OVERHEAD_THREADS, default 1 as the GUI's worker; BENCH_OVERHEAD_PAIRS).
* tta      : time-to-accuracy: accuracy on 10 unseen inlines of every snapshot vs the wall time
             of training (scoring time excluded), default recipe, one stroke set.
* quality  : thin strokes on <= 2 % of one inline, accuracy and per-class recall of the default
             recipe on 10 inlines never labelled (none within 8 lines of the painted one), for
             strokes on inlines 20, 60, 100, 140, 180 x stroke seeds 0, 1 (BENCH_QUALITY_IL,
             BENCH_QUALITY_SEEDS; BENCH_QUALITY_SEED_OFFSET=100 changes the training seed and
             held-out split, BENCH_QUALITY_THREADS the torch threads); `quality:single` adds the
             default before the two-member ensemble (one U-Net), `quality:wholenorm` batch-norm
             statistics from whole sections (before strips), `quality:envelope` one U-Net
             with the envelope as a second input, `quality:coarse` the default before the 1/4
             refinement, `quality:previous` the one before self-training, `quality:depth3` the
             one before it. ~25 min with `single`.
* seed004  : patch CNN vs VGG16-style vs ResNet-style on the same strokes, train vs test accuracy.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import torch

from seisview.core.section import SectionSpec
from seisview.io.demo import DEMO_CLASSES, demo_truth, demo_volume
from seisview.ml.data import make_training_data, scale_section
from seisview.ml.evaluation import score, thin_strokes
from seisview.ml.inference import predict_section
from seisview.ml.models import build_model
from seisview.ml.models.waldeland import extract_patches
from seisview.ml.progress import TrainProgress
from seisview.ml.training import TrainConfig, build_for, make_optimizer, train

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare, loadavg  # noqa: E402

TRAIN_IL = int(os.environ.get("BENCH_TRAIN_IL", 100))  # inline index painted with strokes
TEST_IL = [i for i in (5, 25, 45, 65, 85, 120, 140, 160, 180, 195, 105) if i != TRAIN_IL][:10]
QUALITY_TEST_POOL = (5, 25, 45, 65, 85, 105, 120, 140, 160, 180, 195, 35, 75, 130, 170)
K = len(DEMO_CLASSES)
BEST = dict(model="unet")  # the defaults (unet's manifest recipe, TrainConfig)


def setup():
    vol, truth = demo_volume(), demo_truth()
    strokes = thin_strokes(truth[TRAIN_IL].T, 0.02, width=1, strokes_per_class=4)
    data = make_training_data(vol, {SectionSpec("inline", TRAIN_IL): strokes}, n_classes=K)
    return vol, truth, strokes, data


def test_score(snapshot, vol, truth, phases=1, inlines=None, flip=False):
    inlines = TEST_IL if inlines is None else inlines
    preds = [predict_section(snapshot, vol.inline(i), phases=phases, flip=flip).classes
             for i in inlines]
    return score(np.stack(preds), np.stack([truth[i].T for i in inlines]), K)


def run(cfg: TrainConfig, data, vol, truth, label=""):
    """Train, scoring every snapshot on the test inlines; returns (rows, done message)."""
    rows, t0 = [], time.monotonic()
    for msg in train(cfg, data):
        if isinstance(msg, TrainProgress):
            if msg.snapshot is None:
                continue
            s = test_score(msg.snapshot, vol, truth)
            rows.append((time.monotonic() - t0, msg.step, msg.metrics.get("train_acc"),
                         msg.metrics.get("val_acc", float("nan")), s))
            print(f"  {label:10s} {rows[-1][0]:6.1f}s step {msg.step:4d}  train {rows[-1][2]:.3f} "
                  f"held-out {rows[-1][3]:.3f}  TEST acc {s['accuracy']:.3f} "
                  f"min recall {s['min_recall']:.3f}", flush=True)
        else:
            return rows, msg
    return rows, None


def bench_dense():
    print("\n== dense vs per-pixel patch inference (Waldeland CNN, F3-sized inline 462 x 951)")
    torch.manual_seed(0)
    net = build_model("waldeland", 9).eval()
    sec = torch.randn(462, 951)
    rng = np.random.default_rng(0)
    batch = 128  # per-pixel reference: one batch of 128 patches, extrapolated to every pixel
    rr, cc = rng.integers(0, 462, batch), rng.integers(0, 951, batch)

    def dense():
        with torch.no_grad():
            net(sec[None, None])

    def patches():
        with torch.no_grad():
            net.forward_patches(extract_patches(sec, rr, cc))

    cmp = compare(dense, patches, n=2)
    print(cmp.line("128 patches / one dense pass", names=("128 patches", "dense")))
    speedup = cmp.ratio * sec.numel() / batch
    print(f"  dense {cmp.stats('base')[0]:.2f} s, per-pixel {cmp.stats('subj')[0] * sec.numel() / batch / 60:.1f}"
          f" min (extrapolated) -> dense is {speedup:.0f}x faster (runs "
          f"{', '.join(f'{r * sec.numel() / batch:.0f}' for r in cmp.run_ratios)}; goal >= 200x)")

    vol, truth, _, data = setup()
    rows, done = run(TrainConfig(model="waldeland", epochs=8, minutes=1.5),
                     data, vol, truth, "waldeland")
    snap = done.snapshot
    net = snap.build()
    rng = np.random.default_rng(1)
    acc_d, acc_p = [], []
    for il in TEST_IL[:4]:
        x = torch.from_numpy(scale_section(vol.inline(il), snap.clip))
        t = truth[il].T
        r, c = rng.integers(0, t.shape[0], 250), rng.integers(0, t.shape[1], 250)
        with torch.no_grad():
            dense = net(x[None, None])[0].argmax(0).numpy()[r, c] + 1
            per = net.forward_patches(extract_patches(x, r, c)).argmax(1).numpy() + 1
        acc_d.append((dense == t[r, c]).mean())
        acc_p.append((per == t[r, c]).mean())
    print(f"  accuracy on the same 1000 test pixels: dense {np.mean(acc_d):.3f}, "
          f"per-pixel {np.mean(acc_p):.3f}")


def _first_overlay_headless(vol, truth, strokes, scores):
    """Seconds from Train (labels snapshot) to the first class map of inline TRAIN_IL + 20."""
    t0 = time.monotonic()
    data = make_training_data(vol, {SectionSpec("inline", TRAIN_IL): strokes}, n_classes=K)
    from seisview.ml.device import background_threads  # as many torch threads as the dock's run

    for msg in train(TrainConfig(**BEST, epochs=50, threads=background_threads()), data):
        if isinstance(msg, TrainProgress) and msg.snapshot is not None:
            p = predict_section(msg.snapshot, vol.inline(TRAIN_IL + 20))
            t_first = time.monotonic() - t0
            scores.append(score(p.classes, truth[TRAIN_IL + 20].T, K)["accuracy"])
            return t_first
    raise RuntimeError("training ended without a snapshot")


def _first_overlay_dock(app, vol, truth, strokes, scores):
    """The same through the Training dock: worker thread, Qt event loop, prediction layer."""
    import tempfile
    from pathlib import Path
    from types import SimpleNamespace

    from seisview.core.palette import Palette
    from seisview.core.session import Session
    from seisview.io.demo import demo_survey_path
    from seisview.io.project import Project
    from seisview.qt.training_panel import TrainingPanel

    pal = Palette.from_list([{"id": i + 1, "name": n, "color": c}
                             for i, (n, c) in enumerate(DEMO_CLASSES)])
    # the run may still be recording itself in the project folder as the dock shuts down
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        project = Project.create(Path(tmp) / "b.seisview", demo_survey_path(), palette=pal)
        idx = np.flatnonzero(strokes)
        project.labels.apply({SectionSpec("inline", TRAIN_IL): (idx, strokes.ravel()[idx])})
        session = Session()
        session.open_volume(vol)
        session.project = project
        session.set_position("inline", TRAIN_IL + 20)
        panel = TrainingPanel(SimpleNamespace(session=session, status=lambda m: None))
        spec = session.spec("inline")
        t0 = time.monotonic()
        if not panel.start():
            raise SystemExit(f"training did not start: {panel.status.text()}")
        layer = session.layers["prediction"]
        while layer.data_for(spec) is None and time.monotonic() - t0 < 300:
            app.processEvents()
            time.sleep(0.005)
        t_first = time.monotonic() - t0
        scores.append(score(layer.data_for(spec), truth[TRAIN_IL + 20].T, K)["accuracy"])
        panel.shutdown()
        app.processEvents()
        project.close()
    return t_first


def bench_overlay():
    """Train -> first overlay: the headless path (baseline) and the Training dock (subject)
    as interleaved pairs; the subject's median is the figure the goal (<= 10 s) is about."""
    print("\n== press Train -> first class map of the visible inline: headless path vs Training dock")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from seisview.qt.app import make_app

    app = make_app()
    vol, truth, strokes, _ = setup()
    acc_h, acc_d = [], []
    cmp = compare(lambda: _first_overlay_headless(vol, truth, strokes, acc_h),
                  lambda: _first_overlay_dock(app, vol, truth, strokes, acc_d), n=1, returns_value=True)
    print(cmp.line("Train -> first overlay, Training dock / headless",
                   f"goal: dock <= 10 s ({'met' if cmp.stats('subj')[0] <= 10 else 'NOT met'})",
                   names=("dock", "headless")))
    print(f"  accuracy of the first overlay on inline {TRAIN_IL + 20}: dock {np.median(acc_d):.3f}, "
          f"headless {np.median(acc_h):.3f} (medians)")


def bench_gui():  # the dock itself is timed in `overlay`, paired with the headless path
    bench_coldgui()


_COLD_CHILD = r"""
import os, sys, tempfile, time
t_proc = time.monotonic()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import numpy as np
from pathlib import Path
from PyQt6.QtCore import QEventLoop, QTimer
from seisview.qt.app import make_app

app = make_app()
from seisview.core.palette import Palette
from seisview.core.section import SectionSpec
from seisview.io.demo import DEMO_CLASSES, demo_survey_path, demo_volume
from seisview.io.project import Project
from seisview.qt.main_window import MainWindow

strokes, il, wait_s = np.load(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
pal = Palette.from_list([{"id": i + 1, "name": n, "color": c} for i, (n, c) in enumerate(DEMO_CLASSES)])
tmp = tempfile.mkdtemp()
project = Project.create(Path(tmp) / "c.seisview", demo_survey_path(), palette=pal)
idx = np.flatnonzero(strokes)
project.labels.apply({SectionSpec("inline", il): (idx, strokes.ravel()[idx])})
w = MainWindow()
w.show()
w.session.open_volume(demo_volume())
w.session.project = project
w.session.set_position("inline", il + 20)

def run(s):
    loop = QEventLoop()
    QTimer.singleShot(int(s * 1000), loop.quit)
    loop.exec()

run(wait_s)  # the user looks at the window before pressing Train
panel = w.panels["training"].widget()
layer_ok = lambda: "prediction" in w.session.layers and \
    w.session.layers["prediction"].data_for(w.session.spec("inline")) is not None
t_window = time.monotonic() - t_proc
t0 = time.monotonic()
if not panel.start():
    raise SystemExit("training did not start: " + panel.status.text())
while not layer_ok() and time.monotonic() - t0 < 120:
    run(0.02)
print(f"COLD {t_window:.2f} {time.monotonic() - t0:.2f}", flush=True)
panel.shutdown()
w.close()
project.close()
"""


def bench_coldgui(waits=(0.0, 3.0)):
    print("\n== cold process: start the app, press Train, first class map on the visible inline")
    import subprocess
    import tempfile

    _, _, strokes, _ = setup()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "strokes.npy")
        np.save(path, strokes)
        for wait in waits:
            load = os.getloadavg()[0]
            out = subprocess.run([sys.executable, "-c", _COLD_CHILD, path, str(TRAIN_IL), str(wait)],
                                 capture_output=True, text=True, timeout=300,
                                 env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "SEISVIEW_HOME": tmp})
            line = next((x for x in out.stdout.splitlines() if x.startswith("COLD")), None)
            if line is None:
                print(f"  failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            t_window, t_first = (float(v) for v in line.split()[1:])
            print(f"  Train pressed {t_window:.1f} s after process start ({wait:g} s after the window "
                  f"showed): first overlay {t_first:.2f} s after Train (goal <= 10 s; load {load:.1f})")


def _threads_cpu() -> dict:
    """{native thread id: (CPU seconds, nice, run-queue wait seconds)} of this process (Linux)."""
    out, tick = {}, os.sysconf("SC_CLK_TCK")
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                st = f.read()
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                wait = int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            continue
        fields = st[st.rindex(")") + 2:].split()  # fields[11:13] utime, stime; fields[16] nice
        out[int(tid)] = ((int(fields[11]) + int(fields[12])) / tick, int(fields[16]), wait)
    return out


class _ThreadLedger:
    """CPU per thread over a window, sampled often enough to catch short-lived workers."""

    def __init__(self):
        import threading

        self.threading = threading
        self.start = _threads_cpu()
        self.last: dict = {}
        self.names: dict = {}
        self.cpu0, self.cpu = time.process_time(), 0.0

    def sample(self):
        self.last.update(_threads_cpu())
        self.cpu = time.process_time() - self.cpu0
        self.names.update({t.native_id: t.name for t in self.threading.enumerate()})

    def table(self, seconds: float) -> dict:
        """{group: CPU s/s}; groups: GUI thread, named Python threads, pool threads by nice."""
        gui = self.threading.main_thread().native_id
        out: dict = {}
        for tid, (cpu, nice, _w) in self.last.items():
            used = cpu - self.start.get(tid, (0.0, 0, 0.0))[0]
            if used <= 0:
                continue
            name = ("GUI" if tid == gui else
                    self.names.get(tid, "").replace("seisview-", "").split("-")[0] or "pool")
            key = f"{name}(nice {nice})"
            out[key] = out.get(key, 0.0) + used / seconds
        # threads that lived less than a sampling period (short predictions, captures)
        out["short-lived"] = max(0.0, self.cpu / seconds - sum(out.values()))
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def gui_wait(self, seconds: float) -> float:
        """Seconds per second the GUI thread waited for a core (run queue)."""
        gui = self.threading.main_thread().native_id
        return (self.last.get(gui, (0, 0, 0))[2] - self.start.get(gui, (0, 0, 0))[2]) / seconds


def _steady_sps(points) -> float:
    """Steps/s between the first and the last progress message (start-up excluded)."""
    if len(points) < 2 or points[-1][0] <= points[0][0]:
        return 0.0
    return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])


def _bare_loop(cfg, data, seconds) -> float:
    """The training loop alone in a plain thread (as the GUI's worker), steady steps/s."""
    import threading

    pts = []

    def body():
        for m in train(cfg, data):
            if isinstance(m, TrainProgress):
                pts.append((time.monotonic(), m.step))

    t = threading.Thread(target=body)
    t.start()
    t.join()
    return _steady_sps(pts)


def bench_frames(seconds=12.0):
    """Event-loop timer intervals of the main window idle vs while training, and what costs.

    Environment knobs for experiments: ``BENCH_TRAIN_NICE`` / ``BENCH_TRAIN_THREADS``
    (the Training panel's ``train_nice`` / ``train_threads``), ``BENCH_HIDE=crossplot,...``
    (docks to hide, to price one panel).
    """
    print("\n== GUI event-loop frame intervals idle vs while training, training steps/s with GUI")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile
    from dataclasses import replace
    from pathlib import Path

    from PyQt6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from seisview.core.palette import Palette
    from seisview.io.demo import demo_survey_path
    from seisview.io.project import Project
    from seisview.qt.app import make_app
    from seisview.qt.main_window import MainWindow

    print(f"  load (uptime): {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} on {os.cpu_count()} cores")
    app = make_app()
    vol, truth, strokes, data = setup()
    pal = Palette.from_list([{"id": i + 1, "name": n, "color": c}
                             for i, (n, c) in enumerate(DEMO_CLASSES)])
    with tempfile.TemporaryDirectory() as tmp:
        user_home = os.environ.get("SEISVIEW_HOME")
        os.environ["SEISVIEW_HOME"] = tmp  # the default window layout; the user's stays untouched
        project = Project.create(Path(tmp) / "f.seisview", demo_survey_path(), palette=pal)
        idx = np.flatnonzero(strokes)
        project.labels.apply({SectionSpec("inline", TRAIN_IL): (idx, strokes.ravel()[idx])})
        w = MainWindow()
        w.resize(1400, 900)
        w.show()
        w.session.open_volume(vol)
        w.session.project = project
        panel = w.panels["training"].widget()
        getattr(panel, "warm_thread", None) and panel.warm_thread.join()  # startup imports done
        # the Training dock on its own (not tabbed behind the Activations dock): both on screen
        from PyQt6.QtCore import Qt

        w.removeDockWidget(w.panels["training"])
        w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, w.panels["training"])
        w.panels["training"].show()
        for name in filter(None, os.environ.get("BENCH_HIDE", "").split(",")):
            w.panels[name].hide()  # which panel costs what: BENCH_HIDE=crossplot,activations
        for env, attr in (("BENCH_TRAIN_NICE", "train_nice"), ("BENCH_TRAIN_THREADS", "train_threads")):
            if os.environ.get(env):  # experiments: other settings than the panel's defaults
                setattr(panel, attr, int(os.environ[env]))
        clock, gaps = QElapsedTimer(), []
        timer = QTimer()
        timer.timeout.connect(lambda: gaps.append(clock.restart()))

        def sample(duration):
            """Run the real event loop for ``duration`` s; returns (intervals ms, threads)."""
            gaps.clear()
            ledger = _ThreadLedger()
            probe = QTimer(interval=1000, timeout=ledger.sample)  # reading /proc costs the GUI ms
            probe.start()
            loop = QEventLoop()
            QTimer.singleShot(int(duration * 1000), loop.quit)
            clock.start()
            timer.start(10)
            c0 = time.thread_time()
            loop.exec()
            timer.stop()
            probe.stop()
            ledger.sample()
            cpu.append((time.thread_time() - c0) / duration)  # GUI-thread CPU seconds per second
            return np.array(gaps[1:], float), ledger

        cpu = []
        sample(1.0)  # first paints and captures settle
        cpu.clear()
        idle, led_idle = sample(4.0)
        shown = [n for n, d in w.panels.items() if not d.widget().visibleRegion().isEmpty()]
        panel.epochs.setValue(100)
        panel.minutes.setValue((seconds + 60) / 60)  # still running for the paired windows after it
        panel.extra_config = {"patience": 100}  # as the bare loop: no early stop inside the window
        pts, first = [], []
        panel.start()
        t_press = time.monotonic()
        cfg = panel.run.config  # the TrainConfig the panel made (threads included)
        panel.worker.message.connect(
            lambda m: isinstance(m, TrainProgress) and pts.append((time.monotonic(), m.step)))
        layer = w.session.layers["prediction"]
        spec = w.session.spec("inline")
        poll = QTimer(interval=20, timeout=lambda: not first and layer.data_for(spec) is not None
                      and first.append(time.monotonic() - t_press))
        poll.start()
        import gc

        gcs, t_gc = [], [0.0]

        def on_gc(phase, info):  # collections in the GUI thread (the app collects there only)
            if phase == "start":
                t_gc[0] = time.perf_counter()
            else:
                gcs.append((info["generation"], (time.perf_counter() - t_gc[0]) * 1000))

        gc.callbacks.append(on_gc)
        busy, led = sample(seconds)
        gc.callbacks.remove(on_gc)
        pts_busy = list(pts)  # steps/s of the window, before the paired windows pause the run

        def window_p99(paused):  # the run paused (as idle) or running; the switch settles first
            panel.set_paused(paused)
            sample(1.0)
            return float(np.percentile(sample(3.0)[0], 99)) / 1000

        pairs = compare(lambda: window_p99(True), lambda: window_p99(False), n=2, warmup=0,
                        returns_value=True)
        panel.set_paused(False)
        poll.stop()
        panel.shutdown()
        app.processEvents()
        project.close()
        w.close()
        os.environ.pop("SEISVIEW_HOME")
        if user_home is not None:
            os.environ["SEISVIEW_HOME"] = user_home
    same = replace(cfg, checkpoint=None)
    default = replace(same, threads=torch.get_num_threads())
    bare_same = np.mean([_bare_loop(same, data, seconds) for _ in range(2)])
    bare_default = (bare_same if default.threads == same.threads
                    else np.mean([_bare_loop(default, data, seconds) for _ in range(2)]))
    print(f"  load after: {os.getloadavg()[0]:.2f}")
    p50i, p99i = np.percentile(idle, [50, 99])
    p50b, p99b = np.percentile(busy, [50, 99])
    at = np.cumsum(busy)[np.argmax(busy)] / 1000
    print(f"  timer interval (10 ms timer) idle p50 {p50i:.1f} p99 {p99i:.1f} ms; while training "
          f"p50 {p50b:.1f} p99 {p99b:.1f} ms; p99 ratio {p99b / p99i:.2f} (goal <= 1.5)")
    print(pairs.line("p99 timer interval, run training / run paused (3 s windows, interleaved)",
                     "goal <= 1.5x", names=("training", "paused")))
    print(f"  longest stall {busy.max():.0f} ms at {at:.1f} s after Train; intervals > 50 ms: "
          f"{(busy > 50).sum()} of {busy.size}; > 30 ms: {(busy > 30).sum()}")
    print(f"  first overlay {first[0] if first else float('nan'):.2f} s after Train; "
          f"visible panels: {shown}")
    print(f"  GUI thread: CPU {cpu[0]:.3f} s/s idle, {cpu[1]:.3f} s/s training; waiting for a "
          f"core {led_idle.gui_wait(4.0):.3f} s/s idle, {led.gui_wait(seconds):.3f} s/s training")
    worst = max(gcs, key=lambda g: g[1], default=(0, 0.0))
    print(f"  GUI-thread garbage collections while training: {len(gcs)}, longest "
          f"{worst[1]:.1f} ms (generation {worst[0]})")
    print("  CPU s/s by thread while training: "
          + ", ".join(f"{k} {v:.2f}" for k, v in led.table(seconds).items() if v >= 0.005))
    sps = _steady_sps(pts_busy)

    def ratio(bare):  # a loop with < 2 progress reports in the window has no steady rate
        return f"ratio {sps / bare:.2f}" if bare > 0 else "fewer than 2 reports in the window"
    print(f"  training steps/s (steady, start-up excluded): in the GUI {sps:.2f} with "
          f"{cfg.threads or 'default'} torch thread(s), nice {panel.train_nice}; bare loop same "
          f"config {bare_same:.2f} ({ratio(bare_same)}, goal >= 0.6); bare "
          f"loop {default.threads} threads {bare_default:.2f} ({ratio(bare_default)})")


def bench_overhead():
    """Wall time of ``train()`` vs a bare torch loop of the same steps, interleaved pairs.

    The bare loop builds the same network and optimizer and runs forward, loss, backward
    and step on batches sampled beforehand by the same sampler (the sampling itself, the
    weight average, reports and epoch ends are what ``train()`` adds). Both sides run
    the same number of steps with the same torch threads. ``report_every=1`` times each
    step inside ``train()``; intervals that contain an epoch end are left out of the
    per-step figure and summed as the epoch-end cost.
    """
    import torch.nn.functional as F

    from seisview.ml.data import IGNORE, CropSampler

    threads = int(os.environ.get("BENCH_OVERHEAD_THREADS", 1))
    pairs = int(os.environ.get("BENCH_OVERHEAD_PAIRS", 1))
    torch.set_num_threads(threads)
    print(f"\n== train() vs a bare torch loop of the same steps ({threads} torch thread(s))")
    _, _, _, data = setup()
    # 4 epochs with one self-training round in them: the first epoch ends after 6 steps
    # (first_snapshot_s=0), the others after 10, so the round comes after step 26 and
    # the last 10 steps add pseudo-labelled crops (half a batch) as train() does
    cfg = TrainConfig(**BEST, epochs=4, patience=100, self_train=1, self_train_after=20,
                      report_every=1, threads=threads, first_snapshot_s=0.0)
    net, _, _ = build_for(cfg, data.n_classes)
    members = int(getattr(net, "n_members", 1))
    sampler = CropSampler(data, cfg.crop, net.context, stretch=cfg.stretch, seed=1)
    plain = cfg.batch_size * members
    with_pseudo = plain + max(1, cfg.batch_size // 2) * members
    batches = {n: [tuple(torch.from_numpy(a) for a in sampler.batch(n)) for _ in range(4)]
               for n in (plain, with_pseudo)}
    pseudo_from = 26
    steps = {"n": 36}
    per_step: dict[str, list] = {"train": [], "bare": [], "epoch_end": []}

    def bare():
        torch.manual_seed(0)
        net, _, _ = build_for(cfg, data.n_classes)
        opt, _ = make_optimizer(cfg, net)
        net.train()
        times, t = [], time.perf_counter()
        for i in range(steps["n"]):
            x, y = batches[plain if i < pseudo_from else with_pseudo][i % 4]
            loss = F.cross_entropy(net(x), y, ignore_index=IGNORE)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            now = time.perf_counter()
            times.append(now - t)
            t = now
        per_step["bare"].append(np.median(times))

    def subject():
        times, ends, t, after_end = [], 0.0, time.perf_counter(), False
        for msg in train(cfg, data):
            now = time.perf_counter()
            if isinstance(msg, TrainProgress):
                if msg.snapshot is not None:
                    after_end = True  # the next interval holds the epoch end
                elif after_end:
                    ends += now - t
                    after_end = False
                else:
                    times.append(now - t)
                t = now
            else:
                steps["n"] = msg.steps
        per_step["train"].append(np.median(times))
        per_step["epoch_end"].append(ends - np.median(times) * cfg.epochs)

    cmp = compare(bare, subject, n=pairs, warmup=1, runs=3, rewarm=False)
    step_ratio = np.array(per_step["train"][-3 * pairs:]) / np.array(per_step["bare"][-3 * pairs:])
    print(cmp.line(f"run of {steps['n']} steps, train() / bare loop", "goal <= 1.3x"))
    print(f"  per step, train() / bare loop: {np.median(step_ratio):.2f}x median "
          f"(runs {' '.join(f'{r:.2f}' for r in step_ratio)}), goal <= 1.15x; bare step "
          f"{np.median(per_step['bare']) * 1e3:.0f} ms")
    print(f"  epoch ends: {np.median(per_step['epoch_end'][-3 * pairs:]):.2f} s per run of "
          f"{cfg.epochs} epochs (one self-training round included) | {loadavg()}")


def bench_tta(painted: int = TRAIN_IL):
    """Accuracy on 10 unseen inlines of each snapshot against training wall time."""
    print("\n== time to accuracy: each snapshot scored on 10 unseen inlines (scoring time excluded)")
    print(f"  {loadavg()}")
    vol, truth = demo_volume(), demo_truth()
    strokes = thin_strokes(truth[painted].T, 0.02, width=1, strokes_per_class=4)
    data = make_training_data(vol, {SectionSpec("inline", painted): strokes}, n_classes=K)
    tests = test_inlines(painted)
    threads = int(os.environ.get("BENCH_OVERHEAD_THREADS", 1))
    clock, t, curve = 0.0, time.perf_counter(), []
    for msg in train(TrainConfig(**BEST, epochs=40, threads=threads), data):
        clock += time.perf_counter() - t
        if isinstance(msg, TrainProgress) and msg.snapshot is not None:
            s = test_score(msg.snapshot, vol, truth, inlines=tests)
            curve.append((clock, msg.step, s["accuracy"]))
        elif not isinstance(msg, TrainProgress):
            s = test_score(msg.snapshot, vol, truth, inlines=tests)
            curve.append((clock, msg.steps, s["accuracy"]))
        t = time.perf_counter()
    print("  wall s  step  unseen acc")
    for c, st, a in curve:
        print(f"  {c:6.1f} {st:5d}  {a:.3f}")
    best = max(a for _, _, a in curve)
    reach = next(c for c, _, a in curve if a >= 0.95 * best)
    print(f"  final {curve[-1][2]:.3f} at {curve[-1][0]:.1f} s; 95 % of the best ({best:.3f}) "
          f"first at {reach:.1f} s | {loadavg()}")


def test_inlines(painted: int) -> list[int]:
    """10 inlines at least 9 lines from the painted one (never labelled, never next to it)."""
    return [i for i in QUALITY_TEST_POOL if abs(i - painted) > 8][:10]


def bench_quality(minutes=None, only=()):
    """Default recipe on strokes of several inlines x stroke seeds; ``only=("single",)`` adds
    the previous default (one U-Net instead of two), ``"envelope"`` one U-Net with the envelope
    input, ``"coarse"`` the one before (no 1/4 refinement of the 1/16 logits), ``"previous"``
    the one before (no self-training), ``"depth3"`` the one before that (depth 3, no time stretch, no minimum
    steps), on the same strokes. ``flip``: accuracy with mirror averaging (predict_section).
    No time cap by default: on these shared machines a cap would make the result depend on
    the load (the step count is what the recipe fixes)."""
    print("\n== quality: thin strokes (<= 2 %) on one inline -> 10 never-labelled inlines")
    vol, truth = demo_volume(), demo_truth()
    painted = [int(i) for i in os.environ.get("BENCH_QUALITY_IL", "20,60,100,140,180").split(",")]
    seeds = [int(i) for i in os.environ.get("BENCH_QUALITY_SEEDS", "0,1").split(",")]
    # the training seed and held-out split of stroke seed s are s + offset (strokes unchanged)
    offset = int(os.environ.get("BENCH_QUALITY_SEED_OFFSET", 0))
    if os.environ.get("BENCH_QUALITY_THREADS"):
        torch.set_num_threads(int(os.environ["BENCH_QUALITY_THREADS"]))
    recipes = {"default": {}}
    if "wholenorm" in only:  # the default before batch-norm statistics from strips
        recipes["wholenorm"] = dict(norm_width=0)
    if "single" in only:  # the default before the ensemble: one U-Net
        recipes["single"] = dict(model_cfg={"depth": 4, "refine": 4})
    if "envelope" in only:  # the envelope |x + iH(x)| as a second input channel
        recipes["envelope"] = dict(model_cfg={"depth": 4, "refine": 4, "envelope": True})
    if "coarse" in only:  # the default before the refinement: logits only at 1/16
        recipes["coarse"] = dict(model_cfg={"depth": 4})
    if "previous" in only:  # the default before self-training (same strokes, same data)
        recipes["previous"] = dict(model_cfg={"depth": 4}, self_train=0)
    if "depth3" in only:  # the default before that: 1/8 logits, no time stretch or min steps
        recipes["depth3"] = dict(model_cfg={"depth": 3}, stretch=0.0, min_steps=0, self_train=0)
    names = [n for n, _ in DEMO_CLASSES]
    print(f"  {'painted':>7s} {'seed':>4s} {'recipe':>8s} {'acc':>6s} {'acc 4ph':>7s} {'flip':>6s} "
          f"{'min rec':>7s} {'weakest':>24s} {'steps':>5s} {'first s':>7s} {'train s':>7s}")
    table = {}
    for il in painted:
        tests = test_inlines(il)
        for seed in seeds:
            strokes = thin_strokes(truth[il].T, 0.02, width=1, strokes_per_class=4, seed=seed)
            data = make_training_data(vol, {SectionSpec("inline", il): strokes}, n_classes=K,
                                      seed=seed + offset)
            for name, over in recipes.items():
                cfg = TrainConfig(**{**BEST, "epochs": 40, "minutes": minutes,
                                     "seed": seed + offset, **over})
                t0, first = time.monotonic(), None
                for msg in train(cfg, data):
                    if isinstance(msg, TrainProgress):
                        if msg.snapshot is not None and first is None:
                            first = time.monotonic() - t0
                    else:
                        done = msg
                t_train = time.monotonic() - t0
                s = test_score(done.snapshot, vol, truth, inlines=tests)
                s4 = test_score(done.snapshot, vol, truth, phases=4, inlines=tests)
                sf = test_score(done.snapshot, vol, truth, inlines=tests, flip=True)
                weak = min(s["recall"], key=s["recall"].get)
                table.setdefault(name, []).append((s["accuracy"], s["min_recall"], t_train,
                                                   sf["accuracy"]))
                print(f"  {il:7d} {seed:4d} {name:>8s} {s['accuracy']:6.3f} {s4['accuracy']:7.3f} "
                      f"{sf['accuracy']:6.3f} "
                      f"{s['min_recall']:7.3f} {names[weak - 1]:>24s} {done.steps:5d} "
                      f"{first:7.1f} {t_train:7.1f}", flush=True)
    for name, rows in table.items():
        acc, rec, sec, accf = np.array(rows).T
        print(f"  {name}: accuracy mean {acc.mean():.3f} (min {acc.min():.3f}, >= 0.85 in "
              f"{(acc >= 0.85).sum()}/{len(acc)}), min recall >= 0.60 in {(rec >= 0.6).sum()}/"
              f"{len(rec)} (lowest {rec.min():.3f}), training {sec.mean():.0f} s mean; "
              f"with flip averaging {accf.mean():.3f} (>= 0.85 in {(accf >= 0.85).sum()})")


def bench_seed004(minutes=1.5, only=()):
    print("\n== seed 004 comparison on the same strokes (train = painted pixels, test = 10 inlines)")
    vol, truth, _, data = setup()
    out = []
    # vgg16: the seed's SGD recipe is for ImageNet weights; none are available offline here,
    # so the random-init encoder is also shown with Adam for a fair architecture comparison
    for label, name, cfg, opt in (("waldeland", "waldeland", {}, None),
                                  ("vgg16-sgd", "vgg16", {"width": 0.25}, None),
                                  ("vgg16-adam", "vgg16", {"width": 0.25}, "adam"),
                                  ("resnet", "resnet", {"base": 16}, None)):
        if only and label not in only:
            continue
        rows, done = run(TrainConfig(model=name, model_cfg=cfg, epochs=40, minutes=minutes,
                                     patience=100, optimizer=opt), data, vol, truth, label)
        final = rows[-1]
        out.append((label, final[2], final[3], final[4]["accuracy"], final[4]["min_recall"],
                    final[1], sum(p.numel() for p in done.snapshot.state.values())))
    print(f"  {'model':10s} {'train':>6s} {'held-out':>8s} {'test':>6s} {'min rec':>7s} "
          f"{'steps':>5s} {'params':>9s}")
    for r in out:
        print(f"  {r[0]:10s} {r[1]:6.3f} {r[2]:8.3f} {r[3]:6.3f} {r[4]:7.3f} {r[5]:5d} {r[6]:9d}")


if __name__ == "__main__":
    torch.set_num_threads(2)
    parts = sys.argv[1:] or ["dense", "overlay", "gui", "frames", "quality", "seed004"]  # gui: + coldgui
    for part in parts:
        name, _, arg = part.partition(":")  # e.g. seed004:vgg16-adam
        globals()[f"bench_{name}"](**({"only": arg.split(",")} if arg else {}))
