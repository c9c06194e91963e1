"""Named layers of any torch model and forward hooks that record their outputs.

The ground under :mod:`seisview.ml.activations` (capture) and
:mod:`seisview.ml.layer_geometry` (receptive fields), which both run a model
up to some of its layers.
"""

from __future__ import annotations

import threading

import torch
from torch import nn

from seisview.core.errors import SeisviewError

MAX_PAD = 512  # a layer whose receptive field exceeds this is padded by MAX_PAD (flagged)


def as_module(model) -> nn.Module:
    """The ``nn.Module`` of a model or of a snapshot-like object (``.model`` / ``.build()``)."""
    if isinstance(model, nn.Module):
        return model
    for attr in ("model", "module", "net"):
        m = getattr(model, attr, None)
        if isinstance(m, nn.Module):
            return m
    build = getattr(model, "build", None) or getattr(model, "to_module", None)
    if callable(build):
        m = build()
        if isinstance(m, nn.Module):
            return m
    raise SeisviewError(f"{type(model).__name__} is not a torch model",
                        hint="pass an nn.Module or a training snapshot")


def own_layers(m: nn.Module) -> dict[str, nn.Module]:
    """The model's own ``named_layers()`` (seisview models) or an empty dict."""
    fn = getattr(m, "named_layers", None)
    return dict(fn()) if callable(fn) else {}


def layer_names(model, leaves_only: bool = False) -> list[str]:
    """Layers worth looking at, shallow to deep.

    seisview models list theirs (``named_layers()``: ``enc0``.., ``dec0``.., ``head``);
    for any other module, every named sub-module in definition order.
    """
    m = as_module(model)
    own = own_layers(m)
    if own and not leaves_only:
        return list(own)
    return [n for n, mod in m.named_modules()
            if n and (not leaves_only or not any(True for _ in mod.children()))]


def in_channels(model) -> int:
    """Input channels: the model's ``in_channels``; 1 for seisview models (sections);
    else the first convolution's."""
    m = as_module(model)
    explicit = getattr(m, "in_channels", None)
    if isinstance(explicit, int):
        return explicit
    if own_layers(m):  # the seisview model contract: (B, 1, H, W) amplitudes
        return 1
    for mod in m.modules():
        if isinstance(mod, nn.Conv2d | nn.ConvTranspose2d):
            return int(mod.in_channels)
    return 1


def resolve_layers(m: nn.Module, layers) -> dict[str, nn.Module]:
    """The sub-modules named ``layers`` (own names first, then ``named_modules()``)."""
    mods = {**dict(m.named_modules()), **own_layers(m)}
    out = {}
    for name in layers:
        if name not in mods or not name:
            known = list(own_layers(m)) or [n for n in mods if n][:8]
            raise SeisviewError(f"the model has no layer {name!r}",
                                hint=f"choose from {', '.join(known)}")
        out[name] = mods[name]
    return out


class _Stop(Exception):
    """Raised by the last hook so the forward pass ends once every layer is recorded."""


def _first_tensor(out):
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, list | tuple):
        for o in out:
            t = _first_tensor(o)
            if t is not None:
                return t
    if isinstance(out, dict):
        return _first_tensor(list(out.values()))
    return None


def run_hooks(m: nn.Module, x: torch.Tensor, layers: dict[str, nn.Module], keep_grad: bool = False):
    """Run ``m(x)`` until every layer in ``layers`` has output; ``{name: (N, C, H, W) tensor}``."""
    got: dict[str, torch.Tensor] = {}
    handles = []
    owner = threading.get_ident()  # several threads may run the same model: record only ours

    def make(name):
        def hook(_mod, _inp, out):
            if threading.get_ident() != owner:
                return
            t = _first_tensor(out)
            if t is None or t.ndim != 4:
                raise SeisviewError(f"layer {name!r} does not output (N, C, H, W) maps",
                                    hint="choose a convolutional layer")
            got[name] = t if keep_grad else t.detach()
            if len(got) == len(layers):
                raise _Stop()
        return hook

    for name, mod in layers.items():
        handles.append(mod.register_forward_hook(make(name)))
    try:
        m(x)
    except _Stop:
        pass
    finally:
        for h in handles:
            h.remove()
    missing = [n for n in layers if n not in got]
    if missing:
        raise SeisviewError(f"layer(s) {missing} never ran in the forward pass",
                            hint="choose layers the model uses for this input")
    return got
