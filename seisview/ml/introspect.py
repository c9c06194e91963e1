"""Co-occurrence statistics of layer activations, beside the raw maps and a random network.

For one map, per layer: the whole-map GLCM statistics of each channel's
activations (:func:`seisview.attributes.cooccurrence.map_stats`), averaged
over channels. For a pair of maps A and B, per layer: for each channel the
co-occurrence of (activation of A, activation of B) at the same positions,
each binned by its own quantiles, on the native cells inside the input's
area of mirror-padded inputs (:mod:`seisview.ml.activations`), averaged
over channels (:func:`seisview.attributes.cooccurrence.pair_stats`).

Every network statistic comes with the same statistic of the raw maps
(layer ``raw``) and of a randomly initialised copy of the network (layer
``random:<name>``), so a crossplot shows what training adds.
"""

from __future__ import annotations

import copy
import csv
import itertools
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seisview.attributes.cooccurrence import STATS, map_stats, pair_stats
from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec
from seisview.core.tasks import TaskState
from seisview.ml.activations import ActivationMaps, LayerActivation, as_module, capture, layer_names

COLUMNS = ("a", "b", "layer", *STATS, "mi_noise")
FLOATS = (*STATS, "mi_noise")
CHANNEL_ORDERS = ("index", "mean", "std", "max", *STATS)


def random_copy(model, seed: int = 0) -> nn.Module:
    """The same architecture with fresh random weights (every ``reset_parameters``)."""
    m = copy.deepcopy(as_module(model))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for mod in m.modules():
            reset = getattr(mod, "reset_parameters", None)
            if callable(reset):
                reset()
            reset_bn = getattr(mod, "reset_running_stats", None)
            if callable(reset_bn):
                reset_bn()
    return m


def pair_list(names, pairs="consecutive") -> list[tuple[str, str]]:
    """``all`` (every two maps), ``consecutive`` (1-2, 2-3, ...), ``none`` or explicit pairs."""
    names = list(names)
    if pairs in (None, "none"):
        return []
    if pairs == "all":
        return list(itertools.combinations(names, 2))
    if pairs == "consecutive":
        return list(zip(names[:-1], names[1:], strict=True))
    if isinstance(pairs, str):
        raise SeisviewError(f"unknown pair mode {pairs!r}", hint="use all, consecutive or none")
    out = [(str(a), str(b)) for a, b in pairs]
    missing = sorted({n for p in out for n in p} - set(names))
    if missing:
        raise SeisviewError(f"pairs name unknown maps {missing}", hint=f"maps are {names}")
    return out


def _check_maps(maps: Mapping[str, np.ndarray], pairs) -> None:
    for name, m in maps.items():
        if np.ndim(m) != 2:
            raise SeisviewError(f"map {name!r} has shape {np.shape(m)}", hint="maps must be 2-D")
    for a, b in pairs:
        if np.shape(maps[a]) != np.shape(maps[b]):
            raise SeisviewError(
                f"maps of pair ({a}, {b}) differ in shape: {np.shape(maps[a])} vs {np.shape(maps[b])}",
                hint="compare maps cut from the same survey area")


def _capture_all(model, maps, layers, state: TaskState, done: list, total: int) -> dict[str, ActivationMaps]:
    out = {}
    for name, m in maps.items():
        state.check()
        out[name] = capture(model, m, layers)
        done[0] += 1
        state.set_progress(done[0] / total, f"activations of {name}")
    return out


def _rows_for(label: str, acts: Mapping[str, np.ndarray], single, pairs, levels, shuffles,
              seed, baseline="shift", state: TaskState | None = None) -> list[dict]:
    check = state.check if state is not None else (lambda: None)  # cancel within one map/pair
    rows = []
    for name in single:
        check()
        rows.append({"a": name, "b": "", "layer": label,
                     **map_stats(acts[name], levels=levels, shuffles=4 if shuffles is None else shuffles,
                                 seed=seed).row()})
    for a, b in pairs:
        check()
        rows.append({"a": a, "b": b, "layer": label,
                     **pair_stats(acts[a], acts[b], levels=levels, shuffles=shuffles, seed=seed,
                                  baseline=baseline).row()})
    return rows


def introspect(model, maps: Mapping[str, np.ndarray], layers=None, pairs="consecutive",
               single: bool = True, levels: int = 8, shuffles: int | None = None, seed: int = 0,
               raw: bool = True, random: bool = True, state: TaskState | None = None,
               baseline: str = "shift") -> list[dict]:
    """Rows ``a, b, layer, entropy, energy, homogeneity, contrast, mutual_information, mi_noise``.

    ``maps`` are named 2-D arrays; ``layers`` default to all of the model's
    :func:`~seisview.ml.activations.layer_names`. Rows come for the raw maps
    (``raw``), each layer of ``model`` and each layer of its random copy
    (``random:<layer>``), for every single map (``b`` empty, when ``single``)
    and every pair (see :func:`pair_list`). ``baseline``: how the pair MI is
    corrected (``shift``, the default, or ``shuffle``, see
    :func:`~seisview.attributes.cooccurrence.pair_stats`); ``mi_noise`` is the level above which
    a pair's MI is information rather than chance (:func:`~seisview.attributes.cooccurrence.above_noise`).
    """
    state = state or TaskState()
    if not maps:
        raise SeisviewError("no maps given", hint="pass at least one map (two for pairs)")
    maps = {str(k): np.asarray(v, np.float32) for k, v in maps.items()}
    pl = pair_list(maps, pairs)
    _check_maps(maps, pl)
    net = as_module(model)
    layers = list(layers) if layers else layer_names(net)
    names = list(maps) if single else []
    rows: list[dict] = []
    if raw:
        rows += _rows_for("raw", maps, names, pl, levels, shuffles, seed, baseline, state)
    nets = [("", net)] + ([("random:", random_copy(net, seed))] if random else [])
    total, done = len(maps) * len(nets), [0]
    for prefix, n in nets:
        acts = _capture_all(n, maps, layers, state, done, total)
        for layer in layers:
            state.check()
            interior = {k: a[layer].interior() for k, a in acts.items()}
            rows += _rows_for(prefix + layer, interior, names, pl, levels, shuffles, seed, baseline,
                              state)
    return rows


def usable_layers(model, shape: tuple[int, int], min_cells: int = 64, layers=None) -> list[str]:
    """Layers whose activations of a ``shape`` map keep at least ``min_cells`` interior cells.

    Deep layers of small maps have too few cells for stable statistics; one
    capture of a blank map tells which layers are usable.
    """
    net = as_module(model)
    names = list(layers) if layers else layer_names(net)
    acts = capture(net, np.zeros(shape, np.float32), names, normalize=False)
    return [n for n in names if int(np.prod(acts[n].interior().shape[1:])) >= min_cells]


def write_csv(rows, path: str | Path) -> Path:
    """Write rows with :data:`COLUMNS` (floats with 6 significant digits)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
    return path


def read_csv(path: str | Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [{k: (_float(v) if k in FLOATS else v) for k, v in r.items()} for r in csv.DictReader(fh)]


def _float(text: str) -> float:
    return float(text) if text not in ("", None) else float("nan")


def channel_order(act: LayerActivation, by: str = "entropy", levels: int = 8, descending: bool = True,
                  max_channels: int = 4096) -> np.ndarray:
    """Channel indices of a layer sorted by a per-channel statistic (:data:`CHANNEL_ORDERS`)."""
    if by not in CHANNEL_ORDERS:
        raise SeisviewError(f"unknown channel order {by!r}", hint=f"one of {', '.join(CHANNEL_ORDERS)}")
    n = act.n_channels
    if by == "index":
        return np.arange(n)
    inner = act.interior()[:max_channels]
    if by in ("mean", "std", "max"):
        values = getattr(inner.reshape(len(inner), -1), by)(axis=1)
    else:
        small = inner
        step = max(1, int(math.sqrt(inner.shape[1] * inner.shape[2] / 65536)))
        if step > 1:  # per-channel GLCMs on a decimated grid keep ordering cheap
            small = inner[:, ::step, ::step]
        values = getattr(map_stats(small, levels=levels, shuffles=1 if by == "mutual_information" else 0),
                         by)
    values = np.nan_to_num(np.asarray(values, np.float64), nan=-np.inf)
    order = np.argsort(-values if descending else values, kind="stable")
    return order.astype(np.int64)


# -- the seed's in-phase / out-of-phase experiment ------------------------------------

def phase_pairs(volume, truth=None, times=None, band=(20.0, 45.0), min_distance: float = 0.5,
                state: TaskState | None = None):
    """Maps and pairs for the in-phase / out-of-phase comparison of seed 000.

    For each sample index ``k`` in ``times`` the amplitude map ``amp@time:T`` (T in ms, or
    ``depth:D`` in m, as users type slices) is paired with the band-passed map
    ``band@time:T`` and the envelope ``env@time:T`` of the same window (in phase: same
    structure, shared signal; ``amp@sample:K`` for a bare array). Out-of-phase pairs are
    amplitude maps of two times whose facies make-up differs (total-variation
    distance of the ``truth`` class histograms >= ``min_distance``; without
    truth, times at least 30 samples apart).

    Returns ``(maps, in_phase, out_of_phase)``. ``state``: cancel between times.
    """
    from seisview.attributes.seismic import attribute_map

    n_s = volume.shape[2]
    times = list(times) if times is not None else list(range(30, n_s - 10, 30))
    g = getattr(volume, "geometry", None)  # a bare array has no survey units: its sample index
    where = {k: g.spec_text(SectionSpec("time", k)) if g is not None else f"sample:{k}" for k in times}
    maps: dict[str, np.ndarray] = {}
    in_phase, out_phase = [], []
    check = state.check if state is not None else (lambda: None)
    for k in times:
        for name, attr, kw in (("amp", "amplitude", {}), ("env", "envelope", {}),
                               ("band", "bandpass", {"low_hz": band[0], "high_hz": band[1]})):
            check()  # a map of a survey-wide window takes seconds
            maps[f"{name}@{where[k]}"] = attribute_map(volume, k, attr, **kw)
        in_phase += [(f"amp@{where[k]}", f"band@{where[k]}"), (f"amp@{where[k]}", f"env@{where[k]}")]
    for k1, k2 in itertools.combinations(times, 2):
        if truth is not None:
            ids = np.arange(int(truth.max()) + 1)
            h1 = np.bincount(truth[:, :, k1].ravel(), minlength=len(ids)) / truth[:, :, k1].size
            h2 = np.bincount(truth[:, :, k2].ravel(), minlength=len(ids)) / truth[:, :, k2].size
            different = 0.5 * np.abs(h1 - h2).sum() >= min_distance
        else:
            different = abs(k1 - k2) >= 30
        if different:
            out_phase.append((f"amp@{where[k1]}", f"amp@{where[k2]}"))
    return maps, in_phase, out_phase


def facies_pairs(volume, truth, times=None, min_agreement: float = 0.85, min_gap: int = 10,
                 min_distance: float = 0.5, max_share: float = 0.95, max_pairs: int = 30):
    """Amplitude maps of time slices and two kinds of pairs of them, beyond the seed's claim.

    Same-facies pairs: two slices at least ``min_gap`` samples apart (so their amplitudes come
    from different reflections) whose true class maps agree at ``min_agreement`` of the positions
    and hold more than one class (no class above ``max_share``: a shared facies pattern, not a
    uniform one). Out-of-phase pairs: two slices whose class make-up differs by at least
    ``min_distance`` (as :func:`phase_pairs`). The raw amplitudes of a same-facies pair share
    little (other reflections); a network that has learnt the facies should map both to the
    same pattern. At most ``max_pairs`` of each kind, evenly spread over the candidates.
    Returns ``(maps, same_facies, out_of_phase)``.
    """
    from seisview.attributes.seismic import attribute_map

    n_s = volume.shape[2]
    times = list(times) if times is not None else list(range(20, n_s - 10, 10))
    g = getattr(volume, "geometry", None)
    where = {k: g.spec_text(SectionSpec("time", k)) if g is not None else f"sample:{k}" for k in times}
    n_cls = int(truth.max()) + 1
    hist = {k: np.bincount(truth[:, :, k].ravel(), minlength=n_cls) / truth[:, :, k].size for k in times}
    same, out = [], []
    for k1, k2 in itertools.combinations(times, 2):
        if 0.5 * np.abs(hist[k1] - hist[k2]).sum() >= min_distance:
            out.append((k1, k2))
        elif (k2 - k1 >= min_gap and max(hist[k1].max(), hist[k2].max()) <= max_share
              and float(np.mean(truth[:, :, k1] == truth[:, :, k2])) >= min_agreement):
            same.append((k1, k2))
    same, out = (_spread(p, max_pairs) for p in (same, out))
    used = sorted({k for p in same + out for k in p})
    maps = {f"amp@{where[k]}": attribute_map(volume, k, "amplitude") for k in used}
    name = {k: f"amp@{where[k]}" for k in used}
    return maps, [(name[a], name[b]) for a, b in same], [(name[a], name[b]) for a, b in out]


def _spread(items: list, n: int) -> list:
    """At most ``n`` of ``items``, evenly spaced."""
    if len(items) <= n:
        return items
    return [items[int(i)] for i in np.linspace(0, len(items) - 1, n).round()]


def separation(rows, in_phase, out_of_phase, stat: str = "entropy", lower: bool = True) -> dict[str, float]:
    """Per layer, the share of (in-phase, out-of-phase) pairs where the in-phase pair has
    the lower ``stat`` (or the higher, ``lower=False``, e.g. for mutual information)."""
    by_layer: dict[str, dict[tuple[str, str], float]] = {}
    for r in rows:
        if r["b"]:
            by_layer.setdefault(r["layer"], {})[(r["a"], r["b"])] = float(r[stat])
    out = {}
    for layer, vals in by_layer.items():
        ins = [vals[p] for p in in_phase if p in vals]
        outs = [vals[p] for p in out_of_phase if p in vals]
        if ins and outs:
            i, o = np.array(ins)[:, None], np.array(outs)[None, :]
            out[layer] = float(np.mean(i < o) if lower else np.mean(i > o))
    return out
