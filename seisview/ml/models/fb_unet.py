"""U-Net over gather crops for first-break picking.

Input: ``(batch, 1, time, trace)`` trace-normalised amplitudes. Output: one
logit per sample, the log-odds that the first break has *arrived* at that
time on that trace (a Heaviside target: 0 before the pick, 1 from it on).
Predicting a step instead of a spike gives every sample a label, so a few
gathers are enough, and the pick is recovered by fitting one step per trace
(:func:`picks_from_probability`). The encoder is the shared
:class:`~seisview.ml.models.autoencoder.Encoder`, so weights pretrained by the
autoencoder or the GAN load into it by name.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seisview.ml.models.autoencoder import DEFAULT_WIDTHS, ConvBlock, Encoder


class FirstBreakUNet(nn.Module):
    """``n_classes`` is accepted for ``build_model`` (snapshots record 2: arrived or not);
    the network has one output, the arrival logit."""

    def __init__(self, in_channels: int = 1, widths=DEFAULT_WIDTHS, n_classes: int = 2):
        super().__init__()
        self.n_classes = n_classes
        self.encoder = Encoder(in_channels, widths)
        w = self.encoder.widths
        self.ups = nn.ModuleList(
            ConvBlock(w[i] + w[i - 1], w[i - 1]) for i in range(len(w) - 1, 0, -1)
        )
        self.head = nn.Conv2d(w[0], 1, 1)

    @property
    def factor(self) -> int:
        return self.encoder.factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, 1, time, trace)``; any input size (padded internally)."""
        t, n = x.shape[-2:]
        f = self.factor
        pt, pn = (-t) % f, (-n) % f
        if pt or pn:
            # replicate, not zeros: a zero pad looks like a quiet trace before the arrival
            x = F.pad(x, (0, pn, 0, pt), mode="replicate")
        feats = self.encoder(x)
        y = feats[-1]
        for up, skip in zip(self.ups, reversed(feats[:-1]), strict=True):
            y = F.interpolate(y, size=skip.shape[-2:], mode="nearest")
            y = up(torch.cat([y, skip], dim=1))
        return self.head(y)[..., :t, :n]


def picks_from_probability(prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best single step per trace of ``prob`` ``(time, trace)`` in [0, 1].

    The pick ``k`` minimises ``sum(p[:k]) + sum(1 - p[k:])``, the L1 distance
    to a Heaviside step starting at ``k`` (robust to isolated flickers, unlike
    the first crossing of 0.5). Confidence is how well the probability matches
    that step within 16 samples of the pick: 1 for a clean jump from 0 to 1,
    0 for a flat 0.5 (no opinion).

    Returns ``(pick_sample, confidence)`` as float arrays of length ``trace``.
    """
    p = np.clip(np.asarray(prob, dtype=np.float64), 0.0, 1.0)
    n_t = p.shape[0]
    c = np.vstack([np.zeros((1, p.shape[1])), np.cumsum(p, axis=0)])  # c[k] = sum p[:k]
    total = c[-1]
    k = np.arange(n_t + 1)[:, None]
    cost = c + (n_t - k) - (total - c)
    pick = np.argmin(cost, axis=0)
    w = 16
    conf = np.empty(p.shape[1])
    for j, kj in enumerate(pick):
        lo, hi = max(kj - w, 0), min(kj + w, n_t)
        step = (np.arange(lo, hi) >= kj).astype(np.float64)
        conf[j] = np.clip(1.0 - 2.0 * np.abs(p[lo:hi, j] - step).mean(), 0.0, 1.0) if hi > lo else 0.0
    return pick.astype(np.float64), conf
