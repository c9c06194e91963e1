"""How the AIC onset window and the continuity penalty of the first-break picker were chosen:
on generated gathers only, never on the real hand picks (issue 19.2, third round).

    python benchmarks/fb_refine_choice.py [--gathers 100] [--seed 777]

The shipped picker picks ``--gathers`` generated gathers (``core.fb_synthetic``, a seed
that is not a training seed) with its moveout checks (``onset=False``). For each AIC window
(``core.onset.refine_onsets``, in dominant periods or fixed ms) it prints the share of picks
within max(2 samples, a tenth of the wavelet's period) of the true first break and the share
made worse by more than a quarter period, for the picks as they are and 2 ms late (the
lateness the zero-shot diagnosis found on real shots); score = hits minus made worse,
averaged over the two. Then the same hits for the continuity path
(``ml.fb_continuity.continuous_picks``) over penalties and free bands. Results:
docs/measurements.md, "Onset refinement and continuity".
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from seisview.core.fb_synthetic import gathers
from seisview.core.onset import refine_onsets
from seisview.ml.fb_continuity import continuous_picks
from seisview.ml.fb_data import gather_input, input_channels
from seisview.ml.fb_predict import arrival_probability, factor_for, load_picker, predict_gather
from seisview.ml.fb_pretrained import pretrained_snapshot

WINDOWS = [("period", b, b / 2) for b in (0.25, 0.5, 0.75, 1.0)] + \
          [("ms", b, b / 2) for b in (2.0, 4.0, 8.0, 12.0)]


def _score(items, picks, base) -> tuple[float, float]:
    hits = worse = n = 0
    for g, p, b in zip(items, picks, base, strict=True):
        period = 1000.0 / g.params["freq_hz"]
        ok = np.isfinite(g.fb_ms)
        err, err0 = np.abs(p - g.fb_ms)[ok], np.abs(b - g.fb_ms)[ok]
        hits += int(np.sum(err <= max(2 * g.dt_ms, 0.1 * period)))
        worse += int(np.sum(err > err0 + 0.25 * period))
        n += int(ok.sum())
    return hits / n, worse / n


def _refined(g, t, kind, before, after):
    if kind == "period":
        return refine_onsets(g.data, t, g.dt_ms, before=before, after=after)
    # a fixed window in ms: the same function with a nominal 20 ms period
    return refine_onsets(g.data, t, g.dt_ms, before=before / 20, after=after / 20, period_ms=20.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gathers", type=int, default=100)
    ap.add_argument("--seed", type=int, default=777)
    args = ap.parse_args()
    torch.set_num_threads(1)
    snap = pretrained_snapshot()
    net = load_picker(snap)
    items = gathers(args.seed, args.gathers, max_traces=48)
    picks, probs = [], []
    for g in items:
        t, _ = predict_gather(net, snap, g.data, g.dt_ms, offsets=g.offsets, onset=False)
        picks.append(t)
        factor = factor_for(g.dt_ms, float(snap.meta["factor_dt_ms"]))
        x = gather_input(g.data, g.data.shape[1], factor, float(snap.meta["compress"]),
                         snap.meta["decimate"])
        probs.append(arrival_probability(net, x, factor, input_channels(snap.meta["compress"])))
    for shift in (0.0, 2.0):
        base = [t + shift for t in picks]
        print(f"picks {shift:+.0f} ms: unrefined hits {_score(items, base, base)[0]:.3f}")
    for kind, before, after in WINDOWS:
        parts = []
        for shift in (0.0, 2.0):
            base = [t + shift for t in picks]
            parts.append(_score(items, [_refined(g, b, kind, before, after)
                                        for g, b in zip(items, base, strict=True)], base))
        score = np.mean([h - w for h, w in parts])
        print(f"AIC {before:g} / {after:g} {kind}: " + "; ".join(
            f"{s:+.0f} ms hits {h:.3f} worse {w:.3f}" for s, (h, w) in zip((0, 2), parts, strict=True))
            + f"; score {score:.3f}", flush=True)
    for penalty in (0.1, 0.3, 1.0):
        for free in (1.0, 3.0):
            path = []
            for g, t, p in zip(items, picks, probs, strict=True):
                band = max(8.0, 8.0 * g.dt_ms)  # predict_gather's tolerance
                path.append(continuous_picks(p, t / g.dt_ms, g.dt_ms, penalty=penalty,
                                             free_ms=free, band_ms=band) * g.dt_ms)
            print(f"continuity penalty {penalty:g} free {free:g} ms: hits "
                  f"{_score(items, path, picks)[0]:.3f}", flush=True)


if __name__ == "__main__":
    main()
