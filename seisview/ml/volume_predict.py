"""Predict one block of a survey into class probabilities, consistent in 3-D.

The facies networks label vertical sections. Predicting a survey inline after inline
gives every inline its own, slightly different answer, and a time slice of the result
shows inline-by-inline stripes. :func:`predict_block` blends each section's class
probabilities with its neighbours' (Gaussian weights across sections, ``blend``); it can
also predict along inlines *and* crosslines and average them (``directions``). A time
slice then changes across inlines about as the ground truth does (:func:`stripe_index`;
docs/measurements.md, "Predictions consistent in 3-D", also for why blending along one
direction is the default).

It is the kernel of the chunked Predict-volume job: the job hands it one block of the
survey with a halo around it (``dask.array.map_overlap`` or equivalent) and writes what
it returns, the block's core, into the store. With a halo of :func:`required_halo`
samples on the inner sides of the block and the block's ``origin`` in the survey, the
core is what a prediction of the whole survey gives there (to float rounding): every
network output depends on at most ``half`` samples each side (measured, see
:func:`net_geometry`), and the block's sections are cut so that the networks' pooling
grid sits where it sits for the whole survey. On a side where the block ends at the
survey's edge, give no halo (the edge is the edge). Blocks may be cut along all three
axes; sections use the block's full extent (core and halo), so the cost per core sample
grows with halo / core: cores of 128 or more traces each way keep it moderate.

Weights are loaded once per process and device (:func:`load_net`, keyed by the
snapshot's content or the checkpoint file's identity), so a dask worker that runs many
blocks builds its network once; a process with a CUDA GPU uses it. Torch's thread count
is the caller's (``seisview.ml.device.use_threads``).

    pred = predict_block(snapshot_or_checkpoint_path, block, halo=112, origin=(i0, j0, 0))
    pred.probability   # float32 (C, il, xl, sample) of the core; class c is label id c + 1
    pred.classes       # uint8 (il, xl, sample), label ids 1..C
    pred.uncertainty   # float32 (il, xl, sample), entropy / log(C) in [0, 1]
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from seisview.core.errors import SeisviewError
from seisview.core.tasks import TaskState
from seisview.ml.data import scale_section
from seisview.ml.device import is_oom, pick_device
from seisview.ml.inference import MIN_SECTION_TRACES, _mean_probs, _views, class_probabilities
from seisview.ml.snapshot import ModelSnapshot

DIRECTIONS = ("inline", "crossline")
# pixels of one forward pass (sections x views x samples x traces): on a CPU, batches of
# several F3 inlines (462 x 951) ran slower per section than one at a time (cache), small
# sections are still batched; a GPU takes many at once
CPU_BATCH_PIXELS = 1 << 19
GPU_BATCH_PIXELS = 1 << 24
# Gaussian blending across neighbouring sections, in sections (docs/measurements.md,
# "Predictions consistent in 3-D")
BLEND_SIGMA = 2.0


@dataclass(frozen=True, eq=False)
class BlockPrediction:
    """What :func:`predict_block` gives for the block's core; classes and uncertainty are
    computed when first asked for (a volume job that stores only classes skips the entropy)."""

    probability: np.ndarray   # float32 (C, il, xl, sample), class c = label id c + 1
    version: int = 0          # the snapshot's version

    @cached_property
    def classes(self) -> np.ndarray:
        """uint8 (il, xl, sample), label ids 1..C."""
        return classes_of(self.probability)

    @cached_property
    def uncertainty(self) -> np.ndarray:
        """float32 (il, xl, sample), normalised entropy in [0, 1]."""
        return normalised_entropy(self.probability)

    @property
    def n_classes(self) -> int:
        return int(self.probability.shape[0])


@dataclass(frozen=True)
class NetGeometry:
    """``half``: output depends on input samples at most this far away (each side);
    ``period``: shifting the input by a multiple of it shifts the output alike (the
    networks' pooling grid), by anything else it changes the output a little."""

    half: int
    period: int


# -- loading once per process ---------------------------------------------------------------

_NETS: OrderedDict = OrderedDict()   # (identity, device) -> (snapshot, net)
_MAX_NETS = 4
_LOCK = threading.Lock()
_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # snapshot -> content key
_GEOMETRY: dict[str, NetGeometry] = {}


def snapshot_key(snap: ModelSnapshot) -> str:
    """A digest of the snapshot's header and weights: equal for copies of one snapshot (a
    dask worker unpickles a new object per task), so they share one built network."""
    with _LOCK:
        key = _KEYS.get(snap)
    if key is None:
        h = hashlib.blake2b(json.dumps(snap.header(), sort_keys=True, default=str).encode(),
                            digest_size=16)
        for name in sorted(snap.state):
            t = snap.state[name].detach().cpu().contiguous().reshape(-1)
            h.update(name.encode())
            h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        key = "snapshot:" + h.hexdigest()
        with _LOCK:
            _KEYS[snap] = key
    return key


def _identity(model) -> str:
    if isinstance(model, ModelSnapshot):
        return snapshot_key(model)
    if isinstance(model, (str, os.PathLike)):
        p = Path(model).resolve()
        try:
            st = p.stat()
        except OSError:
            raise SeisviewError(f"cannot read checkpoint {str(model)!r}",
                                hint="give the path of a .safetensors file a run wrote") from None
        return f"file:{p}:{st.st_mtime_ns}:{st.st_size}"
    raise SeisviewError(f"predict_block needs a ModelSnapshot or a checkpoint path, "
                        f"not {type(model).__name__}", hint="pass run.snapshot or the run's checkpoint")


def check_facies(snap: ModelSnapshot) -> None:
    """A one-line refusal for models that do not label facies (first breaks, pretraining)."""
    from seisview.ml.models import model_meta

    task = snap.meta.get("task") or model_meta(snap.model).get("task", "facies")
    if task != "facies":
        raise SeisviewError(f"model {snap.model!r} is a {task} model; volume prediction needs a "
                            "facies model", hint="pick a run that trained facies from painted labels")


def load_net(model, device: str | torch.device | None = None
             ) -> tuple[ModelSnapshot, torch.nn.Module]:
    """The snapshot and its built network (eval mode, on ``device``), built once per process.

    ``model``: a ``ModelSnapshot`` or the path of a checkpoint (``.safetensors``). Kept
    in a small least-recently-used table keyed by the snapshot's content or the file's
    path, size and modification time, per device.
    """
    dev = device if isinstance(device, torch.device) else pick_device(device)
    key = (_identity(model), str(dev))
    with _LOCK:
        hit = _NETS.get(key)
        if hit is not None:
            _NETS.move_to_end(key)
            return hit
    if isinstance(model, ModelSnapshot):
        snap = model
    else:
        from seisview.ml.checkpoint import load_checkpoint

        snap = load_checkpoint(model)
    check_facies(snap)
    net = snap.build(dev)
    with _LOCK:
        hit = _NETS.setdefault(key, (snap, net))
        _NETS.move_to_end(key)
        while len(_NETS) > _MAX_NETS:
            _NETS.popitem(last=False)
    return hit


def _arch_key(snap: ModelSnapshot) -> str:
    return json.dumps([snap.model, snap.n_classes, snap.config], sort_keys=True, default=str)


@torch.no_grad()
def _equivariance_period(net: torch.nn.Module, half: int) -> int:
    """Smallest power of two p <= 64 such that shifting a section by (p, p) shifts the
    output alike away from the edges (``half``: the reach of one output pixel)."""
    gen = torch.Generator().manual_seed(1)
    size = 2 * half + 96
    x = torch.rand(1, 1, size + 64, size + 64, generator=gen)
    ref = net(x)
    m = half + 72  # margin: the outputs compared see no edge, whatever their phase
    for p in (1, 2, 4, 8, 16, 32, 64):
        y = net(x[..., p:, p:])
        a = ref[..., p + m:p + size - m + 64, p + m:p + size - m + 64]
        b = y[..., m:size - m + 64, m:size - m + 64]
        if torch.allclose(a, b, atol=1e-6, rtol=1e-4):
            return p
    return 64


def _reach(net: torch.nn.Module, size: int) -> int:
    """Largest distance from the centre output pixel of a ``size`` square to an input pixel
    with a gradient."""
    x = torch.rand(1, 1, size, size).requires_grad_(True)
    c = size // 2
    with torch.enable_grad():
        net(x)[0, :, c, c].sum().backward()
    assert x.grad is not None
    rows, cols = np.nonzero(x.grad[0, 0].abs().numpy() > 0)
    if not rows.size:
        return 0
    return int(max(c - rows.min(), rows.max() - c, c - cols.min(), cols.max() - c))


_ACTIVATIONS = (torch.nn.ReLU, torch.nn.ReLU6, torch.nn.LeakyReLU, torch.nn.ELU, torch.nn.GELU,
                torch.nn.SiLU, torch.nn.Tanh, torch.nn.Sigmoid, torch.nn.Dropout, torch.nn.Dropout2d)


def _linearised(net: torch.nn.Module) -> torch.nn.Module:
    """``net`` made linear with positive weights: activations and batch norms become the
    identity, max pools average pools of the same windows, every weight |w| + 0.01. No path
    is then switched off or cancelled, so the input gradient of an output pixel covers its
    whole receptive field (the trained network's gradient leaves out pixels that reach the
    output only through ReLUs that happen to be off)."""
    for name, mod in list(net.named_modules()):
        if not name:
            continue
        parent = net.get_submodule(name.rsplit(".", 1)[0]) if "." in name else net
        leaf = name.rsplit(".", 1)[-1]
        if isinstance(mod, _ACTIVATIONS) or isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            setattr(parent, leaf, torch.nn.Identity())
        elif isinstance(mod, torch.nn.MaxPool2d):
            setattr(parent, leaf, torch.nn.AvgPool2d(mod.kernel_size, mod.stride, mod.padding))
    with torch.no_grad():
        for p in net.parameters():
            if p.dim() > 1:
                p.abs_().add_(0.01)
    return net


def net_geometry(model, device: str | torch.device | None = None) -> NetGeometry:
    """Reach and pooling period of a facies network, measured once per architecture.

    On the network made linear (:func:`_linearised`): the reach is the support of the
    input gradient of an output pixel (the whole receptive field, whatever the weights),
    plus period - 1 for pixels off the pooling grid; the period is found by shifting the
    input."""
    snap, _ = load_net(model, device)
    key = _arch_key(snap)
    if key in _GEOMETRY:
        return _GEOMETRY[key]
    net = _linearised(snap.build("cpu"))
    size = 256
    while (half := _reach(net, size)) >= size // 2 - 8 and size < 2048:
        size *= 2  # the probe was too small for the receptive field
    period = _equivariance_period(net, half)
    # an output pixel off the pooling grid reaches at most period - 1 further (measured per
    # phase: 89 for the default U-Net, bound 76 + 15; measuring costs period x the probe)
    geo = NetGeometry(half + period - 1, period)
    _GEOMETRY[key] = geo
    return geo


def required_halo(model, device: str | torch.device | None = None) -> int:
    """Samples of halo each inner side of a block (every axis) so that the block's core is
    what the whole survey gives there: the network's reach plus what aligning the block's
    sections to the pooling grid cuts off, rounded up to a multiple of 16 (112 for the
    default U-Net: reach 90, period 16)."""
    geo = net_geometry(model, device)
    need = max(geo.half + geo.period - 1, blend_reach(BLEND_SIGMA))
    return int(-(-need // 16) * 16)


# -- the block ------------------------------------------------------------------------------

def _halo_pairs(halo, ndim: int = 3) -> tuple[tuple[int, int], ...]:
    if isinstance(halo, (int, np.integer)):
        return ((int(halo), int(halo)),) * ndim
    items = list(halo)
    if len(items) != ndim:
        raise SeisviewError(f"halo needs {ndim} entries (inline, crossline, sample), got {len(items)}",
                            hint="give one number, one per axis, or (before, after) per axis")
    out = []
    for h in items:
        lo, hi = (int(h), int(h)) if isinstance(h, (int, np.integer)) else (int(h[0]), int(h[1]))
        if lo < 0 or hi < 0:
            raise SeisviewError(f"a halo cannot be negative, got {halo!r}", hint="use 0 or more")
        out.append((lo, hi))
    return tuple(out)


def usable_directions(shape: tuple[int, ...], directions: Sequence[str]) -> list[str]:
    """The directions asked for, less those whose sections are too narrow for the networks;
    when none is wide enough, the wider direction (a 2-D line stored as N inlines x 1
    crossline is predicted along the line). Blocks of 64 traces or more each way (halo
    included) are predicted as asked."""
    unknown = [d for d in directions if d not in DIRECTIONS]
    if unknown or not directions:
        raise SeisviewError(f"directions must be among {DIRECTIONS}, got {tuple(directions)!r}",
                            hint="use ('inline',) or ('inline', 'crossline')")
    width = {"inline": shape[1], "crossline": shape[0]}  # traces of one section of the block
    keep = [d for d in directions if width[d] >= MIN_SECTION_TRACES]
    return keep or [max(DIRECTIONS, key=lambda d: width[d])]


def _forward(net, dev, x: np.ndarray, keep: tuple[slice, slice], phases: int, flip: bool,
             batch_pixels: int, state: TaskState | None = None) -> np.ndarray:
    """Mean class probabilities ``(n, C, h, w)`` of ``n`` scaled sections ``(n, H, W)``, cut
    to ``keep`` (rows, columns); several sections (and their test-time views) per pass."""
    n, h, w = x.shape
    n_views = max(phases, 1) * (2 if flip else 1)
    per = max(1, batch_pixels // max(n_views * h * w, 1))
    out = None
    i = 0
    while i < n:
        if state is not None:
            state.check()
        chunk = x[i:i + per]
        views = chunk if n_views == 1 else \
            np.concatenate([_views(s, phases, flip) for s in chunk])  # (k * n_views, H, W)
        t = torch.from_numpy(views)[:, None]
        try:
            probs = class_probabilities(net, t.to(dev, non_blocking=True))
        except Exception as exc:  # a CUDA out-of-memory: smaller batches, then the CPU
            if not (is_oom(exc) and dev.type != "cpu"):
                raise
            torch.cuda.empty_cache()
            if per > 1:
                per = max(1, per // 2)
            else:
                dev = torch.device("cpu")
                net = net.to(dev)
            continue
        if n_views > 1:
            probs = torch.stack([_mean_probs(v, flip) for v in probs.split(n_views)])
        p = probs[:, :, keep[0], keep[1]].float().cpu().numpy()
        if out is None:
            out = np.empty((n, *p.shape[1:]), np.float32)
        out[i:i + len(chunk)] = p
        i += len(chunk)
    assert out is not None
    return out


def _align(origin: int, lo: int, period: int) -> int:
    """Samples to cut from the start of an axis so it begins on the pooling grid of the
    whole survey (only from the halo: none when the halo is too short for it)."""
    cut = (-origin) % period
    return cut if cut <= lo else 0


def trained_directions(snap: ModelSnapshot) -> tuple[str, ...]:
    """The section directions a snapshot learnt from (``meta["section_kinds"]``, written by
    training); both when it does not say."""
    kinds = tuple(k for k in DIRECTIONS if k in (snap.meta.get("section_kinds") or ()))
    return kinds or DIRECTIONS


def default_directions(snap: ModelSnapshot) -> tuple[str, ...]:
    """What :func:`predict_block` predicts along by default: inlines, or crosslines for a
    model that learnt from crosslines only. Averaging both directions removes the stripes
    too, but it cost accuracy on the demo survey even for a model painted on an inline and
    a crossline (docs/measurements.md, "Predictions consistent in 3-D"); blending across
    neighbouring sections removes them at no cost in accuracy, with half the passes."""
    return ("inline",) if "inline" in trained_directions(snap) else ("crossline",)


def block_halo(model, directions: Sequence[str] | None = None,
               device: str | torch.device | None = None,
               shape: Sequence[int] | None = None) -> tuple[int, int, int]:
    """Halo (inline, crossline, sample) that makes a block's core equal the whole-survey
    prediction: :func:`required_halo` along the traces of the sections predicted (and along
    the samples, for blocks that cut the traces), the blending's reach across them.
    ``shape``: the survey's, so that a 2-D line's direction is the one used."""
    snap, _ = load_net(model, device)
    dirs = default_directions(snap) if directions is None else tuple(directions)
    if shape is not None:
        dirs = tuple(usable_directions(tuple(shape), dirs))
    full, reach = required_halo(snap, device), blend_reach(BLEND_SIGMA)
    h_il = full if "crossline" in dirs else reach
    h_xl = full if "inline" in dirs else reach
    return h_il, h_xl, full


def blend_reach(blend: float) -> int:
    """Sections each side that the blending across sections reaches (3 sigma)."""
    return int(np.ceil(3 * blend)) if blend > 0 else 0


@torch.no_grad()
def predict_block(model, block: np.ndarray, halo=0, *, origin: Sequence[int] | None = None,
                  directions: Sequence[str] | None = None, blend: float = BLEND_SIGMA,
                  phases: int = 1, flip: bool = False, device: str | torch.device | None = None,
                  batch_pixels: int | None = None, state: TaskState | None = None
                  ) -> BlockPrediction:
    """Class probabilities, classes and uncertainty of a block's core.

    ``model``: a facies ``ModelSnapshot`` or a checkpoint path (built once per process,
    :func:`load_net`). ``block``: raw amplitudes ``(il, xl, sample)``, the core with
    ``halo`` around it. ``halo``: samples to trim, one number, one per axis, or
    ``(before, after)`` per axis (0 on sides at the survey's edge); :func:`required_halo`
    makes the core equal to a whole-survey prediction. ``origin``: survey index of
    ``block[0, 0, 0]`` (halo included), used to align sections to the networks' pooling
    grid; None: the block starts on it (e.g. at the survey's origin).
    ``directions``: the section directions whose probabilities are averaged; None:
    :func:`default_directions` (inlines). ``blend``: each direction's
    probabilities are blended across neighbouring sections with Gaussian weights of this
    sigma (in sections; 0 = off), so neighbouring sections agree. ``phases``/``flip``:
    test-time averaging as in ``predict_section``. ``device``: None = CUDA when present.
    ``state``: checked between forward passes (pause/cancel), optional.
    Memory: about three float32 arrays of C x the core, plus the block.
    """
    dev = device if isinstance(device, torch.device) else pick_device(device)
    snap, net = load_net(model, dev)
    block = np.asarray(block)
    if block.ndim != 3:
        raise SeisviewError(f"a block is (inline, crossline, sample), got shape {block.shape}",
                            hint="cut blocks from the survey's 3-D amplitude array")
    pairs = _halo_pairs(halo)
    core = tuple(n - lo - hi for n, (lo, hi) in zip(block.shape, pairs, strict=True))
    if min(core) < 1:
        raise SeisviewError(f"block {block.shape} is too small for its halo {pairs}: no core left",
                            hint="use larger blocks (chunks) or a smaller halo")
    dirs = usable_directions(block.shape, default_directions(snap) if directions is None else directions)
    org = (0, 0, 0) if origin is None else tuple(int(o) for o in origin)
    period = net_geometry(snap, dev).period
    cut = [_align(o, lo, period) for o, (lo, _) in zip(org, pairs, strict=True)]
    batch = batch_pixels or (GPU_BATCH_PIXELS if dev.type == "cuda" else CPU_BATCH_PIXELS)
    x = scale_section(block, snap.clip)  # float32 copy, clipped to [-1, 1]
    n = block.shape
    reach = blend_reach(blend)
    keep_s = slice(pairs[2][0] - cut[2], n[2] - pairs[2][1] - cut[2])
    total = np.zeros((snap.n_classes, *core), np.float32)
    for d in dirs:
        a, b = (0, 1) if d == "inline" else (1, 0)  # normal axis, trace axis of the sections
        r_lo, r_hi = min(reach, pairs[a][0]), min(reach, pairs[a][1])
        sel = [slice(None)] * 3
        sel[a] = slice(pairs[a][0] - r_lo, n[a] - pairs[a][1] + r_hi)
        sel[b] = slice(cut[b], None)
        sel[2] = slice(cut[2], None)
        sec = np.ascontiguousarray(x[tuple(sel)].transpose(a, 2, b))  # (section, sample, trace)
        keep_t = slice(pairs[b][0] - cut[b], n[b] - pairs[b][1] - cut[b])
        p = _forward(net, dev, sec, (keep_s, keep_t), phases, flip, batch, state)
        p = _blend(p, blend, reach, r_lo, core[a])  # (section, C, sample, trace) of the core
        total += p.transpose(1, 0, 3, 2) if d == "inline" else p.transpose(1, 3, 0, 2)
    total /= np.float32(len(dirs))
    return BlockPrediction(total, snap.version)


def _blend(p: np.ndarray, sigma: float, reach: int, first: int, n: int) -> np.ndarray:
    """Sections ``first .. first + n`` of ``p`` (section axis first), each the Gaussian-weighted
    mean of its neighbours within ``reach`` (the nearest section beyond the ends), computed
    for those sections only (the neighbours are there for them)."""
    if not reach:
        return p[first:first + n]
    offsets = range(-reach, reach + 1)
    w = np.exp(-0.5 * (np.array(offsets) / sigma) ** 2)
    w = (w / w.sum()).astype(np.float32)
    out = np.zeros((n, *p.shape[1:]), np.float32)
    for i in range(n):
        for k, wk in zip(offsets, w, strict=True):
            out[i] += wk * p[min(max(first + i + k, 0), len(p) - 1)]
    return out


def classes_of(probability: np.ndarray) -> np.ndarray:
    """Label ids ``uint8`` (1..C) of the most probable class along the leading axis (first
    on ties). One pass per class over contiguous planes: numpy's argmax along the leading
    axis of a large array copied it first (0.5 s for a 16-inline F3 slab)."""
    best = np.array(probability[0], np.float32)
    ids = np.ones(best.shape, np.uint8)
    for c in range(1, probability.shape[0]):
        better = probability[c] > best
        ids[better] = c + 1
        np.maximum(best, probability[c], out=best)
    return ids


def normalised_entropy(probability: np.ndarray) -> np.ndarray:
    """Entropy of the class probabilities (leading axis) over log(C): 0 certain, 1 uniform."""
    ent = np.zeros(probability.shape[1:], np.float32)
    for p in probability:
        ent -= p * np.log(np.maximum(p, np.float32(1e-12)))
    ent /= np.float32(np.log(probability.shape[0]))
    return np.clip(ent, 0.0, 1.0, out=ent)


def stripe_index(probability: np.ndarray, samples: Sequence[int] | None = None) -> float:
    """Mean absolute change of class probabilities between neighbouring inlines over that
    between neighbouring crosslines, on time slices (``probability`` ``(C, il, xl, sample)``;
    ``samples``: the slices, all by default). 1.0: no direction stands out; inline-by-inline
    stripes make it larger."""
    p = np.asarray(probability, np.float32)
    if samples is not None:
        p = p[..., list(samples)]
    d_il = float(np.abs(np.diff(p, axis=1)).mean())
    d_xl = float(np.abs(np.diff(p, axis=2)).mean())
    return d_il / max(d_xl, 1e-12)
