"""Receptive field and cell registration of a layer, measured by back-propagation.

Architectures differ (same or valid convolutions, internal padding as in the
Waldeland patch network, odd strides), so nothing is assumed: the step of the
cell grid comes from how the layer's output grows with the input, the offset
and the receptive field from the gradient support of output cells.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import torch

from seisview.ml.layer_hooks import MAX_PAD, as_module, in_channels, resolve_layers, run_hooks


@dataclass(frozen=True)
class LayerGeometry:
    """Measured receptive-field half-width and cell registration of one layer."""

    half: tuple[int, int]
    step: tuple[float, float]
    offset: tuple[float, float]


_GEOMETRY: dict[tuple, LayerGeometry] = {}
_GEOMETRY_LOCK = threading.Lock()


def _support(m, mod, layer, x, cy, cx):
    """Bounding box of the input gradient of output cell (cy, cx): (r0, r1, c0, c1), r1/c1 exclusive."""
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        out = run_hooks(m, x, mod, keep_grad=True)[layer]
        cy, cx = min(cy, out.shape[2] - 1), min(cx, out.shape[3] - 1)
        out[:, :, cy, cx].abs().sum().backward()
    g = x.grad.abs().sum(axis=(0, 1)).numpy()
    rows, cols = np.nonzero(g > 0)
    if rows.size == 0:
        return None, out.shape
    return (int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1), out.shape


def _without_zero_weights(m: torch.nn.Module) -> torch.nn.Module:
    """A copy whose all-zero weight tensors are small constants: a zero-initialised layer
    (the U-Net's refinement) passes no gradient, and would measure a receptive field of 0."""
    if all(p.detach().any() for p in m.parameters() if p.dim() > 1):
        return m
    import copy

    m = copy.deepcopy(m)
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() > 1 and not p.any():
                p.fill_(0.01)
    return m


def layer_geometry(model, layer: str, multiple: int = 16) -> LayerGeometry:
    """Receptive field and registration of a layer, measured by back-propagation.

    The gradient support of an output cell near the centre gives the
    receptive field (its half-width around the cell's centre); the shift of
    that support between two cells ``d`` apart gives the step and the offset
    of the cell grid in input pixels (valid convolutions, internal padding or
    odd strides included). The probe grows until the support no longer
    reaches its edge (or ``MAX_PAD``). Cached per architecture and layer.
    """
    m = as_module(model)
    key = (type(m).__qualname__, hash(repr(m)), layer, multiple)
    with _GEOMETRY_LOCK:
        if key in _GEOMETRY:
            return _GEOMETRY[key]
    m = _without_zero_weights(m)
    mod = resolve_layers(m, [layer])
    c_in = in_channels(m)
    was_training = m.training
    m.eval()
    size = 64
    gen = torch.Generator().manual_seed(0)

    def out_shape(n):
        with torch.no_grad():
            return run_hooks(m, torch.zeros(1, c_in, n, n), mod)[layer].shape[2:]

    try:
        while True:
            size = int(math.ceil(size / multiple) * multiple)
            x = torch.randn(2, c_in, size, size, generator=gen)
            h, w = out_shape(size)
            # the step is exact from how the output grows with the input (by 64 or more, a
            # multiple of any power-of-two stride up to 64)
            delta = multiple * math.ceil(64 / multiple)
            h2, w2 = out_shape(size + delta)
            step = (delta / max(h2 - h, 1), delta / max(w2 - w, 1))
            cy, cx = h // 2, w // 2
            box, _ = _support(m, mod, layer, x, cy, cx)
            if box is None:  # no dependence on the input at all
                geo = LayerGeometry((0, 0), step, (step[0] / 2, step[1] / 2))
                break
            dy, dx = min(2, cy), min(2, cx)
            box2, _ = _support(m, mod, layer, x, cy - dy, cx - dx)
            boxes = [(box, cy, cx)] + ([(box2, cy - dy, cx - dx)] if box2 is not None else [])
            # the cell grid's offset: support centres minus cell index x step, averaged
            offset = (float(np.mean([(b[0] + b[1]) / 2 - i * step[0] for b, i, _ in boxes])),
                      float(np.mean([(b[2] + b[3]) / 2 - j * step[1] for b, _, j in boxes])))
            centre = (offset[0] + cy * step[0], offset[1] + cx * step[1])
            half = (int(math.ceil(max(centre[0] - box[0], box[1] - centre[0]))),
                    int(math.ceil(max(centre[1] - box[2], box[3] - centre[1]))))
            geo = LayerGeometry(half, step, offset)
            touches = any(b[0] == 0 or b[2] == 0 or b[1] == size or b[3] == size for b, _, _ in boxes)
            if not touches or size >= 2 * MAX_PAD:
                break
            size *= 2
    finally:
        m.train(was_training)
    with _GEOMETRY_LOCK:
        _GEOMETRY[key] = geo
    return geo
