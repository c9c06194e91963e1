"""What driving a trainer through ``TrainingRun.messages`` costs per message, against the
bare generator (interleaved, medians of 15 pairs of 20 000 messages, warm-up excluded;
wall clock and CPU time).

    python benchmarks/bench_run_overhead.py
"""

import os
import statistics
import time
from dataclasses import dataclass

from seisview.ml.progress import TrainDone, TrainProgress
from seisview.ml.training_run import TrainingRun

N = 20000


@dataclass(frozen=True)
class Config:
    steps: int = N


def trainer(config, data, state, relabel=None):
    """Stands in for a trainer: only messages, no work."""
    for i in range(config.steps):
        yield TrainProgress(0, i, 0.5, {}, 0, None, i / config.steps)
    yield TrainDone(None, {}, 1, config.steps, "epochs")


def timed(messages) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    for _ in messages:
        pass
    return time.perf_counter() - t, time.process_time() - c


def main() -> None:
    bare = lambda: trainer(Config(), None, None)  # noqa: E731
    run = lambda: TrainingRun("bench", "none", trainer, Config(), data=object()).messages()  # noqa: E731
    timed(bare())
    timed(run())  # warm-up
    pairs = [(timed(bare()), timed(run())) for _ in range(15)]
    for i, what in ((0, "wall"), (1, "CPU")):
        a = sorted(p[0][i] / N * 1e6 for p in pairs)
        b = sorted(p[1][i] / N * 1e6 for p in pairs)
        print(f"{what}: bare generator {statistics.median(a):.2f} us/message, through "
              f"TrainingRun {statistics.median(b):.2f} (p95 {b[13]:.2f}); "
              f"+{statistics.median(b) - statistics.median(a):.2f} us")
    print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
