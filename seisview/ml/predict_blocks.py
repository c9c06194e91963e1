"""Predict volume as a block function of ``io.volume_jobs``: classes, probability, uncertainty.

The 3-D kernel is ``seisview.ml.volume_predict.predict_block`` (block with halo -> class
probabilities of the core, consistent across sections) when that module is present; without
it (or with ``use_kernel=False``) each inline of the block is predicted on its own by
``inference.predict_section`` with the block's crossline halo as lateral context (the
section loop's numbers, chunked). The weights arrive
as the ``snapshot`` keyword: the job runner scatters them to each worker once, and the built
network is cached per snapshot object in the worker (``inference._net_for``).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from typing import Any

import numpy as np

from seisview.io.volume_jobs import Output

DEFAULT_HALO = 32  # traces each side: the default U-Net's context at the logit resolution


def snapshot_id(snapshot) -> str:
    """A short hash of a snapshot's weights (the resume signature of a prediction)."""
    h = hashlib.sha1()
    for name in sorted(snapshot.state):
        h.update(name.encode())
        h.update(np.ascontiguousarray(snapshot.state[name].detach().cpu().numpy()).tobytes())
    return h.hexdigest()[:16]


def _kernel():
    if importlib.util.find_spec("seisview.ml.volume_predict") is None:
        return None
    return getattr(importlib.import_module("seisview.ml.volume_predict"), "predict_block", None)


class _Check:
    """The kernel's ``state`` argument (it calls ``state.check()``) over a check callable."""

    def __init__(self, check):
        self.check = check


class PredictBlock:
    """Block function: the facies model's classes (always), probability and uncertainty.

    ``halo`` None: what the 3-D kernel needs for this snapshot (``required_halo`` across the
    sections it predicts along, the blending reach along the others), else ``DEFAULT_HALO``
    crosslines for the per-inline fallback."""

    def __init__(self, n_classes: int, model_id: str, *, probability: bool = False,
                 uncertainty: bool = False, phases: int = 1, flip: bool = False,
                 device: str | None = None, halo: tuple[int, int] | None = None,
                 torch_threads: int | None = None, snapshot=None, use_kernel: bool = True):
        self.n_classes, self.model_id = int(n_classes), model_id
        self.phases, self.flip, self.device = int(phases), bool(flip), device
        self.torch_threads = torch_threads
        self.use_kernel = bool(use_kernel) and _kernel() is not None
        if halo is None:
            halo = kernel_halo(snapshot, device) if self.use_kernel and snapshot is not None \
                else (0, DEFAULT_HALO)
        self.halo = (int(halo[0]), int(halo[1]))
        outs = [Output("classes", "uint8", 0)]
        if probability:
            outs.append(Output("probability", "float32", float("nan"), ("class", self.n_classes)))
        if uncertainty:
            outs.append(Output("uncertainty", "float32", float("nan")))
        self.outputs = tuple(outs)

    def task_bytes(self, core: int, block: int) -> int:
        """Working memory of one block (measured on F3-wide blocks, docs/measurements.md):
        the kernel keeps about 20 bytes per class and core sample (probabilities per
        direction, blended and summed) plus ~12 per block sample (scaled copy, sections);
        the section loop 8 per class and core sample plus one section's network activations."""
        if self.use_kernel:
            return 20 * self.n_classes * core + 12 * block + 200 * 2**20
        return 8 * self.n_classes * core + 8 * block + 300 * 2**20

    def signature(self) -> dict:
        return {"kind": "predict", "model": self.model_id, "phases": self.phases, "flip": self.flip,
                "halo": list(self.halo), "kernel": "volume_predict" if self.use_kernel else "sections"}

    def probabilities(self, block: np.ndarray, snapshot, check, halo, origin) -> np.ndarray:
        """``(C, il, xl, sample)`` float32 of the block's core."""
        if self.use_kernel:
            pred = _kernel()(snapshot, block, halo=halo, origin=origin, phases=self.phases,
                             flip=self.flip, device=self.device, state=_Check(check))
            return np.asarray(pred.probability, np.float32)
        from seisview.ml.inference import predict_section

        (a, b), (c, d), _ = halo
        probs = np.empty((self.n_classes, block.shape[0] - a - b, block.shape[1] - c - d,
                          block.shape[2]), np.float32)
        for k in range(probs.shape[1]):
            check()
            p = predict_section(snapshot, block[a + k].T, device=self.device, phases=self.phases,
                                flip=self.flip)
            probs[:, k] = p.probs[:, :, c:block.shape[1] - d].transpose(0, 2, 1)
        return probs

    def __call__(self, block: np.ndarray, *, check=lambda: None, halo=((0, 0),) * 3, origin=(0, 0, 0),
                 snapshot) -> dict[str, np.ndarray]:
        if self.torch_threads:
            from seisview.ml.device import use_threads

            use_threads(self.torch_threads)
        probs = self.probabilities(block, snapshot, check, halo, origin)
        out = {"classes": (probs.argmax(0) + 1).astype(np.uint8)}
        if any(o.name == "probability" for o in self.outputs):
            out["probability"] = probs
        if any(o.name == "uncertainty" for o in self.outputs):
            # softmax entropy / log C: 0 = certain, 1 = all classes equally likely
            ent = -(probs * np.log(np.clip(probs, 1e-12, None))).sum(0)
            out["uncertainty"] = (ent / np.log(max(self.n_classes, 2))).astype(np.float32)
        return out


def kernel_halo(snapshot, device=None) -> tuple[int, int]:
    """(inline, crossline) halo of the 3-D kernel: its full halo across the sections it
    predicts along (a network's reach), the blending reach across the others."""
    vp: Any = importlib.import_module("seisview.ml.volume_predict")

    h_il, h_xl, _ = vp.block_halo(snapshot, device=device)  # whole traces: no sample halo
    return h_il, h_xl


def predict_job(snapshot, *, model_id: str | None = None, **options) -> tuple[PredictBlock, dict]:
    """The block function and its ``shared`` objects for ``io.volume_jobs.run_job``."""
    fn = PredictBlock(snapshot.n_classes, model_id or snapshot_id(snapshot), snapshot=snapshot, **options)
    return fn, {"snapshot": snapshot}
