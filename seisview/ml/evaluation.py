"""Scoring predictions against ground truth and drawing interpreter-like thin strokes.

Used by the benchmarks and tests on the demo survey (``seisview.io.demo``), and
by anyone with a reference interpretation to score a run against.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def score(pred: np.ndarray, truth: np.ndarray, n_classes: int) -> dict:
    """Pixel accuracy and per-class recall of ``pred`` against ``truth`` (ids 1..n, 0 ignored)."""
    sel = truth > 0
    p, t = pred[sel], truth[sel]
    recall = {}
    for c in range(1, n_classes + 1):
        m = t == c
        if m.any():
            recall[c] = float((p[m] == c).mean())
    return {"accuracy": float((p == t).mean()) if t.size else float("nan"),
            "recall": recall, "min_recall": min(recall.values()) if recall else float("nan")}


def thin_strokes(truth_section: np.ndarray, fraction: float = 0.02, width: int = 3,
                 strokes_per_class: int = 3, seed: int = 0) -> np.ndarray:
    """Strokes like an interpreter paints: a few thin lines along the middle of each facies body.

    ``truth_section`` is ``(sample, trace)``; the strokes together cover at most
    ``fraction`` of the section. Returns a uint8 mask (0 = unlabelled).
    """
    rng = np.random.default_rng(seed)
    h, w = truth_section.shape
    classes = [c for c in np.unique(truth_section) if c > 0]
    budget = int(fraction * h * w)
    per_stroke = budget // max(len(classes) * strokes_per_class, 1)
    length = max(per_stroke // width, 4)
    out = np.zeros((h, w), np.uint8)  # C order: the trim below writes through ravel()
    for c in classes:
        body = truth_section == c
        # keep away from the body's edges so the stroke is clearly inside it
        core = ndimage.binary_erosion(body, iterations=width + 1)
        if not core.any():
            core = body
        cols = np.nonzero(core.any(0))[0]
        starts = np.linspace(cols.min(), max(cols.max() - length, cols.min()),
                             strokes_per_class).astype(int)
        for s in starts + rng.integers(-length // 4, length // 4 + 1, strokes_per_class):
            for col in range(max(s, 0), min(s + length, w)):
                rows = np.nonzero(core[:, col])[0]
                if rows.size == 0:
                    continue
                mid = int(np.median(rows))
                lo, hi = max(mid - (width - 1) // 2, 0), min(mid + width // 2 + 1, h)
                out[lo:hi, col] = np.where(body[lo:hi, col], c, out[lo:hi, col])
    # trim to the budget if rounding overshot
    idx = np.flatnonzero(out)
    if idx.size > budget:
        out.ravel()[rng.choice(idx, idx.size - budget, replace=False)] = 0
    return out
