"""Capture layer activations of any torch model for a section, a map or a patch.

Forward hooks on named layers record their outputs for one 2-D input. The
input is mirror-padded by at least the receptive-field half-width of the
deepest requested layer (measured, not guessed: the gradient support of one
output cell), so no activation inside the input's own area ever sees the
network's zero padding. Activations are kept at their native resolution;
:meth:`LayerActivation.upsampled` registers channels back onto the input's
coordinates on demand (a page at a time: a layer with 512 channels on an
F3 inline would be almost a gigabyte upsampled), and
:meth:`LayerActivation.interior` gives the native cells that lie wholly
inside the input's area, which is what statistics use.

No Qt here. The viewer runs :func:`capture` in a worker thread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from seisview.core.errors import SeisviewError
from seisview.ml.layer_geometry import layer_geometry
from seisview.ml.layer_hooks import (
    MAX_PAD,
    as_module,
    in_channels,
    layer_names,  # noqa: F401 (callers take it from here with capture)
    resolve_layers,
    run_hooks,
)


@dataclass(frozen=True)
class LayerActivation:
    """Output of one layer for a padded input.

    ``native`` is ``(C, h, w)`` for the padded input of shape ``padded_shape``;
    the input's own area is ``box = (top, left, H, W)`` in padded coordinates.
    """

    name: str
    native: np.ndarray
    padded_shape: tuple[int, int]
    box: tuple[int, int, int, int]
    pad_ok: bool = True  # False when the receptive field exceeded the padding
    # measured registration: the centre of cell (i, j) lies at padded-input coordinates
    # (offset[0] + i * step[0], offset[1] + j * step[1]) (pixel p spans [p, p + 1));
    # None: cells assumed to tile the padded input evenly
    step: tuple[float, float] | None = None
    offset: tuple[float, float] | None = None

    @property
    def n_channels(self) -> int:
        return int(self.native.shape[0])

    @property
    def stride(self) -> tuple[float, float]:
        if self.step is not None:
            return self.step
        return (self.padded_shape[0] / self.native.shape[1], self.padded_shape[1] / self.native.shape[2])

    @property
    def origin(self) -> tuple[float, float]:
        """Padded-input coordinates of the centre of cell (0, 0)."""
        if self.offset is not None:
            return self.offset
        sr, sc = self.stride
        return sr / 2, sc / 2

    def cell_at(self, row: float, col: float) -> tuple[int, int]:
        """Native cell nearest to input pixel ``(row, col)`` (input, not padded, coordinates)."""
        (sr, sc), (orr, oc) = self.stride, self.origin
        i = int(round((self.box[0] + row + 0.5 - orr) / sr))
        j = int(round((self.box[1] + col + 0.5 - oc) / sc))
        return min(max(i, 0), self.native.shape[1] - 1), min(max(j, 0), self.native.shape[2] - 1)

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of the input (and of :meth:`upsampled` maps)."""
        return self.box[2], self.box[3]

    def interior(self, channels=None) -> np.ndarray:
        """Native cells wholly inside the input's area: ``(c, h', w')``."""
        (r0, r1), (c0, c1) = self._interior_cells()
        ch = slice(None) if channels is None else channels
        return self.native[ch, r0:r1, c0:c1]

    def _interior_cells(self):
        """Cells whose footprint (centre +- step / 2) lies inside the input's area."""
        top, left, h, w = self.box
        (sr, sc), (orr, oc) = self.stride, self.origin
        r0 = max(0, math.ceil((top - orr) / sr + 0.5 - 1e-9))
        r1 = min(self.native.shape[1], math.floor((top + h - orr) / sr - 0.5 + 1e-9) + 1)
        c0 = max(0, math.ceil((left - oc) / sc + 0.5 - 1e-9))
        c1 = min(self.native.shape[2], math.floor((left + w - oc) / sc - 0.5 + 1e-9) + 1)
        if r1 <= r0 or c1 <= c0:  # coarser than the input: keep the cell under its centre
            r0, c0 = self.cell_at(h / 2, w / 2)
            r1, c1 = r0 + 1, c0 + 1
        return (r0, r1), (c0, c1)

    def upsampled(self, channels=None) -> np.ndarray:
        """Channels bilinearly resampled onto the input's grid: ``(c, H, W)`` float32."""
        sel = self.native if channels is None else self.native[channels]
        if sel.ndim == 2:
            sel = sel[None]
        top, left, h, w = self.box
        (sr, sc), (orr, oc) = self.stride, self.origin
        ri, rw = _linear_weights((top + np.arange(h) + 0.5 - orr) / sr, sel.shape[1])
        ci, cw = _linear_weights((left + np.arange(w) + 0.5 - oc) / sc, sel.shape[2])
        rows = sel[:, ri[0]] * (1 - rw)[None, :, None] + sel[:, ri[1]] * rw[None, :, None]
        out = rows[:, :, ci[0]] * (1 - cw) + rows[:, :, ci[1]] * cw
        return out.astype(np.float32, copy=False)

    def page(self, page: int, per_page: int = 16, order=None) -> tuple[np.ndarray, np.ndarray]:
        """Channel indices and upsampled maps of one page (in ``order`` if given)."""
        idx = np.arange(self.n_channels) if order is None else np.asarray(order)
        n_pages = max(1, math.ceil(len(idx) / per_page))
        if not 0 <= page < n_pages:
            raise SeisviewError(f"page {page} of layer {self.name!r} (has {n_pages})",
                                hint=f"choose a page in 0..{n_pages - 1}")
        sel = idx[page * per_page:(page + 1) * per_page]
        return sel, self.upsampled(sel)


def _linear_weights(u: np.ndarray, n: int):
    """Neighbour indices and weights for linear interpolation at fractional cells ``u``."""
    u = np.clip(u, 0, n - 1)
    i0 = np.floor(u).astype(np.int64)
    i1 = np.minimum(i0 + 1, n - 1)
    return (i0, i1), (u - i0).astype(np.float32)


@dataclass(frozen=True)
class ActivationMaps:
    """Activations of several layers for one input (one capture request)."""

    layers: dict[str, LayerActivation]
    input_shape: tuple[int, int]
    pad: int
    request_id: int = 0
    meta: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> LayerActivation:
        return self.layers[name]


def receptive_field(model, layer: str, multiple: int = 16) -> tuple[int, int]:
    """Half-width (rows, cols) of a layer's receptive field, measured by back-propagation."""
    return layer_geometry(model, layer, multiple).half


def normalise(x: np.ndarray) -> np.ndarray:
    """Divide by the 99th percentile of |x| (the scaling the training data gets)."""
    a = np.asarray(x, np.float32)
    finite = np.isfinite(a)
    s = float(np.percentile(np.abs(a[finite]), 99)) if finite.any() else 0.0
    a = np.where(finite, a, 0.0).astype(np.float32)
    return a / s if s > 0 else a


@torch.no_grad()
def capture(model, x, layers, pad: int | None = None, multiple: int | None = None,
            region=None, normalize=True, device: str | torch.device = "cpu",
            request_id: int = 0) -> ActivationMaps:
    """Activations of ``layers`` for a 2-D input (section, map) or a patch of it.

    Parameters
    ----------
    model:
        any ``nn.Module`` taking ``(N, C, H, W)`` (or a snapshot, see :func:`as_module`).
    x:
        ``(H, W)`` array, or ``(C, H, W)`` for multi-channel models.
    layers:
        layer names (see :func:`layer_names`).
    pad:
        mirror padding; default: the largest measured receptive-field half-width.
    multiple:
        padded sizes are rounded up to this (U-Nets need multiples of 2^depth);
        default the model's ``size_multiple`` attribute or 16.
    region:
        ``(r0, r1, c0, c1)``: capture only this patch, padded with the real
        neighbouring data where there is some (mirror beyond).
    normalize:
        True: divide by the 99th percentile of |x|; a callable: applied to x; False: as is.
    """
    m = as_module(model)
    layers = [layers] if isinstance(layers, str) else list(layers)
    if not layers:
        raise SeisviewError("no layers chosen", hint="name at least one layer (see `layer_names()`)")
    mods = resolve_layers(m, layers)
    a = np.asarray(x, dtype=np.float32)
    if a.ndim == 2:
        a = a[None]
    c_in = in_channels(m)
    if a.ndim != 3 or a.shape[0] != c_in:
        raise SeisviewError(f"input of shape {np.shape(x)} for a model with {c_in} input channel(s)",
                            hint="pass a 2-D section or map (or a (C, H, W) stack for multi-channel models)")
    if a.shape[1] < 2 or a.shape[2] < 2:
        raise SeisviewError(f"input of shape {np.shape(x)} is too small", hint="pass at least 2 x 2 samples")
    if callable(normalize):
        a = np.asarray(normalize(a), np.float32)
    elif normalize:
        a = normalise(a)
    if multiple is None:
        multiple = int(getattr(m, "size_multiple", 16) or 1)
    pad_ok = True
    geo = {name: layer_geometry(m, name, multiple) for name in layers}
    if pad is None:
        pad = 0
        for name in layers:
            pad = max(pad, *geo[name].half)
        if pad >= MAX_PAD:
            pad_ok = False
        pad = min(pad + 1, MAX_PAD)
    r0, r1, c0, c1 = region if region is not None else (0, a.shape[1], 0, a.shape[2])
    h, w = r1 - r0, c1 - c0
    if not (0 <= r0 < r1 <= a.shape[1] and 0 <= c0 < c1 <= a.shape[2]):
        raise SeisviewError(f"patch {region} outside an input of shape {a.shape[1:]}",
                            hint="choose a patch inside the section")
    hp = int(math.ceil((h + 2 * pad) / multiple) * multiple)
    wp = int(math.ceil((w + 2 * pad) / multiple) * multiple)
    # mirror-pad the whole input wide enough, then cut the padded patch (real context first)
    extra_r, extra_c = hp - h - pad, wp - w - pad
    big = np.pad(a, ((0, 0), (pad, extra_r), (pad, extra_c)), mode="symmetric")
    xp = big[:, r0:r0 + hp, c0:c0 + wp]
    t = torch.from_numpy(np.ascontiguousarray(xp))[None].to(device)
    was_training = m.training
    m.eval()
    try:
        got = run_hooks(m, t, mods)
    finally:
        m.train(was_training)
    out = {name: LayerActivation(name, got[name][0].float().cpu().numpy(), (hp, wp), (pad, pad, h, w), pad_ok,
                                 geo[name].step, geo[name].offset)
           for name in layers}
    return ActivationMaps(out, (h, w), pad, request_id, {"region": region, "multiple": multiple})
