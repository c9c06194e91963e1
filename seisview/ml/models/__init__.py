"""Facies models and the ``build_model`` factory.

Every model maps a batch of sections ``(B, 1, H, W)`` (amplitudes already
clipped and scaled to about [-1, 1]) to logits at the input resolution
``(B, n_classes, H, W)``; class index ``c`` stands for label id ``c + 1``.
Every model exposes :meth:`named_layers` (an ordered ``{name: module}`` of
the layers worth looking at, shallow to deep) for activation capture, and a
``context`` attribute: how many pixels of context each side a prediction
needs (training masks out crop borders closer than this).
"""

from __future__ import annotations

from seisview.core.errors import SeisviewError

BUILTIN_MODELS = {
    "waldeland": "seisview.ml.models.waldeland:WaldelandCNN",
    "unet": "seisview.ml.models.unet:UNet",
    "vgg16": "seisview.ml.models.vgg:VGG16Facies",
    "resnet": "seisview.ml.models.resnet:ResNetFacies",
}


def model_class(name: str):
    """The class registered as model ``name`` (plugin registry, built-ins as fallback)."""
    from seisview.plugins import registry

    try:
        return registry.get("model", name)
    except SeisviewError:
        if name not in BUILTIN_MODELS:
            raise
    import importlib

    mod, _, attr = BUILTIN_MODELS[name].partition(":")
    return getattr(importlib.import_module(mod), attr)


def build_model(name: str, n_classes: int, **cfg):
    """Build model ``name`` with ``n_classes`` outputs; ``cfg`` are its keyword options.

    Raises ``SeisviewError`` for unknown names or bad options.
    """
    if n_classes < 2:
        raise SeisviewError(f"a facies model needs at least 2 classes, got {n_classes}",
                            hint="paint strokes of two or more classes")
    cls = model_class(name)
    try:
        return cls(n_classes=n_classes, **cfg)
    except TypeError as exc:
        raise SeisviewError(f"bad options for model {name!r}: {exc}",
                            hint="see `seisview train --help` for model options") from None
