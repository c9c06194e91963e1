"""Dense prediction of sections and volumes from a ``ModelSnapshot``.

``predict_section`` gives per-class probabilities, the class map (label ids)
and the softmax entropy (uncertainty) of one section in a single forward
pass (``seisview.ml.suggest`` ranks the regions to label next from it);
``predict_volume`` predicts a whole volume as a cancellable job (on the
3-D-consistent kernel of ``seisview.ml.volume_predict``)
and ``export_segy`` writes the class (or probability) cube on the survey
geometry.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from seisview.core.errors import SeisviewError
from seisview.core.tasks import TaskState
from seisview.core.volume import Volume
from seisview.ml.data import scale_section
from seisview.ml.device import is_oom, pick_device
from seisview.ml.snapshot import ModelSnapshot


@dataclass(frozen=True, eq=False)
class SectionPrediction:
    probs: np.ndarray     # float32 (C, H, W), softmax over classes
    classes: np.ndarray   # uint8 (H, W), label ids 1..C
    entropy: np.ndarray   # float32 (H, W), softmax entropy in nats (0 = certain)
    version: int = 0      # snapshot version it came from

    def probability(self, class_id: int) -> np.ndarray:
        return self.probs[class_id - 1]

    @property
    def max_entropy(self) -> float:
        return float(np.log(self.probs.shape[0]))


# built networks of live snapshots (weak keys: an id() could be reused by a new snapshot)
_NET_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def _net_for(model, device) -> tuple[torch.nn.Module, float | None, int]:
    if isinstance(model, ModelSnapshot):
        with _CACHE_LOCK:
            nets = _NET_CACHE.setdefault(model, {})
            net = nets.get(str(device))
            if net is None:
                net = nets[str(device)] = model.build(device)
        return net, model.clip, model.version
    return model.eval(), None, 0


def _views(x: np.ndarray, phases: int = 1, flip: bool = False) -> np.ndarray:
    """``(n, H, W)`` test-time views of a scaled vertical section: ``phases`` phase rotations,
    each also mirrored left-right when ``flip`` (the training's augmentations, so every view
    is one the network learnt to label the same way)."""
    views = [x]
    if phases > 1:
        from scipy.signal import hilbert

        q = np.imag(hilbert(x.astype(np.float64), axis=0)).astype(np.float32)
        views = [x * np.float32(np.cos(a)) - q * np.float32(np.sin(a))
                 for a in np.arange(phases) * (2 * np.pi / phases)]
    if flip:
        views += [v[:, ::-1] for v in views]
    return np.ascontiguousarray(np.stack(views), np.float32)


def class_probabilities(net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Softmax class probabilities ``(n, C, H, W)`` float32 of a batch: the network's own
    ``probabilities`` when it has one (an ensemble's mean without a round trip through logs)."""
    own = getattr(net, "probabilities", None)
    return own(x) if callable(own) else torch.softmax(net(x).float(), 1)


def _mean_probs(probs: torch.Tensor, flip: bool) -> torch.Tensor:
    """The mean of one section's views' probabilities ``(n, C, H, W)``, mirrored views turned back."""
    if probs.shape[0] == 1:
        return probs[0]
    if flip:
        n = probs.shape[0] // 2
        probs = torch.cat([probs[:n], probs[n:].flip(-1)])
    return probs.mean(0)


@torch.no_grad()
def predict_section(model, array: np.ndarray, clip: float | None = None,
                    device: str | torch.device | None = None, scaled: bool = False,
                    phases: int = 1, flip: bool = False) -> SectionPrediction:
    """Predict one section ``(H, W)`` (raw amplitudes unless ``scaled``).

    ``model`` is a ``ModelSnapshot`` (its clip is used) or a built ``nn.Module``
    (then give ``clip``). ``phases`` > 1 averages the probabilities over that many
    phase rotations of a vertical section and ``flip`` also over their left-right
    mirror images (test-time augmentation matching the training's random phase
    rotation and flips; costs ``phases`` x (1 + ``flip``) forward passes). On a CUDA
    out-of-memory error it retries on the CPU.
    """
    dev = pick_device(device) if not isinstance(device, torch.device) else device
    net, snap_clip, version = _net_for(model, dev)
    clip = clip if clip is not None else snap_clip
    if scaled:
        x = np.asarray(array, np.float32)
    elif clip is None:
        raise SeisviewError("predict_section needs the amplitude clip for a bare network",
                            hint="pass a ModelSnapshot or clip=")
    else:
        x = scale_section(array, clip)
    t = torch.from_numpy(_views(x, phases, flip))[:, None]
    try:
        probs = class_probabilities(net, t.to(dev))
    except Exception as exc:
        if not (is_oom(exc) and dev.type != "cpu"):
            raise
        torch.cuda.empty_cache()
        net = net.to("cpu")
        probs = class_probabilities(net, t)
    probs = _mean_probs(probs, flip)
    ent = -(probs * torch.log(probs.clamp_min(1e-12))).sum(0)
    probs_np = probs.cpu().numpy().astype(np.float32)
    return SectionPrediction(probs_np, (probs_np.argmax(0) + 1).astype(np.uint8),
                             ent.cpu().numpy().astype(np.float32), version)


MIN_SECTION_TRACES = 64  # narrower sections give the networks too little lateral context


def volume_section_kind(volume: Volume) -> str:
    """The sections a whole survey is predicted along: inlines, unless they are narrow and
    the crosslines wider (a 2-D line stored as N inlines x 1 crossline: an inline section
    is a single trace, and the networks need lateral context)."""
    il_traces, xl_traces = volume.n_sections("crossline"), volume.n_sections("inline")
    return "crossline" if il_traces < MIN_SECTION_TRACES and xl_traces > il_traces else "inline"


def predict_volume(snapshot: ModelSnapshot, volume: Volume, state: TaskState | None = None,
                   kind: str | None = None, device=None, indices=None, phases: int = 1,
                   flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Class ids ``uint8 (il, xl, sample)`` and max probability ``float32`` of a whole volume.

    By default the 3-D-consistent prediction of ``seisview.ml.volume_predict`` (inlines,
    blended across neighbours), in slabs that fit the RAM budget. ``kind``
    (inline or crossline) or ``indices`` (some sections; the others stay 0) give the plain
    section loop instead, one section at a time. Progress and pause/cancel go through
    ``state``. ``phases`` and ``flip``: test-time averaging, as in predict_section.
    """
    state = state or TaskState()
    if kind is None and indices is None:
        return _predict_volume_blocks(snapshot, volume, state, device, phases, flip)
    from seisview.core.section import SectionSpec

    kind = kind or volume_section_kind(volume)
    if kind not in ("inline", "crossline"):
        raise SeisviewError(f"volume prediction runs along inlines or crosslines, not {kind!r}")
    n = volume.n_sections(kind)
    todo = list(range(n)) if indices is None else [int(i) for i in indices]
    classes = np.zeros(volume.shape, np.uint8)
    conf = np.zeros(volume.shape, np.float32)
    for k, i in enumerate(todo):
        state.check()
        p = predict_section(snapshot, volume.section_array(SectionSpec(kind, i)), device=device,
                            phases=phases, flip=flip)
        if kind == "inline":
            classes[i], conf[i] = p.classes.T, p.probs.max(0).T
        else:
            classes[:, i], conf[:, i] = p.classes.T, p.probs.max(0).T
        state.set_progress((k + 1) / len(todo), f"{kind} {k + 1}/{len(todo)}")
    return classes, conf


def _predict_volume_blocks(snapshot, volume, state, device, phases, flip):
    """The kernel over slabs along one lateral axis (full extent in the other two)."""
    from seisview.config import ram_budget_bytes
    from seisview.ml import volume_predict as vp

    shape = volume.shape
    dirs = vp.usable_directions(shape, vp.default_directions(snapshot))
    axis = 1 if dirs == ["crossline"] else 0  # slabs never cut the sections predicted
    # a halo along the slab axis: the blending's reach, or the networks' reach when the
    # other direction's sections run across the slabs
    halo = vp.required_halo(snapshot, device) if len(dirs) > 1 else vp.blend_reach(vp.BLEND_SIGMA)
    per_line = snapshot.n_classes * 4 * shape[2] * shape[1 - axis]
    n_core = int(np.clip(ram_budget_bytes() // 8 // max(per_line, 1), 16, max(shape[axis], 16)))
    classes = np.zeros(shape, np.uint8)
    conf = np.zeros(shape, np.float32)
    n = shape[axis]
    for a in range(0, n, n_core):
        b = min(a + n_core, n)
        lo, hi = max(0, a - halo), min(n, b + halo)
        sel = (slice(lo, hi), slice(None), slice(None)) if axis == 0 else \
            (slice(None), slice(lo, hi), slice(None))
        pairs = [(0, 0)] * 3
        pairs[axis] = (a - lo, hi - b)
        origin = [0, 0, 0]
        origin[axis] = lo
        pred = vp.predict_block(snapshot, np.asarray(volume.data[sel]), pairs, origin=origin,
                                directions=dirs, phases=phases, flip=flip, device=device,
                                state=state)
        out = (slice(a, b), slice(None), slice(None)) if axis == 0 else \
            (slice(None), slice(a, b), slice(None))
        classes[out] = pred.classes
        conf[out] = pred.probability.max(0)
        kind = "inline" if axis == 0 else "crossline"
        state.set_progress(b / n, f"{kind}s {b}/{n}")
    return classes, conf


def export_segy(path: str | Path, cube: np.ndarray, volume: Volume) -> Path:
    """Write a class or probability cube on the survey geometry (atomic write)."""
    from seisview.io.segy import write_volume_segy

    path = Path(path)
    write_volume_segy(path, np.asarray(cube, np.float32), volume.geometry, live=volume.live)
    return path
