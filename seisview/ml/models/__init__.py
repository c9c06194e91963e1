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


def model_class(name: str):
    """The class registered as model ``name`` (built-ins and plugins: ``seisview.builtins``)."""
    from seisview.plugins import registry

    return registry.get("model", name)


def model_meta(name: str) -> dict:
    """The manifest ``meta`` of model ``name`` (recipe, optimizer, ...); {} for an unknown one."""
    from seisview.plugins import registry

    try:
        return dict(registry.get_contribution("model", name).meta)
    except SeisviewError:
        return {}


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
