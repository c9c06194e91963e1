"""What the Pretraining dock trains on and shows: sections of the open survey or its gathers,
scaled the way ``seisview.ml.pretrain`` scales them, without copying a large survey whole.

``pretrain.sections_of(volume)`` takes every inline and crossline (fine for the demo's
400 sections, 2.7 GB for an F3-sized cube); :func:`survey_sections` takes at most
``max_sections`` spread evenly through the survey, which is plenty of patches for a
pretraining budget of minutes. :func:`endpoint` prepares one chosen section or gather
as the autoencoder's input for the latent walk, and :func:`preview_patches` a fixed set of
patches whose reconstructions the dock redraws as the run learns.
"""

from __future__ import annotations

import math

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet
from seisview.core.section import SectionSpec


def _clip(volume) -> float:
    return float(volume.levels.clip) or 1.0


def scaled_section(volume, spec: SectionSpec) -> np.ndarray:
    """``(sample, trace)`` float32 in [-1, 1]: the section divided by the survey's robust clip."""
    return np.clip(np.asarray(volume.section_array(spec), np.float32) / _clip(volume), -1, 1)


def survey_sections(volume, max_sections: int = 96) -> list[np.ndarray]:
    """Inlines and crosslines spread through the survey, half each (all when fewer)."""
    n_il, n_xl, _ = volume.shape
    half = max(1, max_sections // 2)
    specs = [SectionSpec("inline", int(i)) for i in np.unique(np.linspace(0, n_il - 1, min(n_il, half)).round())]
    if n_xl > 1 and n_il > 1:  # a 2-D line has no crosslines worth the name
        specs += [SectionSpec("crossline", int(j))
                  for j in np.unique(np.linspace(0, n_xl - 1, min(n_xl, half)).round())]
    return [scaled_section(volume, s) for s in specs]


def gather_window_ms(gathers: GatherSet, picks) -> float | None:
    """With picks, the time window the picker looks at (pretrain where it will work)."""
    if picks is None or not len(picks):
        return None
    from seisview.ml.fb_data import window_samples
    from seisview.ml.firstbreak import normalise_picks

    return window_samples(gathers, normalise_picks(picks)) * gathers.dt_ms


def gather_array(gathers: GatherSet, key, config) -> np.ndarray:
    """One gather as the pretraining sees it: ``(channel, sample, trace)``."""
    from seisview.ml.fb_data import gather_input

    n = gathers.n_samples if not config.window_ms else \
        min(gathers.n_samples, int(math.ceil(config.window_ms / gathers.dt_ms)))
    factor = max(1, int(round(config.target_dt_ms / gathers.dt_ms)))
    return gather_input(gathers.data[gathers.trace_indices(key)], n, factor, config.compress)


def endpoint(data, which: str, config) -> np.ndarray:
    """``(channel, sample, trace)`` of a section (``which`` as ``inline:12`` in *indices*,
    a ``SectionSpec`` key) of a volume, or of the gather with key ``which`` of a GatherSet."""
    if isinstance(data, GatherSet):
        try:
            key = int(which)
        except ValueError:
            key = None
        if key not in set(int(k) for k in data.gather_ids):
            raise SeisviewError(f"no gather {which!r} in the open gathers",
                                hint=f"pick one of {data.gather_ids[0]}..{data.gather_ids[-1]}")
        return gather_array(data, key, config)
    if data is None:
        raise SeisviewError("no survey is open", hint="open a survey (File → Open) first")
    spec = which if isinstance(which, SectionSpec) else SectionSpec.from_key(which)
    if spec.kind == "time":
        raise SeisviewError("the walk runs between vertical sections, not time slices",
                            hint="choose two inlines or crosslines")
    return scaled_section(data, spec)[None]


def preview_patches(data, config, n: int = 6, seed: int = 0) -> np.ndarray:
    """``n`` fixed ``config.patch``-sized crops ``(n, channel, H, W)`` of sections or gathers
    spread through the data (zero-padded where a section is smaller)."""
    rng = np.random.default_rng(seed)
    ph, pw = (int(config.patch[0]), int(config.patch[1]))
    if isinstance(data, GatherSet):
        ids = list(data.gather_ids)
        pick = [ids[int(i)] for i in np.linspace(0, len(ids) - 1, n).round()]
        arrays = [gather_array(data, k, config) for k in pick]
    else:
        n_il, n_xl, _ = data.shape
        specs = [SectionSpec("inline", int(rng.integers(n_il))) if k % 2 == 0 or n_il == 1
                 else SectionSpec("crossline", int(rng.integers(n_xl))) for k in range(n)]
        arrays = [scaled_section(data, s)[None] for s in specs]
    out = np.zeros((n, arrays[0].shape[0], ph, pw), np.float32)
    for b, a in enumerate(arrays):
        i = int(rng.integers(0, max(a.shape[1] - ph, 0) + 1))
        j = int(rng.integers(0, max(a.shape[2] - pw, 0) + 1))
        crop = a[:, i:i + ph, j:j + pw]
        out[b, :, :crop.shape[1], :crop.shape[2]] = crop
    return out
