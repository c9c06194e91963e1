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


def step_costs(prob: np.ndarray) -> np.ndarray:
    """``cost[k, j] = sum(p[:k, j]) + sum(1 - p[k:, j])``: L1 distance of trace ``j`` of
    ``prob`` ``(time, trace)`` to a Heaviside step starting at sample ``k`` (0..time)."""
    p = np.clip(np.asarray(prob, dtype=np.float64), 0.0, 1.0)
    n_t = p.shape[0]
    c = np.vstack([np.zeros((1, p.shape[1])), np.cumsum(p, axis=0)])  # c[k] = sum p[:k]
    k = np.arange(n_t + 1)[:, None]
    return c + (n_t - k) - (c[-1] - c)


def step_confidence(prob: np.ndarray, pick: np.ndarray, w: int = 16) -> np.ndarray:
    """How well ``prob`` matches a step at ``pick`` within ``w`` samples: 1 = a clean jump
    from 0 to 1, 0 = a flat 0.5 (no opinion)."""
    p = np.asarray(prob, dtype=np.float64)
    n_t = p.shape[0]
    conf = np.empty(p.shape[1])
    for j, kj in enumerate(np.asarray(pick, int)):
        lo, hi = max(kj - w, 0), min(kj + w, n_t)
        step = (np.arange(lo, hi) >= kj).astype(np.float64)
        conf[j] = np.clip(1.0 - 2.0 * np.abs(p[lo:hi, j] - step).mean(), 0.0, 1.0) if hi > lo else 0.0
    return conf


def picks_from_probability(prob: np.ndarray, subsample: bool = False
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Best single step per trace of ``prob`` ``(time, trace)`` in [0, 1].

    The pick minimises :func:`step_costs` (robust to isolated flickers, unlike
    the first crossing of 0.5); the confidence is :func:`step_confidence`.
    With ``subsample`` (a network trained on ramp targets, where 0.5 lies at the
    pick itself) the pick moves to where ``prob`` crosses 0.5 between the step's
    sample and the one before it. Returns ``(pick_sample, confidence)`` as float
    arrays of length ``trace``.
    """
    k = np.argmin(step_costs(prob), axis=0)
    pick = k.astype(np.float64)
    if subsample:
        p = np.clip(np.asarray(prob, dtype=np.float64), 0.0, 1.0)
        j = np.arange(p.shape[1])
        ok = (k >= 1) & (k < p.shape[0])
        a = p[np.clip(k - 1, 0, p.shape[0] - 1), j]
        b = p[np.clip(k, 0, p.shape[0] - 1), j]
        ok &= (a < 0.5) & (b >= 0.5)
        frac = np.where(ok, (0.5 - a) / np.where(ok, b - a, 1.0), 1.0)
        pick = np.where(ok, k - 1 + frac, pick)
    return pick, step_confidence(prob, k)


def consistent_picks(prob: np.ndarray, pick: np.ndarray, tol: float, side: int = 2
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Re-fit picks that disagree with the moveout of their neighbours on *both* sides.

    Each side's ``side`` nearest picks give a straight-line prediction for the
    trace (one-sided, so the V of a split spread at the source is no outlier); a
    pick more than ``tol`` samples from both predictions is re-fitted within
    ``tol`` of the nearer one, worst first, so one outlier does not condemn its
    neighbours. Returns ``(pick, refitted mask)``; traces must be in spatial order.
    """
    pick = np.asarray(pick, float).copy()
    n = pick.size
    refit = np.zeros(n, bool)
    cost = None
    for _ in range(n):
        dev, pred = _moveout_deviation(pick, side)
        dev[refit] = 0.0  # each trace is re-fitted once
        j = int(np.argmax(dev))
        if dev[j] <= tol:
            break
        if cost is None:
            cost = step_costs(prob)
        lo = int(np.clip(pred[j] - tol, 0, cost.shape[0] - 1))
        hi = int(np.clip(pred[j] + tol, lo, cost.shape[0] - 1))
        pick[j] = lo + int(np.argmin(cost[lo:hi + 1, j]))
        refit[j] = True
    return pick, refit


def _moveout_deviation(pick: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
    """Per trace: distance to the nearer one-sided line prediction, and that prediction."""
    n = pick.size
    dev, pred = np.zeros(n), pick.copy()
    for j in range(n):
        preds = []
        for idx in (np.arange(max(j - side, 0), j), np.arange(j + 1, min(j + 1 + side, n))):
            if idx.size >= 2:
                a, b = np.polyfit(idx, pick[idx], 1)
                preds.append(a * j + b)
            elif idx.size == 1:
                preds.append(pick[idx[0]])
        if preds:
            q = min(preds, key=lambda v: abs(pick[j] - v))
            dev[j], pred[j] = abs(pick[j] - q), q
    return dev, pred


def outward_picks(prob: np.ndarray, pick: np.ndarray, distance: np.ndarray, tol: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Re-fit picks that come earlier than their neighbour nearer to the source by > ``tol``.

    A first arrival reaches a farther receiver of the same shot later, not tens
    of ms earlier. Walking outward from the trace nearest the source (smallest
    ``distance``, e.g. |offset|) on each side, a pick more than ``tol`` samples
    before the last kept one is re-fitted within ``tol`` of the line through
    the two last kept picks (re-fitted picks are not kept as references, so one
    doubtful re-fit does not drag the next).
    This catches a run of noisy far traces that agree with each other but not
    with the gather, which :func:`consistent_picks` (both sides must disagree)
    cannot. Traces must be in spatial order; returns ``(pick, refitted mask)``.
    """
    pick = np.asarray(pick, float).copy()
    d = np.asarray(distance, float)
    n = pick.size
    refit = np.zeros(n, bool)
    if n < 3 or not np.isfinite(d).all() or np.ptp(d) == 0:
        return pick, refit
    cost = None
    src = int(np.argmin(d))
    for side in (range(src + 1, n), range(src - 1, -1, -1)):
        kept = [src]
        for j in side:
            ref = pick[kept[-1]]
            if pick[j] < ref - tol:
                pred = ref
                if len(kept) >= 2:
                    a, b = kept[-2], kept[-1]
                    pred = max(ref, pick[b] + (pick[b] - pick[a]) * (j - b) / (b - a))
                if cost is None:
                    cost = step_costs(prob)
                lo = int(np.clip(pred - tol, 0, cost.shape[0] - 1))
                hi = int(np.clip(pred + tol, lo, cost.shape[0] - 1))
                pick[j] = lo + int(np.argmin(cost[lo:hi + 1, j]))
                refit[j] = True
            else:
                kept.append(j)
    return pick, refit
