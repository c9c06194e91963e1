"""Where to label next: the regions whose strokes would teach the current model most.

One ranking serves the Training dock's "Label here next" list and ``seisview suggest``:
:func:`rank_regions` takes predictions of some sections and returns boxes, best first.

A box is worth painting when the model is unsure there (mean normalised softmax entropy
of its unlabelled pixels). Ten boxes on one uncertain blob teach about as much as one, so
the boxes are picked one at a time and each pick lowers the worth of what resembles it:
other boxes near it (``NEAR``), on its section (``SAME_SECTION``), between the same two
classes (``SAME_PAIR``: the two classes the model hesitates between there), and at its depth
on any vertical section (``SAME_LEVEL``: layers run across the survey). Sections that
already carry labels count less (``PAINTED``): the network has seen them; an uncertain
region on an unseen section says more about the rest of the survey.
(``benchmarks/bench_active_learning.py`` measures the ranking against random placement.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec
from seisview.core.volume import Volume

TOP = 6          # boxes the GUI lists and `seisview suggest` prints by default
WINDOW = 32      # box size in pixels (samples x traces, or inlines x crosslines)
SPREAD = 6       # sections of each vertical kind ranked when none is given
MIN_TRACES = 64  # narrower sections (a 2-D line's single-trace inlines) are not offered
# worth multipliers of a candidate for each box already picked that resembles it
SAME_SECTION = 0.7
SAME_PAIR = 0.8
NEAR = 0.5       # a box within two windows of a picked one on the same section
# a box at the depth of a picked one (rows within half a window) on any vertical section:
# layers run across the survey, so the same level is often the same unit and the same
# mistake (on the demo, all five first suggestions of every seed answered with one class)
SAME_LEVEL = 0.5
PAINTED = 0.5    # a section that already has labels


@dataclass(frozen=True)
class Suggestion:
    """A box of section ``spec`` in its array coordinates (rows, cols), best first.

    ``score`` is the worth it was picked with (uncertainty after the diversity factors),
    ``uncertainty`` the mean normalised entropy of its unlabelled pixels (0 certain,
    1 uniform), ``classes`` the two class ids the model hesitates between there.
    """

    spec: SectionSpec
    row: int
    col: int
    height: int
    width: int
    score: float
    uncertainty: float
    classes: tuple[int, int]

    @property
    def center(self) -> tuple[int, int]:
        return self.row + self.height // 2, self.col + self.width // 2

    def to_json(self, geometry) -> dict:
        """Line numbers and ms (or m), first and last of each range inclusive."""
        a = self.spec.volume_point(self.row, self.col)
        b = self.spec.volume_point(self.row + self.height - 1, self.col + self.width - 1)
        il = sorted(int(geometry.position("inline", i)) for i in (a[0], b[0]))
        xl = sorted(int(geometry.position("crossline", i)) for i in (a[1], b[1]))
        z = sorted(float(geometry.z_of(k)) for k in (a[2], b[2]))
        return {"section": geometry.spec_text(self.spec), "inline": il, "crossline": xl,
                geometry.z_name: z, "unit": geometry.z_unit, "score": round(float(self.score), 4)}

    def class_text(self, class_names=()) -> str:
        """``chaotic / clinoforms``: the two classes by name (``class 3`` when unnamed)."""
        return " / ".join(class_names[c - 1] if 0 < c <= len(class_names) and class_names[c - 1]
                          else f"class {c}" for c in self.classes)

    def describe(self, geometry, class_names=()) -> str:
        """``inline 200, crossline 350, 400 ms: 0.62 chaotic / clinoforms`` (box centre,
        uncertainty, the two classes)."""
        il, xl, k = self.spec.volume_point(*self.center)
        return (f"{geometry.describe_point(il, xl, k)}: {self.uncertainty:.2f} "
                f"{self.class_text(class_names)}")


@dataclass(frozen=True)
class _Candidate:
    spec: SectionSpec
    row: int
    col: int
    height: int
    width: int
    uncertainty: float
    pair: tuple[int, int]


def _windows(n: int, size: int) -> list[int]:
    """Window starts every half window, the last flush with the end."""
    starts = list(range(0, max(n - size, 0) + 1, max(size // 2, 1)))
    if starts[-1] != max(n - size, 0):
        starts.append(n - size)
    return starts


def _candidates(spec: SectionSpec, pred, exclude, window: int) -> list[_Candidate]:
    """Every half-overlapping box of one section with its uncertainty and class pair."""
    probs = np.asarray(pred.probs, np.float32)
    n_cls, h, w = probs.shape
    unc = np.asarray(pred.entropy, np.float64) / max(np.log(n_cls), 1e-9)
    free = np.ones((h, w), bool) if exclude is None else ~(np.asarray(exclude) > 0)
    # summed-area tables: the mean over each box's free pixels in O(1)
    s_unc = np.pad(np.where(free, unc, 0.0).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    s_free = np.pad(free.astype(np.float64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    wh, ww = min(window, h), min(window, w)
    out = []
    for r in _windows(h, wh):
        for c in _windows(w, ww):
            def box(t, r=r, c=c):
                return t[r + wh, c + ww] - t[r, c + ww] - t[r + wh, c] + t[r, c]
            n_free = box(s_free)
            if n_free < 0.25 * wh * ww:  # mostly painted (or dead): nothing left to teach
                continue
            out.append(_Candidate(spec, r, c, wh, ww, float(box(s_unc) / n_free), (0, 0)))
    return out


def _pair(pred, cand: _Candidate) -> tuple[int, int]:
    """The two most probable classes over a box (ids), as a sorted pair."""
    p = np.asarray(pred.probs[:, cand.row:cand.row + cand.height, cand.col:cand.col + cand.width])
    top = np.argsort(p.reshape(p.shape[0], -1).mean(1))[::-1][:2] + 1
    return (int(top.min()), int(top.max())) if top.size > 1 else (int(top[0]), int(top[0]))


def rank_regions(predictions: Mapping[SectionSpec, object], n: int = TOP, *,
                 exclude: Mapping[SectionSpec, np.ndarray | None] | None = None,
                 painted: Iterable[SectionSpec] = (), window: int = WINDOW) -> list[Suggestion]:
    """The ``n`` boxes of these sections most worth painting next, best first.

    ``predictions``: ``{spec: prediction}`` (anything with ``probs (C, H, W)`` and
    ``entropy (H, W)`` in nats, e.g. ``inference.SectionPrediction``); ``exclude``:
    ``{spec: mask}`` of pixels not to count (labelled, dead traces); ``painted``: sections
    that carry labels (a box there is worth ``PAINTED`` times as much). Boxes never overlap.
    """
    exclude = exclude or {}
    painted = set(painted)
    cands: list[_Candidate] = []
    for spec, pred in predictions.items():
        found = _candidates(spec, pred, exclude.get(spec), window)
        cands += [_Candidate(c.spec, c.row, c.col, c.height, c.width, c.uncertainty,
                             _pair(pred, c)) for c in found]
    if not cands:
        return []
    base = np.array([c.uncertainty * (PAINTED if c.spec in painted else 1.0) for c in cands])
    worth = base.copy()
    alive = np.ones(len(cands), bool)
    chosen: list[Suggestion] = []
    while len(chosen) < n and alive.any():
        i = int(np.argmax(np.where(alive, worth, -np.inf)))
        best = cands[i]
        chosen.append(Suggestion(best.spec, best.row, best.col, best.height, best.width,
                                 float(worth[i]), best.uncertainty, best.pair))
        for j, c in enumerate(cands):  # lower what resembles the pick
            if not alive[j]:
                continue
            if c.spec == best.spec:
                dr, dc = abs(c.row - best.row), abs(c.col - best.col)
                if dr < best.height and dc < best.width:
                    alive[j] = False  # overlaps it
                    continue
                worth[j] *= SAME_SECTION
                if dr < 2 * best.height and dc < 2 * best.width:
                    worth[j] *= NEAR
            if c.pair == best.pair:
                worth[j] *= SAME_PAIR
            if (c.spec.kind != "time" and best.spec.kind != "time"
                    and abs(c.row - best.row) < best.height // 2 + 1):
                worth[j] *= SAME_LEVEL
    return chosen


def spread_sections(volume: Volume, per_kind: int = SPREAD) -> list[SectionSpec]:
    """Vertical sections spread evenly through the survey: ``per_kind`` inlines and as many
    crosslines, of the kinds whose sections are at least ``MIN_TRACES`` traces wide (else of
    the kind with the wider sections: a 2-D line, a narrow survey)."""
    width = {"inline": volume.n_sections("crossline"), "crossline": volume.n_sections("inline")}
    kinds = [k for k in ("inline", "crossline") if width[k] >= MIN_TRACES]
    if not kinds:
        kinds = [max(("inline", "crossline"), key=lambda k: width[k])]
    specs = []
    for kind in kinds:
        count = volume.n_sections(kind)
        picks = np.unique(((np.arange(per_kind) + 0.5) * count / per_kind).astype(int))
        specs += [SectionSpec(kind, int(i)) for i in picks]
    return specs


def dead_mask(volume: Volume, spec: SectionSpec) -> np.ndarray | None:
    """Pixels of ``spec`` on dead traces (None when every trace is live)."""
    live = volume.live
    if live.all():
        return None
    h, w = volume.section_array(spec).shape
    if spec.kind == "inline":
        return np.broadcast_to(~live[spec.index][None, :], (h, w))
    if spec.kind == "crossline":
        return np.broadcast_to(~live[:, spec.index][None, :], (h, w))
    return ~live


def suggest(snapshot, volume: Volume, labels: Mapping[SectionSpec, np.ndarray] | None = None,
            specs: Iterable[SectionSpec] | None = None, n: int = TOP, *, window: int = WINDOW,
            state=None, device=None) -> list[Suggestion]:
    """Predict ``specs`` (default :func:`spread_sections` plus the painted vertical sections)
    with ``snapshot`` and rank their boxes (:func:`rank_predictions`); ``labels``
    ``{spec: mask}`` are the painted pixels (``LabelSet.snapshot()``)."""
    from seisview.ml.inference import predict_section

    painted = _painted(labels)
    if specs is None:
        specs = spread_sections(volume) + [s for s in painted if s.kind != "time"]
    specs = list(dict.fromkeys(specs))
    preds = {}
    for k, spec in enumerate(specs):
        if state is not None:
            state.check()
            state.set_progress(k / len(specs), f"predicting {volume.geometry.describe(spec)}")
        if not 0 <= spec.index < volume.n_sections(spec.kind):
            raise SeisviewError(f"{spec.kind} index {spec.index} is outside the survey",
                                hint=volume.geometry.spec_hint())
        preds[spec] = predict_section(snapshot, volume.section_array(spec), device=device)
    return rank_predictions(volume, preds, painted, n, window=window)


def rank_predictions(volume: Volume, predictions: Mapping[SectionSpec, object],
                     labels: Mapping[SectionSpec, np.ndarray] | None = None, n: int = TOP, *,
                     window: int = WINDOW) -> list[Suggestion]:
    """:func:`rank_regions` of predicted sections of ``volume``, leaving out labelled pixels and
    dead traces, painted sections counting less: what the GUI list and ``seisview suggest``
    both show."""
    painted = _painted(labels)
    exclude = {spec: _combine(painted.get(spec), dead_mask(volume, spec)) for spec in predictions}
    return rank_regions(predictions, n, exclude=exclude, painted=painted, window=window)


def _painted(labels) -> dict[SectionSpec, np.ndarray]:
    return {s: m for s, m in (labels or {}).items() if m is not None and np.asarray(m).any()}


def _combine(labelled, dead):
    if labelled is None:
        return dead
    if dead is None:
        return labelled
    return (np.asarray(labelled) > 0) | dead
