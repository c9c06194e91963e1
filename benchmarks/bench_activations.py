"""Activation capture and panel update for an F3-sized inline (463 samples x 951 traces) on CPU.

Goal (issue 6): capture + panel update <= 200 ms for a small model, without
stalling the GUI. Measured side by side in one run:

* ``forward``: the model's full forward pass on the padded inline (reference);
* ``capture``: :func:`seisview.ml.activations.capture` of one layer (hooks,
  mirror padding, early stop after the layer);
* ``panel``: request -> page drawn in :class:`ActivationPanel` (worker thread,
  channel order by std, 16 channel maps drawn), and the longest GUI-thread
  stall while it runs (a 5 ms timer's largest gap) and the GUI thread's own
  CPU time per update (drawing only: the capture runs in the worker).

The shared development machines run many jobs at once, so wall-clock times
swing by several times; ``--clock cpu`` (default) reports process CPU time
with one torch thread, i.e. what one otherwise idle core would take.

Run: ``QT_QPA_PLATFORM=offscreen python benchmarks/bench_activations.py [--clock wall --threads 2]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


CLOCK = time.process_time


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up (receptive field measurement, allocator)
    times = []
    for _ in range(repeat):
        t = CLOCK()
        fn()
        times.append((CLOCK() - t) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (cpu clock: 1)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--model", default="unet")
    ap.add_argument("--base", type=int, default=8, help="U-Net width (small model)")
    args = ap.parse_args(argv)

    import torch

    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    args.threads = args.threads or (1 if args.clock == "cpu" else 2)
    torch.set_num_threads(args.threads)
    from PyQt6.QtCore import QTimer

    from seisview.core.geometry import SurveyGeometry
    from seisview.core.session import Session
    from seisview.core.volume import Volume
    from seisview.ml.activations import capture, layer_names
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot
    from seisview.qt.activation_panel import ActivationPanel
    from seisview.qt.app import make_app

    app = make_app()
    rng = np.random.default_rng(0)
    # a few inlines of F3 size: (il, xl, sample) = (3, 951, 463)
    cube = np.cumsum(rng.normal(size=(3, 951, 463)), axis=2).astype(np.float32)
    cube -= cube.mean(axis=2, keepdims=True)
    vol = Volume(cube, SurveyGeometry.regular(3, 951, 463))
    section = vol.inline(1)
    torch.manual_seed(0)
    cfg = {"base": args.base} if args.model == "unet" else {}
    net = build_model(args.model, 6, **cfg).eval()
    snap = ModelSnapshot.of(net, args.model, cfg, version=1)
    names = layer_names(net)
    print(f"model {args.model} {cfg}, {sum(p.numel() for p in net.parameters())} parameters, "
          f"layers {names}; inline {section.shape}; torch threads {args.threads}; {args.clock} clock")

    x = torch.from_numpy(section)[None, None]
    with torch.no_grad():
        t_forward = median_ms(lambda: net(x), args.repeat)
    print(f"{'forward (whole model, unpadded)':44s} {t_forward:8.1f} ms")
    rows = []
    for layer in names:
        t = median_ms(lambda layer=layer: capture(net, section, [layer]), args.repeat)
        rows.append((layer, t))
        print(f"{'capture ' + layer:44s} {t:8.1f} ms   ratio to forward {t / t_forward:5.2f}")

    session = Session()
    session.open_volume(vol)
    session.set_position("inline", 1)
    panel = ActivationPanel(session)
    panel.resize(900, 800)
    panel.show()
    panel.set_snapshot(snap)
    panel._pending.stop()
    gaps, last = [0.0], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    timer = QTimer(interval=5, timeout=tick)
    timer.start()
    for layer in (names[0], names[len(names) // 2]):
        panel.layer_box.blockSignals(True)
        panel.layer_box.setCurrentText(layer)
        panel.layer_box.blockSignals(False)
        results = []
        for i in range(args.repeat + 1):
            done = []
            panel.page_shown.connect(done.append)
            gaps[:] = [0.0]
            last[0] = time.perf_counter()
            t, gui = CLOCK(), time.thread_time()
            panel.request()
            while not done:
                app.processEvents()
                time.sleep(0.001)
            elapsed = (CLOCK() - t) * 1000
            gui_ms = (time.thread_time() - gui) * 1000
            panel.page_shown.disconnect(done.append)
            if i:  # first one warms up
                results.append((elapsed, max(gaps), gui_ms))
        med = statistics.median(r[0] for r in results)
        stall = max(r[1] for r in results)
        gui_ms = statistics.median(r[2] for r in results)
        print(f"{'panel update ' + layer + ' (request -> drawn)':44s} {med:8.1f} ms   "
              f"GUI thread {gui_ms:5.1f} ms CPU, longest wall stall {stall:5.1f} ms   "
              f"goal 200 ms: {'met' if med <= 200 else 'NOT met'}")
    timer.stop()
    panel.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
