"""A brush stamp from a mouse event in the main window, at several window sizes.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_brush_mouse.py
    xvfb-run -a -s "-screen 0 1920x1080x24" python benchmarks/bench_brush_mouse.py

The demo survey is open with a project whose inline already has a stroke (so the
section is labelled: its crossings show on the crossline and time-slice views and
its trace on the map, as for every stroke after the first); the brush is the
current tool. A second drag on the inline view, crossing the current crossline and
time slice, is replayed as real mouse events (press, moves, release) sent to the
view's viewport; moves come every 11 ms (a 100 Hz mouse); each move is timed until
the event loop is idle again, with everything it caused painted (the stamp, the
crosshair in every view, the map marker, the read-out, the crossings). Work
coalesced on a timer (the frame's crosshair, the labels' 40 ms redraw of map and
crossings) lands in the move during which it fires: nothing else runs the event
loop (the wait between moves does not, and the baseline only delivers posted
events, never timers), so it is in the p95. Pairs: a move event (subject) and
``LabelSet.drag_to`` of the same stroke called directly with the overlay repainted
(baseline: the labels themselves), interleaved, three runs (benchmarks/_timing.py).
Goal: p95 of a move <= 2 ms at any view size up to full screen. ``BENCH_PROFILE=1``
prints where the moves' GUI-thread CPU goes (cProfile on thread CPU time). Last, what
the user sees: the same drag for a second with the event loop running between moves (as
in the application), and how often each other view repaints its crosshair meanwhile.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from pathlib import Path

if not os.environ.get("DISPLAY"):  # under xvfb-run: the X screen (offscreen only without one)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


import numpy as np  # noqa: E402
from _timing import compare, loadavg  # noqa: E402

# window sizes; "views only": every dock hidden, the section views fill the screen
SIZES = ((1366, 768, False), (1920, 1080, False), (1920, 1080, True))


def bench(size, n=60):
    from PyQt6.QtCore import QPointF, Qt
    from PyQt6.QtGui import QMouseEvent
    from PyQt6.QtWidgets import QApplication

    from seisview.core.palette import Palette
    from seisview.io.demo import DEMO_CLASSES, demo_survey_path, demo_volume
    from seisview.io.project import Project
    from seisview.qt.app import make_app
    from seisview.qt.main_window import MainWindow

    app = make_app()
    prof = None
    if os.environ.get("BENCH_PROFILE"):  # where a move's CPU goes (GUI thread, own time)
        import cProfile

        prof = cProfile.Profile(time.thread_time)
    pal = Palette.from_list([{"id": i + 1, "name": nm, "color": c}
                             for i, (nm, c) in enumerate(DEMO_CLASSES)])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SEISVIEW_HOME"] = tmp
        project = Project.create(Path(tmp) / "b.seisview", demo_survey_path(), palette=pal)
        w = MainWindow()
        w.resize(*size[:2])
        w.show()
        w.session.open_volume(demo_volume())
        w.session.project = project
        ctl = w.panels["labels"].widget().ctl
        w.set_tool(ctl.tools["brush"], "section")
        view = w.section_views["inline"]
        port = view.plot_widget.viewport()
        warm = getattr(w.panels["training"].widget(), "warm_thread", None)
        if warm is not None:
            warm.join()  # the start-up imports of torch are done
        if size[2]:
            for dock in w.panels.values():
                dock.hide()
        for _ in range(20):
            app.processEvents()
        vw, vh = port.width(), port.height()
        # a smooth stroke, a few screen pixels per move (as a hand drags)
        pts = [QPointF(vw * (0.2 + 0.6 * i / n), vh * (0.5 + 0.1 * math.sin(i / 5))) for i in range(n + 1)]
        left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

        def send(kind, p, button, buttons):
            g = port.mapToGlobal(p.toPoint())
            ev = QMouseEvent(kind, p, QPointF(g), button, buttons, Qt.KeyboardModifier.NoModifier)
            QApplication.sendEvent(port, ev)

        state = {"i": 0, "t": 0.0}

        def pace(side):  # a 100 Hz mouse; the wait does not run the event loop, so work
            # deferred to a timer (the crosshair once per frame) is done, and timed, in a move
            time.sleep(max(0.0, 0.011 - (time.perf_counter() - state["t"])))
            active = labels._active  # the baseline redoes the last move's segment, not a
            if side == "baseline" and active is not None:  # zero-length one from where it ended
                i = state["i"]
                r, c = pixel(pts[i - 1 if i > 1 else n])
                active["last"] = (r - 0.5, c - 0.5)

        def painted_now():  # deliver posted events (the scene's dirty items, then the paint;
            # one processEvents delivers only those posted before it), but run no timer
            for _ in range(3):
                QApplication.sendPostedEvents()

        labels = project.labels
        spec = w.session.spec("inline")

        def pixel(p):
            q = view.viewbox.mapSceneToView(view.plot_widget.mapToScene(p.toPoint()))
            return view.plot_to_pixel(q.x(), q.y())

        # the first stroke, committed: another class, a fifth of the view lower
        first = [pixel(QPointF(p.x(), p.y() + 0.2 * vh)) for p in pts]
        labels.paint(spec, [(r - 0.5, c - 0.5) for r, c in first], 2, radius=ctl.radius)
        for _ in range(10):
            app.processEvents()
            time.sleep(0.01)

        def begin():
            state["i"] = 0
            send(QMouseEvent.Type.MouseButtonPress, pts[0], left, left)
            app.processEvents()

        gui_cpu = []  # the GUI thread's CPU per timed move (the scheduler's waits left out)

        def mouse_move():
            state["i"] = (state["i"] % n) + 1
            c0 = time.thread_time()
            if prof is not None:
                prof.enable()
            send(QMouseEvent.Type.MouseMove, pts[state["i"]], none, left)
            app.processEvents()  # the move and any timer due (one round of posted events)
            painted_now()  # what they posted: the scene's dirty items, then the paint itself
            if prof is not None:
                prof.disable()
            gui_cpu.append(time.thread_time() - c0)
            state["t"] = time.perf_counter()

        def core_stamp():  # the labels alone: the same stroke, the overlay's dirty rect painted
            if not labels.in_stroke:
                return
            row, col = pixel(pts[state["i"]])
            labels.drag_to(row - 0.5, col - 0.5)
            painted_now()

        begin()
        cmp = compare(core_stamp, mouse_move, n=n, warmup=3, runs=3, setup=pace)
        # what the user sees: the same drag for a second with the event loop running between
        # moves, as in the application; how often each other view repaints (its crosshair)
        others = {"crossline": w.section_views["crossline"], "time": w.section_views["time"], "map": w.map_view}
        painted_n = count_paints({k: o.plot_widget.viewport() for k, o in others.items()})
        t_run = time.perf_counter()
        for k in range(90):
            state["i"] = (state["i"] % n) + 1
            send(QMouseEvent.Type.MouseMove, pts[state["i"]], none, left)
            t_next = t_run + 0.011 * (k + 1)
            while time.perf_counter() < t_next:
                app.processEvents()
        t_run = time.perf_counter() - t_run
        timed_cpu = np.array(gui_cpu[3:3 + n] + gui_cpu[6 + n:6 + 2 * n] + gui_cpu[9 + 2 * n:]) * 1e3
        send(QMouseEvent.Type.MouseButtonRelease, pts[state["i"]], left, none)
        app.processEvents()
        mine = labels.mask(spec) == ctl.class_id
        painted = int(mine.sum())
        crosses = bool(mine[w.session.t_idx].any() and mine[:, w.session.xl_idx].any())
        w.close()
        project.close()
        os.environ.pop("SEISVIEW_HOME")
    docks = ", views only" if size[2] else ""
    print(cmp.line(f"window {size[0]}x{size[1]}{docks} (inline view {vw}x{vh}): mouse move / "
                   f"drag_to", "goal: move p95 <= 2 ms", ("move", "drag_to")))
    print(f"      move, GUI thread's CPU: median {np.median(timed_cpu):.2f} ms, p95 "
          f"{np.percentile(timed_cpu, 95):.2f} ms, max {timed_cpu.max():.2f} ms")
    print(f"      ({painted} pixels painted, across the crossline and time slice shown: {crosses}; "
          f"{QApplication.platformName()})")
    rates = ", ".join(f"{k} {c / t_run:.0f}/s" for k, c in painted_n.items())
    print(f"      what the user sees: the other views repaint (their crosshair) {rates} while "
          f"painting, a move every 11 ms and the event loop running in between")
    if prof is not None:
        import pstats

        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    return cmp


def count_paints(widgets: dict) -> dict:
    """Paint events each widget gets from now on (``{name: count}``, updated in place)."""
    from PyQt6.QtCore import QEvent, QObject

    counts = dict.fromkeys(widgets, 0)
    names = {id(wdg): k for k, wdg in widgets.items()}

    class Counter(QObject):
        def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
            if ev.type() == QEvent.Type.Paint and id(obj) in names:
                counts[names[id(obj)]] += 1
            return False

    count_paints.keep = counter = Counter()
    for wdg in widgets.values():
        wdg.installEventFilter(counter)
    return counts


if __name__ == "__main__":
    print(f"== brush stamp from a mouse event vs the labels alone | {loadavg()}")
    for s in SIZES:
        bench(s)
    time.sleep(0)
