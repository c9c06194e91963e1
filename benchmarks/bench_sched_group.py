"""Why the GUI waits for a core while training: the process's scheduling group.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_sched_group.py [--seconds 6] [--rounds 2]

With ``sched_autogroup`` on (most desktop Linux; ``/proc/sys/kernel/sched_autogroup_enabled``)
each session is one scheduling group that competes with the other groups as a whole, and nice
values only order the threads inside a group. A 10 ms QTimer probes an idle Qt event loop
while a CPU burner (matrix products at nice 19, one BLAS thread) runs

* nowhere (baseline),
* as a thread of this process (as seisview's training worker runs), or
* as a process in a session of its own (``start_new_session``: its own group),

the three alternating, ``--rounds`` times. Printed: p99 and longest interval, and the GUI
thread's wait for a core per second (``/proc/self/task/TID/schedstat``), with the load average.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["OPENBLAS_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402

BURN = "import numpy as np, os\nos.nice(19)\na = np.random.rand(300, 300)\nwhile True: a @ a\n"


def _burn(stop: threading.Event) -> None:
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    a = np.random.rand(300, 300)
    while not stop.is_set():
        a @ a  # releases the interpreter lock: only the scheduler is measured


def _probe(seconds: float) -> tuple[float, float, float]:
    from PyQt6.QtCore import QElapsedTimer, QEventLoop, QTimer

    gaps, clock = [], QElapsedTimer()
    tick = QTimer(timeout=lambda: gaps.append(clock.restart()))
    fd = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)
    w0, t0 = int(os.pread(fd, 64, 0).split()[1]), time.monotonic()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    clock.start()
    tick.start(10)
    loop.exec()
    tick.stop()
    wait = (int(os.pread(fd, 64, 0).split()[1]) - w0) / 1e9 / (time.monotonic() - t0)
    os.close(fd)
    g = np.array(gaps[1:], float)
    return float(np.percentile(g, 99)), float(g.max()), wait


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841 (the event loop needs it)
    with open("/proc/sys/kernel/sched_autogroup_enabled") as f:
        print(f"== a CPU burner beside an idle event loop (sched_autogroup_enabled={f.read().strip()})")
    for _ in range(args.rounds):
        for where in ("none", "thread", "session"):
            stop, proc, th = threading.Event(), None, None
            if where == "thread":
                th = threading.Thread(target=_burn, args=(stop,), daemon=True)
                th.start()
            elif where == "session":
                proc = subprocess.Popen([sys.executable, "-c", BURN], start_new_session=True)
            time.sleep(1.0)
            p99, longest, wait = _probe(args.seconds)
            stop.set()
            if proc is not None:
                proc.kill()
                proc.wait()
            if th is not None:
                th.join()
            load = os.getloadavg()
            print(f"  burner {where:8s} p99 {p99:5.1f} ms, longest {longest:4.0f} ms, GUI thread "
                  f"waiting for a core {wait:.3f} s/s | load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
