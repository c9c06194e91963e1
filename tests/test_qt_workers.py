"""Workers: messages relayed to the GUI thread, one terminal message, cancel/pause, latest wins."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from seisview.core.errors import SeisviewError
from seisview.qt.workers import LatestRunner, TaskCancelled, TaskDone, TaskFailed, Worker


@dataclass(frozen=True)
class Step:
    i: int


def counting(n, *, state):
    for i in range(n):
        state.check()
        state.set_progress((i + 1) / n, f"step {i}")
        yield Step(i)
    return "finished"


def _collect(qtbot, w):
    msgs, ends, threads = [], [], []
    w.message.connect(lambda m: (msgs.append(m), threads.append(threading.current_thread())))
    w.finished.connect(ends.append)
    return msgs, ends, threads


def test_generator_messages_arrive_in_gui_thread_and_end_once(qtbot):
    w = Worker(counting, 5)
    msgs, ends, threads = _collect(qtbot, w)
    prog = []
    w.progress.connect(lambda f, m: prog.append(f))
    w.start()
    qtbot.waitUntil(lambda: len(ends) == 1, timeout=5000)
    assert msgs == [Step(i) for i in range(5)]
    assert set(threads) == {threading.main_thread()}
    assert ends == [TaskDone("finished", w.request_id)] and prog[-1] == 1.0
    with pytest.raises(RuntimeError):
        w.start()


def test_cancel_and_pause(qtbot):
    gate = threading.Event()

    def slow(*, state):
        i = 0
        while True:
            state.check()
            gate.set()
            i += 1
            yield Step(i)
            threading.Event().wait(0.005)

    w = Worker(slow)
    msgs, ends, _ = _collect(qtbot, w)
    w.start()
    assert gate.wait(5)
    w.pause()
    qtbot.wait(100)
    n_paused = len(msgs)
    qtbot.wait(150)
    assert len(msgs) <= n_paused + 2  # at most the steps in flight when paused
    w.resume()
    qtbot.waitUntil(lambda: len(msgs) > n_paused + 3, timeout=5000)
    w.cancel()
    assert w.wait(5)
    qtbot.waitUntil(lambda: len(ends) == 1, timeout=5000)
    assert isinstance(ends[0], TaskCancelled)


def test_failures_are_reported_not_lost(qtbot):
    def bad(*, state):
        raise SeisviewError("no inlines", hint="try --iline 9")

    def bug(*, state):
        return 1 / 0

    for fn, text in ((bad, "no inlines; try --iline 9"), (bug, "ZeroDivisionError")):
        w = Worker(fn)
        _, ends, _ = _collect(qtbot, w)
        w.start()
        qtbot.waitUntil(lambda e=ends: len(e) == 1, timeout=5000)
        assert isinstance(ends[0], TaskFailed) and text in ends[0].message


def test_latest_request_wins(qtbot):
    release = threading.Event()
    n_threads = threading.active_count()

    def job(value, wait, *, state):
        if wait:
            release.wait(5)
        return value

    r = LatestRunner()
    got = []
    r.result.connect(lambda rid, v: got.append((rid, v)))
    r.submit(job, "old", True)
    r.submit(job, "middle", False)  # queued, then replaced before it ever runs
    new_id = r.submit(job, "new", False)
    assert r.busy and threading.active_count() <= n_threads + 1  # one worker thread at a time
    release.set()
    qtbot.waitUntil(lambda: bool(got) and not r.busy, timeout=5000)
    r.cancel_all()
    qtbot.wait(50)
    assert got == [(new_id, "new")]  # the stale "old" answer was dropped, "middle" never ran


def test_finish_running_lets_an_update_end_and_answers_both(qtbot):
    """A stream of updates (a prediction per snapshot) must not cancel each run for the next."""
    release = threading.Event()

    def job(value, wait, *, state):
        if wait:
            release.wait(5)
        state.check()
        return value

    r = LatestRunner()
    got = []
    r.result.connect(lambda rid, v: got.append(v))
    r.submit(job, "v1", True)
    r.submit(job, "v2", False, finish_running=True)  # queued; v1 is not cancelled
    release.set()
    qtbot.waitUntil(lambda: len(got) == 2 and not r.busy, timeout=5000)
    assert got == ["v1", "v2"]
    r.cancel_all()


def test_request_submitted_from_the_result_slot_still_runs(qtbot, monkeypatch):
    """A request made while the answered worker's thread is winding down must start, not strand."""
    import seisview.qt.workers as workers

    # Pin the race: every thread still looks alive when its answer is handled.
    monkeypatch.setattr(workers.Worker, "running", property(lambda self: True))
    runner = LatestRunner()
    results = []

    def on_result(rid, value):
        results.append(value)
        if len(results) == 1:  # the previous thread has not exited yet at this point
            runner.submit(lambda *, state: "second")

    runner.result.connect(on_result)
    runner.submit(lambda *, state: "first")
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    assert results == ["first", "second"]
    runner.cancel_all()


def _own_nice(*, state):
    import os

    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_nice_worker_yields_to_the_gui_thread_and_plain_ones_do_not(qtbot):
    import os

    if not hasattr(os, "getpriority"):
        pytest.skip("per-thread niceness is Linux only")
    base = _own_nice(state=None)
    results = []
    for nice in (7, 0):
        w = Worker(_own_nice, nice=nice)
        w.finished.connect(results.append)
        n = len(results)
        w.start()
        qtbot.waitUntil(lambda n=n: len(results) > n, timeout=5000)
        w.wait(5)
    assert [r.result for r in results] == [min(19, base + 7), base]
    assert _own_nice(state=None) == base  # the GUI thread keeps its priority


def test_gui_collector_freezes_start_up_and_defers_full_collections_while_workers_run(qtbot, monkeypatch):
    import gc
    import sys

    from seisview.qt.app import GuiCollector

    jobs = sys.modules.get("seisview.ml.jobs")
    if jobs is not None and jobs._warm_thread is not None:
        jobs._warm_thread.join()  # a warm-up still importing counts as start-up
    calls = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: calls.append(generation) or 0)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "get_count", lambda: (800, 11, 11))  # every generation due
    from PyQt6.QtWidgets import QApplication

    collector = GuiCollector(QApplication.instance())
    collector.timer.stop()  # driven by hand here
    gate = threading.Event()
    w = Worker(lambda *, state: gate.wait(5))
    w.start()
    collector.check()  # a worker runs: no freeze, young generations only
    assert calls == [0, 1] and collector.deferred == 1 and not collector.frozen
    gate.set()
    w.wait(5)
    calls.clear()
    collector.check()  # start-up over: one full collection, then the survivors are frozen
    assert calls == [2, "freeze"] and collector.frozen
    calls.clear()
    collector.check()  # idle: full collections (of what is not frozen) run again
    assert calls == [0, 2]


def test_threads_are_reused_per_niceness_and_jobs_end_cleanly(qtbot):
    """A second job of the same niceness runs on the parked thread (no Thread.start wait)."""
    seen = {}

    def where(tag, *, state):
        seen.setdefault(tag, []).append(threading.get_native_id())
        return tag

    for tag, nice in (("a", 3), ("b", 3), ("c", 0), ("d", 0)):
        w = Worker(where, tag, nice=nice)
        ends = []
        w.finished.connect(ends.append)
        w.start()
        qtbot.waitUntil(lambda ends=ends: bool(ends), timeout=5000)
        assert w.wait(5) and not w.running and ends[0].result == tag
    assert seen["a"] == seen["b"] and seen["c"] == seen["d"]
    assert seen["a"] != seen["c"]  # a thread never serves two niceness values
    assert threading.get_native_id() not in (seen["a"][0], seen["c"][0])


def test_a_job_whose_worker_was_deleted_ends_quietly(qtbot):
    """The owner went away (window closed at once): the job is cancelled, no thread traceback."""
    import time

    from PyQt6 import sip

    errors = []
    old_hook = threading.excepthook
    threading.excepthook = errors.append
    try:
        started = threading.Event()

        def slow(*, state):
            started.set()
            for i in range(200):
                time.sleep(0.01)
                state.set_progress(i / 200, "")
                yield Step(i)

        w = Worker(slow).start()
        started.wait(5)
        state, done = w.state, w._done
        sip.delete(w)
        assert done.wait(5) and state.cancelled
    finally:
        threading.excepthook = old_hook
    assert not errors
