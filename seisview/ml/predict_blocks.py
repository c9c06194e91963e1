"""Predict volume as a block function of ``io.volume_jobs``: classes, probability, uncertainty.

The 3-D kernel is ``seisview.ml.volume_predict.predict_block`` (block with halo -> class
probabilities ``(C, il, xl, sample)``) when that module is present; without it each inline
of the block is predicted on its own by ``inference.predict_section`` with the block's
crossline halo as lateral context (the section loop's numbers, chunked). The weights arrive
as the ``snapshot`` keyword: the job runner scatters them to each worker once, and the built
network is cached per snapshot object in the worker (``inference._net_for``).
"""

from __future__ import annotations

import hashlib
import importlib.util

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
    from seisview.ml import volume_predict

    return getattr(volume_predict, "predict_block", None)


class PredictBlock:
    """Block function: the facies model's classes (always), probability and uncertainty."""

    def __init__(self, n_classes: int, model_id: str, *, probability: bool = False,
                 uncertainty: bool = False, phases: int = 1, flip: bool = False,
                 device: str | None = None, halo: int = DEFAULT_HALO, torch_threads: int | None = None):
        self.n_classes, self.model_id = int(n_classes), model_id
        self.phases, self.flip, self.device = int(phases), bool(flip), device
        self.torch_threads = torch_threads
        self.halo = (0, int(halo))
        outs = [Output("classes", "uint8", 0)]
        if probability:
            outs.append(Output("probability", "float32", float("nan"), ("class", self.n_classes)))
        if uncertainty:
            outs.append(Output("uncertainty", "float32", float("nan")))
        self.outputs = tuple(outs)

    def signature(self) -> dict:
        return {"kind": "predict", "model": self.model_id, "phases": self.phases, "flip": self.flip,
                "halo": list(self.halo)}

    def probabilities(self, block: np.ndarray, snapshot, check) -> np.ndarray:
        """``(C, il, xl, sample)`` float32 of one block."""
        kernel = _kernel()
        if kernel is not None:
            return np.asarray(kernel(snapshot, block, device=self.device, check=check), np.float32)
        from seisview.ml.inference import predict_section

        probs = np.empty((self.n_classes, *block.shape), np.float32)
        for i in range(block.shape[0]):
            check()
            p = predict_section(snapshot, block[i].T, device=self.device, phases=self.phases,
                                flip=self.flip)
            probs[:, i] = p.probs.transpose(0, 2, 1)
        return probs

    def __call__(self, block: np.ndarray, *, check=lambda: None, snapshot) -> dict[str, np.ndarray]:
        if self.torch_threads:
            from seisview.ml.device import use_threads

            use_threads(self.torch_threads)
        probs = self.probabilities(block, snapshot, check)
        out = {"classes": (probs.argmax(0) + 1).astype(np.uint8)}
        if any(o.name == "probability" for o in self.outputs):
            out["probability"] = probs
        if any(o.name == "uncertainty" for o in self.outputs):
            # softmax entropy / log C: 0 = certain, 1 = all classes equally likely
            ent = -(probs * np.log(np.clip(probs, 1e-12, None))).sum(0)
            out["uncertainty"] = (ent / np.log(max(self.n_classes, 2))).astype(np.float32)
        return out


def predict_job(snapshot, *, model_id: str | None = None, **options) -> tuple[PredictBlock, dict]:
    """The block function and its ``shared`` objects for ``io.volume_jobs.run_job``."""
    fn = PredictBlock(snapshot.n_classes, model_id or snapshot_id(snapshot), **options)
    return fn, {"snapshot": snapshot}
