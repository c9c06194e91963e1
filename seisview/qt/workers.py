"""Run a plain function in a worker thread and relay what it says to the GUI thread.

The function is the same one a test or the CLI calls: it takes a
``state=TaskState`` keyword, calls ``state.check()`` (cancel / pause) and
``state.set_progress()``, and either returns a result or is a generator that
yields typed messages (frozen dataclasses) and returns a result at the end::

    def train(config, data, *, state):
        for step in range(n):
            state.check()
            yield TrainProgress(step, loss)
        return snapshot

    w = Worker(train, config, data)
    w.message.connect(panel.on_progress)      # each yielded message, in the GUI thread
    w.progress.connect(bar.set)               # (fraction, text) from state.set_progress
    w.finished.connect(panel.on_end)          # exactly one TaskDone | TaskCancelled | TaskFailed
    w.start()
    ...
    w.cancel(); w.pause(); w.resume()

Only the GUI thread touches models: the worker gets snapshots and sends
messages. :class:`LatestRunner` keeps only the newest request alive and drops
answers to stale ones (section loads, predictions, activation captures).
"""

from __future__ import annotations

import atexit
import inspect
import itertools
import logging
import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from seisview.core.errors import SeisviewError
from seisview.core.tasks import Cancelled, TaskState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskDone:
    result: Any
    request_id: int = 0


@dataclass(frozen=True)
class TaskCancelled:
    request_id: int = 0


@dataclass(frozen=True)
class TaskFailed:
    error: BaseException
    message: str  # one line for the user (SeisviewError text, or "Type: message")
    traceback: str = ""
    request_id: int = 0


TERMINAL = (TaskDone, TaskCancelled, TaskFailed)

_ids = itertools.count(1)
_running: set[Worker] = set()  # started and not yet ended
_running_lock = threading.Lock()


def lower_thread_priority(nice: int = 5) -> None:
    """Let the GUI thread go first: raise the calling thread's nice value (Linux; else nothing).

    On Linux niceness is per thread, and the OpenMP pool threads torch starts
    from this thread inherit it, so a niced worker's whole team yields to the
    event loop on busy cores. A thread serves jobs of one niceness only, so the
    value is never lowered again.
    """
    import os

    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except (AttributeError, OSError):  # not Linux, or not allowed: run at the same priority
        pass


def jobs_running() -> int:
    """Workers started and not yet ended (their thread may still be picking the job up)."""
    with _running_lock:
        return len(_running)


def live_threads() -> list[threading.Thread]:
    """Threads running a worker's job now (the test fixture checks this is empty)."""
    with _running_lock:
        return [w.thread for w in _running if w.thread is not None]


class _ThreadPark:
    """Threads that wait for the next job of the same niceness instead of ending.

    ``Thread.start`` blocks its caller until the new thread has run: on busy cores
    that took up to 26 ms of the GUI thread for each prediction or capture
    (several a second while training). A parked thread takes a job without that
    wait, and keeps its niceness (which an unprivileged thread cannot lower again).
    """

    IDLE_S = 30.0  # a parked thread ends after this long without a job

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: dict[int, list[queue.SimpleQueue]] = {}

    def run(self, nice: int, job: Callable[[], None], name: str,
            after: Callable[[], None] = lambda: None) -> None:
        """Run ``job`` on a thread of ``nice``; ``after`` once the thread is free again."""
        with self._lock:
            idle = self._idle.get(nice)
            inbox = idle.pop() if idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(nice, inbox), name=name,
                             daemon=True).start()  # exit waits for running jobs (atexit)
        inbox.put((job, name, after))

    def _serve(self, nice: int, inbox: queue.SimpleQueue) -> None:
        if nice > 0:  # before any job starts a torch thread pool: the pool inherits it
            lower_thread_priority(nice)
        while True:
            try:
                job, name, after = inbox.get(timeout=self.IDLE_S)
            except queue.Empty:
                with self._lock:
                    idle = self._idle.get(nice, [])
                    if inbox in idle:  # nobody handed it a job meanwhile: end
                        idle.remove(inbox)
                        return
                continue  # run() took this inbox just now: its job is on the way
            threading.current_thread().name = name
            try:
                job()
            finally:
                with self._lock:  # free before `after`: a job started then finds this thread
                    self._idle.setdefault(nice, []).append(inbox)
                after()


_park = _ThreadPark()


@atexit.register
def _finish_running_jobs(timeout: float = 30.0) -> None:
    """Parked threads are daemons: let jobs still running at exit end (a checkpoint write)."""
    with _running_lock:
        running = list(_running)
    for w in running:
        w.wait(timeout)


class Worker(QObject):
    """One run of ``fn(*args, state=TaskState(), **kwargs)`` in a worker thread.

    ``nice`` > 0 runs it on a thread of lower priority (see
    :func:`lower_thread_priority`): background work beside the event loop.
    Threads are kept for the next job of the same ``nice`` (:class:`_ThreadPark`).
    ``task_state``: the job's own ``TaskState`` (a ``TrainingRun``'s), so that the owner's
    cancel / pause and the worker's reach the same job.
    """

    message = pyqtSignal(object)  # each yielded message
    progress = pyqtSignal(float, str)  # state.set_progress(fraction, text)
    finished = pyqtSignal(object)  # exactly one terminal message

    def __init__(self, fn: Callable, *args, name: str = "", request_id: int | None = None,
                 parent: QObject | None = None, nice: int = 0,
                 task_state: TaskState | None = None, **kwargs):
        super().__init__(parent)
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.nice = int(nice)
        self.request_id = next(_ids) if request_id is None else request_id
        self.name = name or getattr(fn, "__name__", "task")
        self.state = task_state if task_state is not None else \
            TaskState(on_progress=lambda f, m: self._emit("progress", f, m))
        self.terminal: object | None = None
        self.thread: threading.Thread | None = None  # the thread running the job
        self._started = False
        self._done = threading.Event()

    # -- owner side -------------------------------------------------------------
    def start(self) -> Worker:
        if self._started:
            raise RuntimeError("a Worker runs once; make a new one")
        self._started = True
        with _running_lock:
            _running.add(self)
        _park.run(max(0, self.nice), self._run, f"seisview-{self.name}", after=self._ended)
        return self

    def cancel(self) -> None:
        self.state.cancel()

    def pause(self) -> None:
        self.state.pause()

    def resume(self) -> None:
        self.state.resume()

    @property
    def running(self) -> bool:
        return self._started and not self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the job to end (True when it did). Queued messages still need the event loop."""
        return not self._started or self._done.wait(timeout)

    # -- worker thread ----------------------------------------------------------
    def _ended(self) -> None:
        with _running_lock:
            _running.discard(self)
        self._done.set()

    def _run(self) -> None:
        self.thread = threading.current_thread()
        rid = self.request_id
        gen = None
        try:
            out = self.fn(*self.args, state=self.state, **self.kwargs)
            if inspect.isgenerator(out):
                gen = out
                while True:
                    self.state.check()
                    try:
                        msg = next(gen)
                    except StopIteration as stop:
                        out = stop.value
                        break
                    self._emit("message", msg)
            self.state.check()  # a cancel that arrived during the last step still wins
            end: object = TaskDone(out, rid)
        except Cancelled:
            end = TaskCancelled(rid)
        except SeisviewError as exc:
            end = TaskFailed(exc, str(exc), traceback.format_exc(), rid)
        except Exception as exc:  # reported to the GUI, never lost in a thread
            log.exception("worker %s failed", self.name)
            end = TaskFailed(exc, f"{type(exc).__name__}: {exc}", traceback.format_exc(), rid)
        finally:
            if gen is not None:  # a generator left at a yield ends here, in this thread
                try:
                    gen.close()
                except Exception:
                    log.exception("worker %s: closing its job failed", self.name)
        self.terminal = end
        self._emit("finished", end)

    def _emit(self, signal: str, *args) -> None:
        """Emit, unless the Qt side of this object is gone (its owner was deleted while the
        job ran, e.g. a window closed at once): then nobody listens and the job is cancelled."""
        try:
            getattr(self, signal).emit(*args)
        except RuntimeError:
            self.state.cancel()


class LatestRunner(QObject):
    """Latest request wins, one thread at a time.

    ``submit`` cancels the running request (unless ``finish_running``) and queues the new one; it starts
    when the running one has ended (a cancelled read still finishes its chunk,
    and stacking threads would only fight the GUI for the interpreter lock).
    Requests queued meanwhile replace each other. ``result(request_id, value)``
    and ``failed(request_id, TaskFailed)`` are emitted for the newest request only.
    """

    result = pyqtSignal(int, object)
    failed = pyqtSignal(int, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._current: Worker | None = None
        self._ending: Worker | None = None  # answered, its thread still winding down
        self._pending: tuple | None = None
        self._deliver: set[int] = set()  # superseded requests whose answers still count
        self.latest_id = 0

    def submit(self, fn: Callable, *args, finish_running: bool = False, **kwargs) -> int:
        """Queue ``fn(*args, **kwargs)`` as the newest request; returns its id.

        ``finish_running=True`` lets a running request end instead of cancelling it, and
        still emits its answer: for a stream of updates (a prediction per training snapshot)
        where cancelling each run for the next could leave the user with no update at all.
        """
        rid = next(_ids)
        self.latest_id = rid
        if self._current is not None and self._current.running:
            if finish_running:
                self._deliver.add(self._current.request_id)
            else:
                self._current.cancel()
            self._pending = (rid, fn, args, kwargs)
        else:
            self._start(rid, fn, args, kwargs)
        return rid

    def _start(self, rid: int, fn: Callable, args, kwargs) -> None:
        w = Worker(fn, *args, request_id=rid, parent=self, **kwargs)
        w.finished.connect(self._on_finished)
        self._current = w
        w.start()

    def _on_finished(self, end) -> None:
        # The thread lives a moment after its terminal message: forget it now, so a
        # request submitted in that moment starts at once instead of waiting for a
        # finish that was already handled.
        self._ending, self._current = self._current, None
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._start(*pending)
        if end.request_id != self.latest_id and end.request_id not in self._deliver:
            return  # stale answer
        self._deliver.discard(end.request_id)
        if isinstance(end, TaskDone):
            self.result.emit(end.request_id, end.result)
        elif isinstance(end, TaskFailed):
            self.failed.emit(end.request_id, end)

    def cancel_all(self, wait: float | None = 5.0) -> None:
        """Cancel the running request and drop the queued one (join the thread unless wait=None)."""
        self._pending = None
        self._deliver.clear()
        for w in (self._current, self._ending):
            if w is not None:
                w.cancel()
                if wait is not None:
                    w.wait(wait)

    @property
    def busy(self) -> bool:
        return self._pending is not None or (self._current is not None and self._current.running)
