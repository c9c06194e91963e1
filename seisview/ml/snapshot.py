"""``ModelSnapshot``: a frozen, CPU copy of a model that any thread can rebuild.

Training hands snapshots to the GUI and the CLI; inference, activation capture
and checkpoints work from snapshots only, never from the live training model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import torch

from seisview.ml.models import build_model


@dataclass(frozen=True, eq=False)
class ModelSnapshot:
    """Weights and everything needed to rebuild the model.

    Attributes
    ----------
    model : registry name of the model (``"waldeland"``, ``"unet"``, ...).
    n_classes : number of outputs; output index ``c`` is label id ``c + 1``.
    config : keyword options passed to ``build_model`` (JSON-serialisable).
    state : ``{name: tensor}`` CPU copies of the ``state_dict``.
    version : increases with each snapshot of one run (0 = initial weights).
    clip : amplitude clip used to scale input sections to [-1, 1].
    class_names : names of label ids 1..n_classes (may be empty).
    meta : free JSON-serialisable extras (run id, metrics, epoch, ...).
    """

    model: str
    n_classes: int
    config: dict
    state: dict[str, torch.Tensor]
    version: int = 0
    clip: float = 1.0
    class_names: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)

    @classmethod
    def of(cls, net: torch.nn.Module, model: str, config: dict, *, version: int = 0,
           clip: float = 1.0, class_names=(), meta: dict | None = None) -> ModelSnapshot:
        state = {k: v.detach().to("cpu", copy=True) for k, v in net.state_dict().items()}
        n_classes = int(net.n_classes)  # type: ignore[arg-type]  # torch types module attributes Tensor | Module
        return cls(model, n_classes, dict(config), state, version, float(clip),
                   tuple(class_names), dict(meta or {}))

    def build(self, device: str | torch.device = "cpu", train: bool = False) -> torch.nn.Module:
        """A fresh model with these weights, in eval mode unless ``train``."""
        net = build_model(self.model, self.n_classes, **self.config)
        net.load_state_dict(self.state)
        net.to(device)
        net.train(train)
        return net

    def header(self) -> dict:
        """JSON-serialisable description (everything but the weights)."""
        return {"model": self.model, "n_classes": self.n_classes, "config": self.config,
                "version": self.version, "clip": self.clip,
                "class_names": list(self.class_names), "meta": self.meta}

    def with_meta(self, **meta) -> ModelSnapshot:
        return ModelSnapshot(self.model, self.n_classes, self.config, self.state, self.version,
                             self.clip, self.class_names, {**self.meta, **meta})

    def __repr__(self) -> str:
        return f"ModelSnapshot({json.dumps(self.header())[:200]})"
