"""Self-training: the model's own confident predictions on unpainted pixels as extra targets.

A few thin strokes cover <= 2 % of one section; the rest of that section and the
unlabelled context sections of the survey (``TrainingData.context``) are free
input. After a first fit, the snapshot predicts them; the pixels it is most sure
of, away from its own class boundaries (where its errors sit), become pseudo-labels
that a second sampler crops from, with a lower loss weight than the strokes.
The painted strokes and the held-out strokes are never replaced: held-out pixels
stay out of the pseudo-labels so early stopping still measures something unseen.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage
from scipy.signal import hilbert

from seisview.core.section import SectionSpec
from seisview.ml.data import CropSampler, LabeledSection, TrainingData


def _quadrature_of(image: np.ndarray) -> np.ndarray:
    """Hilbert quadrature along time of an already scaled vertical section."""
    return np.clip(np.imag(hilbert(image.astype(np.float64), axis=0)), -1, 1).astype(np.float32)


@torch.no_grad()
def _probs(net: torch.nn.Module, image: np.ndarray, device) -> np.ndarray:
    net.eval()
    logits = net(torch.from_numpy(image)[None, None].to(device))[0]
    return torch.softmax(logits.float(), 0).cpu().numpy()


def select_confident(probs: np.ndarray, keep: float, erode: int) -> np.ndarray:
    """Label ids (1..C, 0 = unused) of the most confident pixels of each predicted class.

    A class's region is eroded by ``erode`` pixels first (its boundary is where the
    prediction is least reliable); of what is left, the ``keep`` fraction with the
    highest probability is kept, per class, so a dominant class cannot crowd out the rest.
    """
    cls = probs.argmax(0)
    conf = probs.max(0)
    out = np.zeros(cls.shape, np.uint8)
    for c in range(probs.shape[0]):
        region = cls == c
        if erode:
            region = ndimage.binary_erosion(region, iterations=erode)
        if not region.any():
            continue
        cut = np.quantile(conf[region], 1.0 - keep)
        out[region & (conf >= cut)] = c + 1
    return out


def pseudo_labelled(net: torch.nn.Module, data: TrainingData, device, *, keep: float = 0.5,
                    erode: int = 4, check=None) -> TrainingData | None:
    """A training set of pseudo-labels on the painted sections and the context sections.

    Painted training strokes override the pseudo-labels; held-out strokes are blanked.
    The unpainted sections are ``data.unlabelled`` or, when it is empty (older
    callers), the context sections, used only when every labelled section is
    vertical (their kind is then known and their quadrature is taken along time).
    ``None`` when no pixel qualifies. ``check`` is called before each section (a cancel
    check: on a large survey the nine forward passes take a second or more).
    """
    check = check or (lambda: None)
    out = []
    for s in data.sections:
        if s.spec.kind == "time":
            continue
        check()
        lab = select_confident(_probs(net, s.image, device), keep, erode)
        lab = np.where(s.train > 0, s.train, lab)
        lab[s.val > 0] = 0
        out.append(LabeledSection(s.spec, s.image, s.quad, lab.astype(np.uint8),
                                  np.zeros_like(lab, np.uint8)))
    for s in data.unlabelled:  # sections with their own quadrature, any kind
        check()
        lab = select_confident(_probs(net, s.image, device), keep, erode)
        out.append(LabeledSection(s.spec, s.image, s.quad, lab, np.zeros_like(lab)))
    if not data.unlabelled and all(s.spec.kind != "time" for s in data.sections):
        kind = data.sections[0].spec.kind
        for i, img in enumerate(data.context):
            check()
            lab = select_confident(_probs(net, img, device), keep, erode)
            out.append(LabeledSection(SectionSpec(kind, -1 - i), img, _quadrature_of(img), lab,
                                      np.zeros_like(lab)))
    out = [s for s in out if s.train.any()]
    if not out:
        return None
    return TrainingData(tuple(out), data.n_classes, data.clip, data.class_names, data.version,
                        {}, {}, data.context, data.unlabelled)


def pseudo_sampler(net: torch.nn.Module, data: TrainingData, device, config, context: int, *,
                   seed: int, check=None) -> CropSampler | None:
    """Crops of pseudo-labels from ``net`` with ``config``'s (a TrainConfig) augmentations."""
    pl = pseudo_labelled(net, data, device, keep=config.pseudo_keep, erode=config.pseudo_erode,
                         check=check)
    if pl is None:
        return None
    return CropSampler(pl, config.crop, context, phase_rotation=config.phase_rotation,
                       gain=config.gain, flip=config.flip, stretch=config.stretch, seed=seed)
