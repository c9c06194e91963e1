"""Where training runs: CUDA when present, CPU otherwise; deterministic seeds; OOM handling.

Out-of-memory policy (used by training and inference): on a CUDA OOM the
batch is halved and the step retried; when a batch of one still does not
fit, the job moves to the CPU and says so in its progress message.
"""

from __future__ import annotations

import random
import threading

import numpy as np
import torch

from seisview.core.errors import SeisviewError

# torch's intra-op thread count before anyone changed it (one per core by default)
DEFAULT_THREADS = torch.get_num_threads()


_first_import = threading.Lock()


def import_optimizer_support() -> None:
    """Import what the first ``torch.optim`` optimizer pulls in, one thread at a time.

    Constructing an optimizer imports ``torch._dynamo``: ~800 modules, among them
    ``torch.onnx`` whose import registers custom operators. The GUI's warm-up thread,
    a training worker and a test's own thread may all get there first; two threads
    in that import at once once failed with "operator onnx::RotaryEmbedding.opset23
    does not exist". Call it before creating an optimizer; after the first call it
    costs a lock and a dictionary lookup.
    """
    with _first_import:
        import torch._dynamo  # noqa: F401


def background_threads() -> int:
    """Torch threads for work beside an interactive GUI: one core stays free for the event loop.

    On 2 cores that is 1 thread: two OpenMP threads on two busy cores wait for each
    other at every barrier (measured 0.6-1.9 vs 8-12 training steps/s under load).
    """
    return max(1, DEFAULT_THREADS - 1)


def use_threads(n: int | None) -> None:
    """Set torch's intra-op threads for the calling thread's next ops (None: leave as is).

    Call it at the start of a worker thread: with OpenMP the count is per thread
    once set (torch also keeps it as the default for threads started later).
    """
    if n and torch.get_num_threads() != int(n):
        torch.set_num_threads(int(n))


def pick_device(preference: str | None = None) -> torch.device:
    """``"cuda"``/``"cpu"``/None (auto: CUDA when available)."""
    if preference in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if preference.startswith("cuda"):
        if not torch.cuda.is_available():
            raise SeisviewError("--device cuda asked for, but no CUDA GPU is available",
                                hint="use --device cpu (or leave --device out)")
        return torch.device(preference)
    if preference == "cpu":
        return torch.device("cpu")
    raise SeisviewError(f"unknown device {preference!r}", hint="use cpu or cuda")


def seed_everything(seed: int, deterministic: bool = True) -> torch.Generator:
    """Seed python, numpy and torch (CPU and CUDA); returns a torch generator for sampling."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
        if deterministic:
            torch.backends.cudnn.deterministic = True
            torch.backends.cudnn.benchmark = False
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def is_oom(exc: BaseException) -> bool:
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def free_cuda() -> None:
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class OOMFallback:
    """Tracks batch size and device across out-of-memory errors.

    ``on_oom()`` halves the batch; when it is already 1 it switches to the CPU
    (returns a message for the user) and, on the CPU, gives up with a
    ``SeisviewError``.
    """

    def __init__(self, device: torch.device, batch_size: int):
        self.device = device
        self.batch_size = int(batch_size)
        self.events: list[str] = []

    def on_oom(self) -> str:
        free_cuda()
        if self.batch_size > 1:
            self.batch_size //= 2
            msg = f"out of memory on {self.device}: batch halved to {self.batch_size}"
        elif self.device.type != "cpu":
            self.device = torch.device("cpu")
            msg = "out of memory on the GPU even with batch 1: continuing on the CPU"
        else:
            raise SeisviewError("out of memory on the CPU even with batch 1",
                                hint="use smaller crops or a smaller model (e.g. --model unet)")
        self.events.append(msg)
        return msg
