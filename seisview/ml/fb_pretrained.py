"""The first-break picker shipped with seisview, pretrained on synthetic shot gathers.

``pretrained_snapshot()`` loads ``seisview/resources/fb_picker.safetensors`` (made by
``scripts/train_fb_picker.py`` from :mod:`seisview.core.fb_synthetic`; the recipe and
the generator version are in its header). It picks any pre-stack file before the
first hand pick (zero-shot), and first-break training starts from it unless told
to start from scratch. ``synthetic_items`` turns generated gathers into exactly
the network inputs the picker sees at prediction time (``fb_data.gather_input``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.fb_synthetic import SyntheticGather
from seisview.ml.fb_data import PickedGather, gather_input
from seisview.ml.fb_predict import factor_for
from seisview.ml.snapshot import ModelSnapshot

PRETRAINED_PATH = Path(__file__).resolve().parents[1] / "resources" / "fb_picker.safetensors"
# the names ``init`` takes for the two starts (the CLI's --init, the dock's "Start from")
PRETRAINED, SCRATCH = "pretrained", "scratch"
# the network grid and input of the shipped picker (FirstBreakConfig's defaults)
TARGET_DT_MS, COMPRESS, DECIMATE = 1.0, 20.0, "poly"
# fine-tuning the shipped picker on a user's picks: as many steps as a run from scratch; 500
# lost 3-4 points at 3 and 5 shots (docs/measurements.md, "Pretrained picker")
FINE_TUNE_STEPS, FINE_TUNE_LR = 1500, 1e-3


def synthetic_items(gathers: list[SyntheticGather], target_dt_ms: float = TARGET_DT_MS,
                    compress: float = COMPRESS) -> list[PickedGather]:
    """Generated gathers as picker inputs, their true first breaks in network samples."""
    out = []
    for i, g in enumerate(gathers):
        factor = factor_for(g.dt_ms, target_dt_ms)
        x = gather_input(g.data, g.data.shape[1], factor, compress, DECIMATE)
        pick = g.fb_ms / (g.dt_ms * factor)
        out.append(PickedGather(i, x, pick, np.arange(1, g.n_traces + 1)))
    return out


@lru_cache(maxsize=2)
def _load(path: str, mtime: float) -> ModelSnapshot:
    from seisview.ml.checkpoint import load_checkpoint

    return load_checkpoint(path)


def pretrained_snapshot(path: str | Path | None = None) -> ModelSnapshot:
    """The shipped picker (loaded once; every caller gets the same snapshot)."""
    p = Path(path or PRETRAINED_PATH)
    if not p.is_file():
        raise SeisviewError(f"the pretrained first-break picker {p} is missing",
                            hint="reinstall seisview, or train from scratch (--init scratch)")
    snap = _load(str(p), p.stat().st_mtime)
    if snap.meta.get("task") != "firstbreak":
        raise SeisviewError(f"{p.name} is not a first-break picker",
                            hint="reinstall seisview, or train from scratch (--init scratch)")
    return snap


def describe() -> str:
    """One line on the shipped picker: what it was trained on."""
    try:
        meta = pretrained_snapshot().meta
    except SeisviewError as exc:
        return str(exc)
    return (f"pretrained picker ({meta.get('generator', '?')}, {meta.get('step', '?')} steps on "
            f"synthetic gathers)")


def zero_shot_picks(gathers, state=None, keys=None, **refine) -> dict:
    """``{(gather key, channel): (time_ms, confidence)}`` of the shipped picker, before any
    hand pick (``fb_predict.predict_picks`` with :func:`pretrained_snapshot`; ``refine``:
    its ``continuity`` and ``onset``)."""
    from seisview.ml.fb_predict import predict_picks

    return predict_picks(pretrained_snapshot(), gathers, state, keys=keys, **refine)
