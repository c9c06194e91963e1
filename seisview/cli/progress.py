"""The command line's view of long work: a one-line progress bar, and a training run
driven in the calling thread."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable


class ProgressBar:
    """A one-line progress bar on stderr (only when it is a terminal or forced)."""

    def __init__(self, quiet: bool = False, width: int = 30):
        self.quiet, self.width = quiet, width
        self._last = 0.0

    def update(self, fraction: float, text: str, force: bool = False) -> None:
        now = time.monotonic()
        tty = sys.stderr.isatty()
        # on a terminal redraw at most 5x a second; in a log only the epoch lines
        if self.quiet or (not force and (not tty or now - self._last < 0.2)):
            return
        self._last = now
        n = int(round(fraction * self.width))
        line = f"\r[{'#' * n}{'.' * (self.width - n)}] {fraction * 100:5.1f}% {text}"
        sys.stderr.write(line[:120].ljust(120) if tty else line.strip() + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if not self.quiet and sys.stderr.isatty():
            sys.stderr.write("\n")


def drive(run, bar: ProgressBar, line: Callable[[object], str]):
    """Iterate a ``TrainingRun`` in this thread with a progress bar (Ctrl-C cancels it, and
    it is recorded as cancelled with its last model); returns the terminal message."""
    from seisview.ml.progress import TrainProgress

    for msg in run.messages():
        if isinstance(msg, TrainProgress):
            bar.update(msg.fraction, line(msg), force=msg.snapshot is not None)
    bar.close()
    return run.end
