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

Every figure is a wall-clock median of interleaved pairs against the full forward pass
(benchmarks/_timing.compare: warm-up dropped on both sides, three runs, p95, the
runs' spread, load average; CPU-time ratio as a second column). The panel update's
goal is its own wall-clock median (and p95) in those pairs.

Run: ``QT_QPA_PLATFORM=offscreen python benchmarks/bench_activations.py [--threads 2]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare, loadavg  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the GUI's workers use 1 on 2 cores)")
    ap.add_argument("--repeat", type=int, default=7, help="pairs per run")
    ap.add_argument("--model", default="unet")
    ap.add_argument("--base", type=int, default=8, help="U-Net width (small model)")
    args = ap.parse_args(argv)

    import torch

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
          f"layers {names}; inline {section.shape}; torch threads {args.threads} | {loadavg()}")

    x = torch.from_numpy(section)[None, None]

    def forward():
        with torch.no_grad():
            net(x)

    for layer in names:
        cmp = compare(forward, lambda layer=layer: capture(net, section, [layer]), n=args.repeat)
        print(cmp.line(f"capture {layer} / forward (whole model, unpadded)",
                       names=("capture", "forward")))

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
        stalls, gui_cpu = [], []

        def update(stalls=stalls, gui_cpu=gui_cpu):
            done = []
            panel.page_shown.connect(done.append)
            gaps[:] = [0.0]
            last[0] = time.perf_counter()
            gui = time.thread_time()
            panel.request()
            while not done:
                app.processEvents()
                time.sleep(0.001)
            gui_cpu.append((time.thread_time() - gui) * 1000)
            stalls.append(max(gaps))
            panel.page_shown.disconnect(done.append)

        cmp = compare(forward, update, n=args.repeat)
        med, p95 = cmp.stats("subj")
        print(cmp.line(f"panel update {layer} (request -> drawn) / forward",
                       f"goal: update <= 200 ms: {'met' if med <= 0.2 else 'NOT met'} (p95 "
                       f"{'met' if p95 <= 0.2 else 'NOT met'})", names=("update", "forward")))
        print(f"      GUI thread {np.median(gui_cpu):.1f} ms CPU per update (median), longest "
              f"event-loop stall during an update {max(stalls):.1f} ms")
    timer.stop()
    panel.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
