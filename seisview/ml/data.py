"""Training data from painted labels: a frozen snapshot, crops and augmentations.

``make_training_data(volume, labels)`` freezes what training needs from the
label masks (``{SectionSpec: uint8 mask}``, 0 = unlabelled, k >= 1 = class k)
and the survey: the scaled sections, their Hilbert quadrature (for random
phase rotation), and a split of the painted pixels into a training part and a
held-out part (blocks of traces, so a stroke is split along its length and
neighbouring pixels do not leak between the two) used for early stopping.
Crops are sampled class-balanced around painted pixels; the loss is a masked
cross-entropy over painted pixels only (target -1 elsewhere). A few unpainted
sections go along: ``context`` (batch-norm statistics) and ``unlabelled`` (with
quadrature, for self-training's pseudo-labels, ``seisview.ml.self_training``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import hilbert

from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec
from seisview.core.volume import Volume

IGNORE = -1


@dataclass(frozen=True, eq=False)
class LabeledSection:
    spec: SectionSpec
    image: np.ndarray   # float32 (H, W), amplitudes / clip, clipped to [-1, 1]
    quad: np.ndarray    # float32 (H, W), Hilbert quadrature scaled the same way
    train: np.ndarray   # uint8 (H, W) class ids of the training part (0 = not used)
    val: np.ndarray     # uint8 (H, W) class ids of the held-out part


@dataclass(frozen=True, eq=False)
class TrainingData:
    """A frozen training set. ``n_classes`` = number of class ids (outputs of the model)."""

    sections: tuple[LabeledSection, ...]
    n_classes: int
    clip: float
    class_names: tuple[str, ...] = ()
    version: int = 0
    train_counts: dict = field(default_factory=dict)
    val_counts: dict = field(default_factory=dict)
    context: tuple[np.ndarray, ...] = ()  # unlabelled scaled sections (batch-norm statistics)
    # unlabelled sections of the labelled kinds, with quadrature (self-training pseudo-labels)
    unlabelled: tuple[LabeledSection, ...] = ()

    @property
    def classes(self) -> list[int]:
        return sorted(self.train_counts)

    def summary(self) -> str:
        n_tr = sum(self.train_counts.values())
        n_va = sum(self.val_counts.values())
        return (f"{len(self.sections)} section(s), {n_tr} training + {n_va} held-out pixels, "
                f"classes {self.classes}")


def scale_section(arr: np.ndarray, clip: float) -> np.ndarray:
    """Clip amplitudes at ``clip`` and scale to [-1, 1] (NaN/Inf -> 0), as seed 004 does."""
    a = np.nan_to_num(np.asarray(arr, np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    return np.clip(a / np.float32(clip), -1.0, 1.0).astype(np.float32)


def quadrature(volume: Volume, spec: SectionSpec, clip: float) -> np.ndarray:
    """Hilbert transform along time of a section's traces, scaled like the section."""
    if spec.kind != "time":
        q = np.imag(hilbert(np.nan_to_num(volume.section_array(spec).astype(np.float64)), axis=0))
        return scale_section(q, clip)
    # a time slice: transform the traces in a window of samples around it
    n_s = volume.shape[2]
    lo, hi = max(0, spec.index - 64), min(n_s, spec.index + 65)
    win = np.nan_to_num(np.asarray(volume.data[:, :, lo:hi], np.float64))
    return scale_section(np.imag(hilbert(win, axis=2))[:, :, spec.index - lo], clip)


def _as_mapping(labels) -> Mapping:
    if hasattr(labels, "snapshot") and callable(labels.snapshot):
        labels = labels.snapshot()
    if not isinstance(labels, Mapping):
        raise SeisviewError("labels must be a LabelSet or a {SectionSpec: mask} mapping",
                            hint="pass LabelSet.snapshot()")
    return labels


def _split(mask: np.ndarray, spec: SectionSpec, rng, val_fraction: float, block: int):
    """Assign blocks of traces (vertical sections) or tiles (slices) to the held-out part."""
    h, w = mask.shape
    cols = np.arange(w) // block
    if spec.kind == "time":
        rows = np.arange(h) // block
        ids = rows[:, None] * (cols.max() + 1) + cols[None, :]
    else:
        ids = np.broadcast_to(cols[None, :], mask.shape)
    n_ids = int(ids.max()) + 1
    is_val = rng.random(n_ids) < val_fraction
    held = is_val[ids] & (mask > 0)
    painted = np.unique(ids[mask > 0])
    if val_fraction > 0 and not held.any() and len(painted) >= 2:
        # no painted block drawn: hold one out anyway, or early stopping has nothing to watch
        # and every run goes on to the step cap (~1 split in 8 with 9 blocks per section)
        held = (ids == rng.choice(painted)) & (mask > 0)
    return np.where(held, 0, mask).astype(np.uint8), np.where(held, mask, 0).astype(np.uint8)


def make_training_data(volume: Volume, labels, n_classes: int | None = None, *,
                       class_names=(), val_fraction: float = 0.2, block: int = 24,
                       seed: int = 0, version: int = 0, clip: float | None = None,
                       n_context: int = 4, n_unlabelled: int = 8) -> TrainingData:
    """Freeze painted labels and the sections they lie on into a :class:`TrainingData`.

    Raises ``SeisviewError`` (before any training starts) when nothing is painted,
    only one class is painted, a section lies outside the survey or a mask has the
    wrong shape.
    """
    labels = _as_mapping(labels)
    clip = float(clip if clip is not None else volume.levels.clip) or 1.0
    rng = np.random.default_rng(seed)
    sections, max_id = [], 0
    train_counts: dict[int, int] = {}
    val_counts: dict[int, int] = {}
    for key in sorted(labels, key=lambda k: SectionSpec.from_key(k).key() if isinstance(k, str)
                      else k.key()):
        spec = SectionSpec.from_key(key) if isinstance(key, str) else key
        mask = np.asarray(labels[key])
        if not mask.any():
            continue
        n = volume.n_sections(spec.kind)
        if not 0 <= spec.index < n:
            raise SeisviewError(f"labels on {volume.geometry.describe(spec)} lie outside the survey "
                                f"({volume.geometry.extent_text()})",
                                hint="the labels belong to another survey; open the right one")
        if mask.shape != volume.section_shape(spec):
            raise SeisviewError(f"label mask of {volume.geometry.describe(spec)} has shape {mask.shape}, the section "
                                f"is {volume.section_shape(spec)}",
                                hint="the labels belong to another survey")
        mask = mask.astype(np.uint8)
        max_id = max(max_id, int(mask.max()))
        tr, va = _split(mask, spec, rng, val_fraction, block)
        image = scale_section(volume.section_array(spec), clip)
        sections.append(LabeledSection(spec, image, quadrature(volume, spec, clip), tr, va))
    if not sections:
        raise SeisviewError("no labels painted yet", hint="paint strokes of two or more classes")
    # every class needs training pixels: give a class's held-out pixels back if it has none
    fixed = list(sections)
    present = set().union(*(set(np.unique(s.train)) | set(np.unique(s.val)) for s in fixed)) - {0}
    for c in present:
        if not any((s.train == c).any() for s in fixed):
            fixed = [LabeledSection(s.spec, s.image, s.quad, np.where(s.val == c, c, s.train)
                                    .astype(np.uint8), np.where(s.val == c, 0, s.val)
                                    .astype(np.uint8)) for s in fixed]
    for s in fixed:
        for c, k in zip(*np.unique(s.train[s.train > 0], return_counts=True), strict=True):
            train_counts[int(c)] = train_counts.get(int(c), 0) + int(k)
        for c, k in zip(*np.unique(s.val[s.val > 0], return_counts=True), strict=True):
            val_counts[int(c)] = val_counts.get(int(c), 0) + int(k)
    if len(present) < 2:
        raise SeisviewError(f"only one class is painted (class {sorted(present)[0]})",
                            hint="paint strokes of at least two classes")
    n_classes = int(n_classes or max_id)
    if max_id > n_classes:
        raise SeisviewError(f"labels use class id {max_id} but the model has {n_classes} classes",
                            hint="add the class to the palette or retrain with more classes")
    return TrainingData(tuple(fixed), n_classes, clip, tuple(class_names), version,
                        train_counts, val_counts, context_sections(volume, fixed, clip, n_context),
                        unlabelled_sections(volume, fixed, clip, n_unlabelled))


def context_sections(volume: Volume, labelled, clip: float, n: int) -> tuple[np.ndarray, ...]:
    """A few evenly spread unlabelled sections of the kinds that carry labels.

    They need no labels: training uses them to estimate batch-norm statistics on
    whole sections of this survey, the input that prediction sees.
    """
    kinds = sorted({s.spec.kind for s in labelled})
    out = []
    for kind in kinds:
        m = volume.n_sections(kind)
        k = max(1, n // len(kinds))
        for i in np.unique(np.linspace(0, m - 1, k + 2)[1:-1].astype(int)):
            out.append(scale_section(volume.section_array(SectionSpec(kind, int(i))), clip))
    return tuple(out)


def unlabelled_sections(volume: Volume, labelled, clip: float, n: int):
    """``n`` evenly spread unpainted sections of the kinds that carry labels, with quadrature."""
    kinds = sorted({s.spec.kind for s in labelled})
    painted = {s.spec for s in labelled}
    out = []
    for kind in kinds:
        m = volume.n_sections(kind)
        k = max(1, n // len(kinds)) if n else 0
        for i in np.unique(np.linspace(0, m - 1, k + 2)[1:-1].astype(int)):
            spec = SectionSpec(kind, int(i))
            if spec in painted:
                continue
            image = scale_section(volume.section_array(spec), clip)
            empty = np.zeros(image.shape, np.uint8)
            out.append(LabeledSection(spec, image, quadrature(volume, spec, clip), empty, empty))
    return tuple(out)


class CropSampler:
    """Class-balanced crops around painted training pixels, with augmentations.

    Each crop is placed so that a painted pixel of a randomly chosen class lies
    inside it. Targets outside the painted training pixels are ``IGNORE``; so are
    pixels within ``context`` of a crop edge that is not a section edge (the
    network would see padding there that it never sees when predicting the
    whole section).

    ``focus`` (one bool mask per section of ``data``, or None): painted pixels to centre
    ``focus_share`` of the crops on (each of them alike): a continued run's strokes that its
    starting model gets wrong, which are otherwise a small share of the crops.
    """

    def __init__(self, data: TrainingData, crop: int = 128, context: int = 0, *,
                 phase_rotation: bool = True, flip: bool = True, gain: float = 0.2,
                 stretch: float = 0.0, seed: int = 0, focus=None, focus_share: float = 0.0):
        self.data = data
        self.context = int(context)
        self.phase_rotation, self.flip, self.gain = phase_rotation, flip, gain
        self.stretch = float(stretch)
        self.rng = np.random.default_rng(seed)
        want = max(int(crop), 2 * self.context + 32)
        self.ch = min(want, min(s.image.shape[0] for s in data.sections))
        self.cw = min(want, min(s.image.shape[1] for s in data.sections))
        self.pixels: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        for i, s in enumerate(data.sections):
            for c in np.unique(s.train[s.train > 0]):
                r, q = np.nonzero(s.train == c)
                self.pixels.setdefault(int(c), []).append((i, r, q))
        self.classes = sorted(self.pixels)
        self.focus: list[tuple[int, np.ndarray, np.ndarray]] = []
        for i, (s, f) in enumerate(zip(data.sections, focus or (), strict=False)):
            r, q = np.nonzero((s.train > 0) & np.asarray(f, bool))
            if r.size:
                self.focus.append((i, r, q))
        self.focus_share = float(focus_share) if self.focus else 0.0

    def _one(self):
        rng = self.rng
        if self.focus_share and rng.random() < self.focus_share:
            entries = self.focus  # any focus pixel alike: a few of one class draw few crops
        else:
            entries = self.pixels[self.classes[rng.integers(len(self.classes))]]
        sizes = np.array([len(e[1]) for e in entries], float)
        i, rows, cols = entries[rng.choice(len(entries), p=sizes / sizes.sum())]
        k = rng.integers(len(rows))
        s = self.data.sections[i]
        image, quad = s.image, s.quad
        h, w = image.shape
        m = self.context  # keep the chosen pixel out of the masked crop border
        hh = self.ch  # rows read; resampled to ch (time stretch) below
        if self.stretch:
            hh = int(np.clip(round(self.ch * (1 + self.stretch) ** rng.uniform(-1, 1)), 16, h))
        r0 = int(np.clip(rows[k] - rng.integers(min(m, hh // 2), max(hh - m, hh // 2 + 1)),
                         0, h - hh))
        c0 = int(np.clip(cols[k] - rng.integers(min(m, self.cw // 2), max(self.cw - m, self.cw // 2 + 1)),
                         0, w - self.cw))
        win = (slice(r0, r0 + hh), slice(c0, c0 + self.cw))
        x, q, y = image[win], quad[win], s.train[win]
        if hh != self.ch:  # layers thinner or thicker than painted: texture at another scale
            src_row = rows[k] - r0
            x, q, y = _stretch(x, q, y, self.ch)
            # squeezing can skip a 1-pixel stroke's row: keep the chosen pixel's row
            y[min(int((src_row + 0.5) * self.ch / hh), self.ch - 1)] = s.train[rows[k], c0:c0 + self.cw]
        if self.phase_rotation:
            theta = rng.uniform(0, 2 * np.pi)
            x = x * np.float32(np.cos(theta)) - q * np.float32(np.sin(theta))
        if self.gain:
            x = x * np.float32(rng.uniform(1 - self.gain, 1 + self.gain))
        y = y.astype(np.int64) - 1  # class id k -> index k-1, unpainted -> -1
        if m:
            if r0 > 0:
                y[:m] = IGNORE
            if c0 > 0:
                y[:, :m] = IGNORE
            if r0 + hh < h:
                y[-m:] = IGNORE
            if c0 + self.cw < w:
                y[:, -m:] = IGNORE
        if self.flip and rng.random() < 0.5:
            x, y = x[:, ::-1], y[:, ::-1]
        return np.ascontiguousarray(x, np.float32), np.ascontiguousarray(y)

    def batch(self, n: int):
        """``x`` float32 ``(n, 1, h, w)`` and ``y`` int64 ``(n, h, w)`` (numpy)."""
        xs, ys = zip(*(self._one() for _ in range(n)), strict=True)
        return np.stack(xs)[:, None], np.stack(ys)


def _stretch(x: np.ndarray, q: np.ndarray, y: np.ndarray, rows: int):
    """Resample a crop to ``rows`` rows along time (linear for data, nearest for labels)."""
    n = x.shape[0]
    src = (np.arange(rows) + 0.5) * (n / rows) - 0.5
    lo = np.clip(np.floor(src).astype(int), 0, n - 1)
    hi = np.minimum(lo + 1, n - 1)
    t = np.clip(src - lo, 0, 1).astype(np.float32)[:, None]
    near = np.clip(np.rint(src).astype(int), 0, n - 1)
    return x[lo] * (1 - t) + x[hi] * t, q[lo] * (1 - t) + q[hi] * t, y[near]
