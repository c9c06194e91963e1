"""Where the shipped first-break picker, STA/LTA and the hand picks sit on the real refrapy
shots, and how the generated gathers compare with them (issue 19.2's diagnosis).

    python benchmarks/fb_zero_shot_diagnosis.py [--picker FILE] [--gathers 60]

Prints, with no hand pick used for picking: zero-shot minus hand pick per shot and per
offset band (median, interquartile range; with the AIC onsets and trace continuity of
``fb_predict.predict_gather``, and "plain" without them), the same for STA/LTA; the trace amplitude at
each pick as a share of the first arrival's peak (the largest |x| in the 15 ms after the
hand pick); and, for the real traces and for generated ones (``core.fb_synthetic``), the
trace's normalisation scale (99.5th percentile of |x|, what ``fb_data.normalise_traces``
divides by) over the first arrival's peak, the noise before the arrival over that scale,
and the first break's place in the record. A picker trained on gathers whose first arrivals
look different after normalisation cannot be expected to find the real ones where an
interpreter does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from seisview.core.fb_synthetic import random_gather
from seisview.core.onset import pick_gather
from seisview.io.segy import load
from seisview.ml.fb_data import picks_from_headers
from seisview.ml.fb_predict import predict_picks
from seisview.ml.fb_pretrained import pretrained_snapshot

REFRAPY = (Path(__file__).resolve().parents[1] / "tests" / "data" / "firstbreaks"
           / "refrapy-02" / "field_example_02_shots_with_fb.sgy")
BANDS = ((0, 10), (10, 30), (30, 60), (60, 90), (90, 300))


def _spread(d: np.ndarray) -> str:
    q1, med, q3 = np.percentile(d, [25, 50, 75])
    return f"median {med:+6.2f} ms, IQR {q3 - q1:5.2f} ms, within 2 ms {np.mean(np.abs(d) <= 2):6.1%}"


def trace_stats(trace: np.ndarray, dt_ms: float, pick_ms: float, win_ms: float = 15.0):
    """(log10 scale / first peak, log10 pre-arrival noise rms / scale, pick / record length)."""
    x = np.asarray(trace, np.float64)
    x = x - np.median(x)
    j, w = int(round(pick_ms / dt_ms)), int(round(win_ms / dt_ms))
    if j < int(6 / dt_ms) or j + w >= x.size:
        return None
    peak = np.abs(x[j:j + w]).max()
    scale = np.percentile(np.abs(x), 99.5)
    noise = np.sqrt(np.mean(x[max(0, j - int(20 / dt_ms)):j - int(1 / dt_ms)] ** 2))
    if peak <= 0 or scale <= 0 or noise <= 0:
        return None
    return np.log10(scale / peak), np.log10(noise / scale), pick_ms / (x.size * dt_ms)


def share_of_peak(trace: np.ndarray, dt_ms: float, t_ms: float, hand_ms: float) -> float:
    """|x| around ``t_ms`` (±2 samples) over the first arrival's peak after the hand pick."""
    x = np.asarray(trace, np.float64)
    x = x - np.median(x)
    j, h, w = int(round(t_ms / dt_ms)), int(round(hand_ms / dt_ms)), int(round(15 / dt_ms))
    if not (2 <= j < x.size - 3) or h + w >= x.size:
        return np.nan
    return float(np.abs(x[j - 2:j + 3]).max() / np.abs(x[h:h + w]).max())


def _percentiles(rows: list) -> str:
    a = np.array([r for r in rows if r is not None])
    names = ("log10 scale/first peak", "log10 noise/scale", "first break / record")
    return "; ".join(f"{n} p10/50/90 {np.round(np.percentile(a[:, i], [10, 50, 90]), 2).tolist()}"
                     for i, n in enumerate(names))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--picker", default=None, help="a picker file (default: the shipped one)")
    ap.add_argument("--gathers", type=int, default=60, help="generated gathers to compare")
    args = ap.parse_args()
    gs = load(REFRAPY)
    truth = picks_from_headers(gs)
    zero = predict_picks(pretrained_snapshot(args.picker), gs)  # AIC onsets, continuity
    plain = predict_picks(pretrained_snapshot(args.picker), gs, onset=False, continuity=False)
    sta = {}
    for key in gs.gather_ids:
        g = gs.gather(int(key))
        t = pick_gather(g.data, gs.dt_ms, t0_ms=gs.t0_ms, order=np.argsort(g.offsets))
        sta.update({(int(key), int(c)): float(ti) for c, ti in zip(g.channels, t, strict=True)})
    index = {(int(k), int(c)): i for i, (k, c) in enumerate(zip(gs.keys, gs.channels, strict=True))}
    keys = sorted(truth)
    hand = np.array([truth[k] for k in keys])
    dz = np.array([zero[k][0] for k in keys]) - hand
    dp = np.array([plain[k][0] for k in keys]) - hand
    ds = np.array([sta[k] for k in keys]) - hand
    shot = np.array([k[0] for k in keys])
    off = np.abs(np.array([gs.offsets[index[k]] for k in keys], float))
    print(f"{len(keys)} hand picks on {len(set(shot))} shots, picker step "
          f"{pretrained_snapshot(args.picker).meta.get('step')}")
    print(f"zero-shot - hand: {_spread(dz)}\n  without onsets and continuity: {_spread(dp)}"
          f"\nSTA/LTA   - hand: {_spread(ds)}")
    for s in sorted(set(shot)):
        m = shot == s
        print(f"  shot {s:2d} ({m.sum():2d} picks)  zero-shot {_spread(dz[m])} (plain "
              f"{np.mean(np.abs(dp[m]) <= 2):6.1%}) | STA/LTA {_spread(ds[m])}")
    for lo, hi in BANDS:
        m = (off >= lo) & (off < hi)
        if m.any():
            print(f"  offset {lo:3d}-{hi:3d} m ({m.sum():2d})  zero-shot {_spread(dz[m])} (plain "
                  f"{_spread(dp[m])}) | STA/LTA {_spread(ds[m])}")
    shares = np.array([[share_of_peak(gs.data[index[k]], gs.dt_ms, t, truth[k] - gs.t0_ms)
                        for t in (truth[k] - gs.t0_ms, sta[k] - gs.t0_ms, zero[k][0] - gs.t0_ms,
                                  plain[k][0] - gs.t0_ms)]
                       for k in keys])
    med = np.nanmedian(shares, axis=0)
    print(f"|x| at the pick / first arrival's peak, median: hand {med[0]:.3f}, STA/LTA {med[1]:.3f}, "
          f"zero-shot {med[2]:.3f} (plain {med[3]:.3f})")
    real = [trace_stats(gs.data[index[k]], gs.dt_ms, truth[k] - gs.t0_ms) for k in keys]
    print("real traces:      " + _percentiles(real))
    rng = np.random.default_rng(7)
    syn = []
    for _ in range(args.gathers):
        g = random_gather(rng, max_traces=48)
        syn += [trace_stats(g.data[j], g.dt_ms, g.fb_ms[j]) for j in range(g.n_traces)
                if np.isfinite(g.fb_ms[j])]
    print("generated traces: " + _percentiles(syn))


if __name__ == "__main__":
    main()
