"""First-break picking quality: the U-Net picker against the classical STA/LTA picker,
side by side in one run, on the demo gathers and on real land shots.

The picker learns from the picks of 3 gathers and is scored on every other
gather; every data set is run for several choices of the 3 training gathers
(``--splits``), so a result cannot hinge on one lucky choice. Scores: the share
of true picks within ±2 samples (the issue's target), within ±8 samples,
within ±2 ms, the mean absolute error and the median bias (ms). Data: the demo
shot gathers (1 ms, synthetic, known first breaks) and the real refrapy land
shots (0.25 ms, hand picks; 2 samples = 0.5 ms, 8 samples = 2 ms there).

    python benchmarks/bench_firstbreak.py --data demo,real --steps 1500 --json out.json

Optional ``--inits scratch,autoencoder,gan`` also starts the picker from an
encoder pretrained on all gathers without labels. Runs for minutes on 2 CPU
cores (one training per data set, split and start).

Measurements of ideas that did not become the default (docs/measurements.md, "First breaks"):
``--self-train 0.6`` (a second phase on the confident picks of the other gathers),
``--xshot 3,6,10`` (re-fit picks far from a surface-consistent cross-shot model),
``--offset-channel`` (an |offset| input channel). ``--save-dir`` keeps each run's
checkpoint and ``--load-dir`` scores those again without training, so the
post-training ideas can be compared on the very same networks.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from seisview.core.onset import pick_gather, refine_onsets
from seisview.ml.fb_data import picks_from_headers, window_samples
from seisview.ml.fb_pretrained import FINE_TUNE_LR, FINE_TUNE_STEPS
from seisview.ml.firstbreak import (
    FirstBreakConfig,
    FirstBreakData,
    predict_picks,
    run_training,
    score_picks,
)

REFRAPY = (Path(__file__).resolve().parents[1] / "tests" / "data" / "firstbreaks"
           / "refrapy-02" / "field_example_02_shots_with_fb.sgy")
# training shots of the real line: spread over it (first, middle, last) and two others
REAL_SPLITS = "1,6,10;3,7,9;4,5,8"


def load(name: str):
    if name == "demo":
        from seisview.io.demo import demo_gatherset

        return demo_gatherset()
    from seisview.io.segy import load as load_segy

    return load_segy(REFRAPY)


def spread(ids, n: int) -> list[int]:
    """``n`` gathers spread over the line (first and last included)."""
    pos = np.unique(np.round(np.linspace(0, len(ids) - 1, n)).astype(int))
    return [int(ids[i]) for i in pos]


def splits_for(name: str, ids, args) -> list[list[int]]:
    if name == "real" and args.splits:
        return [[int(k) for k in s.split(",")] for s in args.splits.split(";")]
    return [spread(ids, 3), spread(ids[1:-1], 3)][:max(args.n_splits, 1)]


def score_all(pred: dict, truth: dict, dt: float, test: set) -> dict:
    s2 = score_picks(pred, truth, dt, 2, keys=test)
    s8 = score_picks(pred, truth, dt, 8, keys=test)
    sms = score_picks(pred, truth, 1.0, 2.0, keys=test)  # ±2 ms whatever the sampling
    return {"within2": s2["within"], "within8": s8["within"], "within2ms": sms["within"],
            "mae_ms": s2["mae_ms"], "bias_ms": s2["median_bias_ms"], "n": s2["n"]}


def sta_lta(gs, test, onset: bool = False) -> dict:
    """STA/LTA picks; ``onset``: then placed on the AIC onset as the trained picker's are."""
    out = {}
    for key in test:
        g = gs.gather(key)
        t = pick_gather(g.data, gs.dt_ms, t0_ms=gs.t0_ms, order=np.argsort(g.offsets))
        if onset:
            t = refine_onsets(g.data.T, t, gs.dt_ms, gs.t0_ms)
        out.update({(key, int(c)): (float(ti), 1.0) for c, ti in zip(g.channels, t, strict=True)})
    return out


def run_split(name: str, gs, truth: dict, train_keys: list[int], args) -> list[dict]:
    ids = list(gs.gather_ids)
    test = {int(k) for k in ids if k not in train_keys}
    picks = {k: v for k, v in truth.items() if k[0] in train_keys}
    data = FirstBreakData(gs, picks)
    split = ",".join(map(str, train_keys))
    c0 = time.process_time()
    rows = [{"data": name, "train": split, "method": "STA/LTA",
             **score_all(sta_lta(gs, test), truth, gs.dt_ms, test),
             "cpu_s": time.process_time() - c0}]
    print(_fmt(rows[-1]), flush=True)
    window_ms = window_samples(gs, picks) * gs.dt_ms
    for init in args.inits:
        c0 = time.process_time()
        snap, pre_s = None, 0.0
        if init != "scratch":
            from seisview.ml.pretrain import PretrainConfig, run_pretrain

            done = run_pretrain(PretrainConfig(model=init, steps=args.pretrain_steps,
                                               window_ms=window_ms, seed=args.seed), gs)
            snap, pre_s = done.snapshot, time.process_time() - c0
        cfg = FirstBreakConfig(steps=args.steps, seed=args.seed, init=snap,
                               offset_channel=args.offset_channel)
        saved = Path(args.load_dir or ".") / f"fb-{name}-{split}-{init}.safetensors"
        if args.load_dir and saved.is_file():  # a run of --save-dir: score it again
            from types import SimpleNamespace

            from seisview.ml.checkpoint import load_checkpoint

            done = SimpleNamespace(snapshot=load_checkpoint(saved), steps=0, history=())
        else:
            done = run_training(cfg, data)
        pred = predict_picks(done.snapshot, gs, keys=sorted(test))
        if args.save_dir:
            from seisview.ml.firstbreak import save_run_checkpoint

            save_run_checkpoint(Path(args.save_dir) / f"fb-{name}-{split}-{init}", done.snapshot)
        rows.append({"data": name, "train": split,
                     "method": "U-Net" + ("" if init == "scratch" else f" ({init})")
                     + (" +offset" if args.offset_channel else ""),
                     **score_all(pred, truth, gs.dt_ms, test), "cpu_s": time.process_time() - c0,
                     "pretrain_cpu_s": pre_s, "best_step": done.snapshot.meta.get("step"),
                     "steps_run": done.steps, "snap": done.snapshot.meta.get("snap"),
                     "history": [{k: h[k] for k in ("step", "val_within", "val_mae_samples")
                                  if k in h} for h in done.history]})
        print(_fmt(rows[-1]), flush=True)
        for tol in args.xshot:
            rows.append(cross_shot_row(name, gs, truth, train_keys, test, picks, done.snapshot,
                                       pred, tol))
            print(_fmt(rows[-1]) + f"  re-fitted {rows[-1]['refit']}", flush=True)
        if args.self_train:
            rows.append(self_train_row(name, gs, truth, train_keys, test, picks, done.snapshot,
                                       pred, args))
            print(_fmt(rows[-1]), flush=True)
    return rows


def surface_consistent_times(gs, times: dict, weights: dict, knot_m: float = 5.0) -> dict:
    """A smooth cross-shot model of first-break times, ``{(key, channel): time_ms}``.

    t = a(source) + b(receiver) + g(signed offset): a per-shot delay, a per-receiver
    delay (ridge-damped) and one offset curve shared by all shots (piecewise linear,
    knots every ``knot_m``, second differences damped), fitted by iteratively
    reweighted least squares to an L1 fit of ``times`` weighted by ``weights``. Without
    source / receiver coordinates (headers ``sx_m`` / ``gx_m``) the receiver term is
    dropped and the offsets alone are used.
    """
    keys = list(times)
    pos = {(int(k), int(c)): i for i, (k, c) in enumerate(zip(gs.keys, gs.channels, strict=True))}
    idx = np.array([pos[k] for k in keys])
    t = np.array([times[k] for k in keys])
    w0 = np.array([weights[k] for k in keys])
    h = np.asarray(gs.offsets, float)[idx]
    src = np.array([k[0] for k in keys])
    cols = [(src[:, None] == np.unique(src)[None]).astype(float)]
    n_rec = 0
    if "sx_m" in gs.headers and "gx_m" in gs.headers:
        gx = np.asarray(gs.headers["gx_m"], float)[idx]
        h = gx - np.asarray(gs.headers["sx_m"], float)[idx]
        cols.append((gx[:, None] == np.unique(gx)[None]).astype(float))
        n_rec = cols[-1].shape[1]
    knots = np.arange(np.floor(h.min() / knot_m) * knot_m, h.max() + knot_m, knot_m)
    hat = np.clip(1.0 - np.abs(h[:, None] - knots[None]) / knot_m, 0.0, 1.0)
    a = np.hstack(cols + [hat])
    n_a = cols[0].shape[1]
    reg = np.zeros((n_rec + len(knots) - 2, a.shape[1]))
    reg[np.arange(n_rec), n_a + np.arange(n_rec)] = 0.3
    for i in range(len(knots) - 2):
        reg[n_rec + i, n_a + n_rec + i:n_a + n_rec + i + 3] = (1.0, -2.0, 1.0)
    w = w0.copy()
    for _ in range(20):
        coef = np.linalg.lstsq(np.vstack([a * w[:, None], reg]),
                               np.concatenate([t * w, np.zeros(len(reg))]), rcond=None)[0]
        w = w0 / np.sqrt(np.maximum(np.abs(t - a @ coef), 0.5))
    return dict(zip(keys, a @ coef, strict=True))


def cross_shot_row(name: str, gs, truth: dict, train_keys, test, picks: dict, snap, pred: dict,
                   tol_ms: float) -> dict:
    """Picks more than ``tol_ms`` from the cross-shot model (hand picks weight 1, predicted
    picks their confidence) are re-fitted within ``tol_ms`` of it on the network's
    arrival probability, as ``consistent_picks`` does along one gather."""
    from seisview.ml.fb_data import gather_input, input_channels
    from seisview.ml.fb_predict import arrival_probability, factor_for, load_picker
    from seisview.ml.models.fb_unet import step_costs

    c0 = time.process_time()
    times = {**{k: v[0] for k, v in pred.items()}, **picks}
    weights = {**{k: max(v[1], 0.05) for k, v in pred.items()}, **{k: 1.0 for k in picks}}
    model = surface_consistent_times(gs, times, weights)
    net, meta, out = load_picker(snap), snap.meta, dict(pred)
    factor = factor_for(gs.dt_ms, float(meta["factor_dt_ms"]))
    n = int(round(float(meta["window_ms"]) / gs.dt_ms))
    for key in sorted(test):
        idx = gs.trace_indices(key)
        x = gather_input(gs.data[idx], n, factor, float(meta["compress"]), meta["decimate"],
                         gs.offsets[idx], meta.get("offset_scale_m"))
        cost = step_costs(arrival_probability(net, x, factor, input_channels(meta["compress"]))[:n])
        for j, ch in enumerate(gs.channels[idx]):
            k = (key, int(ch))
            m = (model[k] - gs.t0_ms) / gs.dt_ms
            if abs(out[k][0] - model[k]) > tol_ms:
                lo = int(np.clip(m - tol_ms / gs.dt_ms, 0, cost.shape[0] - 1))
                hi = int(np.clip(m + tol_ms / gs.dt_ms, lo, cost.shape[0] - 1))
                k_new = lo + int(np.argmin(cost[lo:hi + 1, j]))
                out[k] = (gs.t0_ms + k_new * gs.dt_ms, out[k][1] * 0.5)
    moved = sum(out[k] != pred[k] for k in out)
    return {"data": name, "train": ",".join(map(str, train_keys)),
            "method": f"U-Net +xshot {tol_ms:g} ms", **score_all(out, truth, gs.dt_ms, test),
            "cpu_s": time.process_time() - c0, "refit": moved}


def self_train_row(name: str, gs, truth: dict, train_keys, test, picks: dict, snap, pred: dict,
                   args) -> dict:
    """Second phase: the first model's confident picks of the other gathers join the hand
    picks (as "Accept into pick set" with threshold ``--self-train`` would), and training
    goes on from the first model for ``--self-steps``; scored on the same other gathers."""
    c0 = time.process_time()
    thr = args.self_train
    pseudo = {k: t for k, (t, c) in pred.items() if c >= thr and k[0] in test}
    err = np.array([pseudo[k] - truth[k] for k in pseudo if k in truth])
    cfg = FirstBreakConfig(steps=args.self_steps, seed=args.seed, init=snap,
                           offset_channel=args.offset_channel)
    done = run_training(cfg, FirstBreakData(gs, {**pseudo, **picks}))
    pred2 = predict_picks(done.snapshot, gs, keys=sorted(test))
    row = {"data": name, "train": ",".join(map(str, train_keys)),
           "method": f"U-Net +self {thr:g}", **score_all(pred2, truth, gs.dt_ms, test),
           "cpu_s": time.process_time() - c0, "pseudo_n": len(pseudo),
           "pseudo_within2ms": float(np.mean(np.abs(err) <= 2.0 + 1e-9)) if err.size else 0.0}
    print(f"  pseudo-picks: {len(pseudo)} of {len(pred)} traces at confidence >= {thr:g}, "
          f"{row['pseudo_within2ms']:.0%} of them within 2 ms of the hand pick", flush=True)
    return row


def bench_live(name: str, train_keys: list[int], updates: int = 3) -> dict:
    """Press Train on picks in the First-break picker dock (offscreen Qt) and time the live
    picks of a gather not picked: seconds from the click to each of the first ``updates``
    re-picks of the gather on screen, and the share of its picks within ±2 ms then."""
    import os
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from seisview.io.project import Project
    from seisview.io.segy import write_gathers_segy
    from seisview.qt.app import make_app
    from seisview.qt.firstbreak_panel import FirstBreakPanel
    from seisview.qt.main_window import MainWindow

    app = make_app()
    gs = load(name)
    truth = picks_from_headers(gs)
    shown = next(int(k) for k in gs.gather_ids if int(k) not in train_keys)
    with tempfile.TemporaryDirectory() as tmp:
        write_gathers_segy(Path(tmp) / "g.sgy", gs)
        project = Project.create(Path(tmp) / "p.seisview", Path(tmp) / "g.sgy")
        project.picks.set_many({k: v for k, v in truth.items() if k[0] in train_keys})
        w = MainWindow(load_panels=False)
        panel = FirstBreakPanel(w)
        w.session.open_gathers(gs)
        w.session.project = project
        w.session.set_gather(shown)
        t0 = time.monotonic()
        panel.train_btn.click()
        seen: list[tuple[float, float]] = []
        while len(seen) < updates and time.monotonic() - t0 < 600:
            app.processEvents()
            v = panel._version.get(shown, 0)
            if v > len(seen):
                keys = {k: t for k, t in truth.items() if k[0] == shown}
                s = score_picks(panel.predictions, keys, 1.0, 2.0)  # ±2 ms
                seen.append((time.monotonic() - t0, s["within"]))
            time.sleep(0.005)
        panel.shutdown()
        app.processEvents()
        project.close()
    out = {"data": name, "gather": shown, "updates": seen, "load": os.getloadavg()[0]}
    print(f"{name:5s} live picks of gather {shown} after Train: " + ", ".join(
        f"{t:.1f} s ({w:.0%} within ±2 ms)" for t, w in seen)
        + f"  (load {out['load']:.1f})", flush=True)
    return out


# --table --refine: how the picks of every picker are placed (ml.fb_predict.predict_gather);
# "plain": the network's steps with the moveout checks of before issue 19.2's third round
REFINE_VARIANTS = {
    "plain": ("", {"onset": False, "continuity": False}),
    "onset": (" +onset", {"onset": True, "continuity": False}),
    "continuity": (" +continuity", {"onset": False, "continuity": True}),
    "both": (" +both", {"onset": True, "continuity": True}),
}

# --table: picks of 1, 3 or 5 real shots, two choices each (spread over the line)
TABLE_SHOTS = {1: ("6", "3"), 3: ("1,6,10", "3,7,9"), 5: ("1,4,6,8,10", "3,5,7,9,10")}


def consistent_picks(gs, truth: dict, window_ms: float = 4.0, agree_ms: float = 1.0) -> set:
    """Hand picks a waveform supports: the AIC onset within ±``window_ms`` of the pick lies
    within ``agree_ms`` of it (on the others the onset is too emergent or noisy to say
    where the break is, and a picker cannot be held to 2 ms there)."""
    from seisview.core.onset import snap

    keep = set()
    index = {(int(k), int(c)): i for i, (k, c) in enumerate(zip(gs.keys, gs.channels, strict=True))}
    for key, t in truth.items():
        tr = gs.data[index[key]]
        if abs(snap(tr, t, window_ms, gs.dt_ms, method="aic", t0_ms=gs.t0_ms,
                    cf_ms=max(4 * gs.dt_ms, 2.0)) - t) <= agree_ms:
            keep.add(key)
    return keep


def _score_row(pred: dict, truth: dict, test: set, clear: set) -> dict:
    s2 = score_picks(pred, truth, 1.0, 2.0, keys=test)
    s05 = score_picks(pred, truth, 1.0, 0.5, keys=test)
    sub = {k: v for k, v in truth.items() if k in clear}
    sc = score_picks(pred, sub, 1.0, 2.0, keys=test)
    return {"within2ms": s2["within"], "within05ms": s05["within"], "mae_ms": s2["mae_ms"],
            "bias_ms": s2["median_bias_ms"], "n": s2["n"], "clear_within2ms": sc["within"],
            "clear_n": sc["n"]}


def bench_table(gs, truth: dict, args) -> list[dict]:
    """STA/LTA, the shipped picker zero-shot, and fine-tuned vs scratch from 1, 3 and 5 shots,
    each scored on the shots not picked (the same shots for every method of a row)."""
    from seisview.ml.fb_pretrained import pretrained_snapshot

    clear = consistent_picks(gs, truth)
    print(f"{len(clear)} of {len(truth)} hand picks supported by their AIC onset within 1 ms",
          flush=True)
    variants = [REFINE_VARIANTS[v] for v in args.refine]
    ids = [int(k) for k in gs.gather_ids]
    zero = {suffix: predict_picks(pretrained_snapshot(), gs, **kw) for suffix, kw in variants}
    sta = {suffix: sta_lta(gs, ids, onset=kw["onset"]) for suffix, kw in variants}
    rows = []
    for n_shots in args.table_shots:
        for choice in TABLE_SHOTS[n_shots][:args.choices]:
            keys = [int(k) for k in choice.split(",")]
            test = set(ids) - set(keys)
            base = {"shots": n_shots, "train": choice}
            for method, preds in (("STA/LTA", sta), ("zero-shot", zero)):
                for suffix, pred in preds.items():
                    rows.append({**base, "seed": "-", "method": method + suffix,
                                 **_score_row(pred, truth, test, clear), "cpu_s": 0.0})
                    print(_fmt_table(rows[-1]), flush=True)
            data = FirstBreakData(gs, {k: v for k, v in truth.items() if k[0] in keys})
            for seed in args.seeds:
                for method in args.table_methods:
                    c0 = time.process_time()
                    if method == "scratch":
                        cfg = FirstBreakConfig(steps=args.steps, seed=seed)
                    else:
                        cfg = FirstBreakConfig(steps=args.ft_steps, seed=seed, init="pretrained",
                                               lr=args.ft_lr)
                    done = _trained(cfg, data, args, f"fb-table-{choice}-{method}-{seed}")
                    if done is None:
                        continue
                    cpu = time.process_time() - c0
                    for suffix, kw in variants:
                        pred = predict_picks(done.snapshot, gs, keys=sorted(test), **kw)
                        rows.append({**base, "seed": seed, "method": method + suffix,
                                     **_score_row(pred, truth, test, clear), "cpu_s": cpu,
                                     "steps": done.steps, "snap": done.snapshot.meta.get("snap")})
                        print(_fmt_table(rows[-1]), flush=True)
    print("\nmean over choices of shots and seeds (min-max), share within 2 ms of the others "
          f"(load average {os.getloadavg()[0]:.1f}):")
    for n_shots in args.table_shots:
        for method in [m + suffix for m in ("STA/LTA", "zero-shot", *args.table_methods)
                       for suffix, _ in variants]:
            rs = [r for r in rows if r["shots"] == n_shots and r["method"] == method]
            if rs:
                w = [r["within2ms"] for r in rs]
                c = [r["clear_within2ms"] for r in rs]
                print(f"{n_shots} shot(s) {method:10s} {np.mean(w):6.1%} ({min(w):.1%}-{max(w):.1%})"
                      f"  clear picks {np.mean(c):6.1%}  ±0.5 ms "
                      f"{np.mean([r['within05ms'] for r in rs]):6.1%}  MAE "
                      f"{np.mean([r['mae_ms'] for r in rs]):5.2f} ms  runs {len(rs)}", flush=True)
    return rows


def _trained(cfg, data, args, name: str):
    """Train, or load the checkpoint a ``--save-dir`` run left in ``--load-dir``."""
    from types import SimpleNamespace

    from seisview.ml.checkpoint import load_checkpoint
    from seisview.ml.firstbreak import save_run_checkpoint

    saved = Path(args.load_dir or ".") / f"{name}.safetensors"
    if args.load_dir and saved.is_file():
        return SimpleNamespace(snapshot=load_checkpoint(saved), steps=0, history=())
    if args.only_saved:
        return None
    done = run_training(cfg, data)
    if args.save_dir:
        save_run_checkpoint(Path(args.save_dir) / name, done.snapshot)
    return done


def _fmt_table(r: dict) -> str:
    return (f"{r['shots']} shot(s) {r['train']:11s} seed {r['seed']!s:2s} {r['method']:10s} ±2 ms "
            f"{r['within2ms']:6.1%}  clear {r['clear_within2ms']:6.1%} ({r['clear_n']})  ±0.5 ms "
            f"{r['within05ms']:6.1%}  MAE {r['mae_ms']:5.2f} ms  bias {r['bias_ms']:+5.2f} ms  "
            f"n {r['n']:3d}  CPU {r['cpu_s']:4.0f} s")


def _fmt(r: dict) -> str:
    return (f"{r['data']:5s} {r['train']:8s} {r['method']:20s} ±2 smp {r['within2']:6.1%}"
            f"  ±8 smp {r['within8']:6.1%}  ±2 ms {r['within2ms']:6.1%}  MAE {r['mae_ms']:5.2f} ms"
            f"  bias {r['bias_ms']:+5.2f} ms  n {r['n']:4d}  CPU {r['cpu_s']:5.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="demo,real")
    ap.add_argument("--inits", default="scratch")
    ap.add_argument("--steps", type=int, default=FirstBreakConfig.steps)
    ap.add_argument("--pretrain-steps", type=int, default=400)
    ap.add_argument("--splits", default=REAL_SPLITS,
                    help="training gathers of the real line, ';'-separated choices")
    ap.add_argument("--n-splits", type=int, default=2, help="choices of 3 demo gathers")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    ap.add_argument("--save-dir", default=None, help="keep each picker's checkpoint here")
    ap.add_argument("--load-dir", default=None,
                    help="score the checkpoints a --save-dir run left there instead of training")
    ap.add_argument("--self-train", type=float, default=None, metavar="CONF",
                    help="also run a self-training phase on the picks of the other gathers "
                         "with confidence >= CONF")
    ap.add_argument("--offset-channel", action="store_true",
                    help="give the picker a constant |offset| input channel")
    ap.add_argument("--xshot", default="", metavar="TOL_MS,...",
                    help="also score a cross-shot re-fit of the picks (surface-consistent "
                         "model) at these tolerances")
    ap.add_argument("--self-steps", type=int, default=500, help="steps of that phase")
    ap.add_argument("--live", action="store_true",
                    help="only time the live picks in the GUI dock (Train -> first picks)")
    ap.add_argument("--table", action="store_true",
                    help="real shots only: STA/LTA, the shipped picker zero-shot, fine-tuned "
                         "from it and scratch from 1, 3 and 5 picked shots")
    ap.add_argument("--table-shots", default="1,3,5")
    ap.add_argument("--table-methods", default="fine-tuned,scratch")
    ap.add_argument("--choices", type=int, default=2, help="choices of shots per count")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--ft-steps", type=int, default=None,
                    help="fine-tuning steps (default: the dock's and CLI's)")
    ap.add_argument("--ft-lr", type=float, default=None)
    ap.add_argument("--only-saved", action="store_true",
                    help="--table with --load-dir: score the saved runs only, train none")
    ap.add_argument("--refine", default="plain,both",
                    help="--table: score every picker with these placements of its picks "
                         f"({', '.join(REFINE_VARIANTS)}); STA/LTA takes the onset only")
    args = ap.parse_args()
    args.inits = args.inits.split(",")
    if args.table:
        args.table_shots = [int(v) for v in args.table_shots.split(",")]
        args.table_methods = args.table_methods.split(",")
        args.seeds = [int(v) for v in args.seeds.split(",")]
        args.ft_steps = args.ft_steps or FINE_TUNE_STEPS
        args.ft_lr = args.ft_lr or FINE_TUNE_LR
        args.refine = args.refine.split(",")
        torch.set_num_threads(args.threads)
        gs = load("real")
        rows = bench_table(gs, picks_from_headers(gs), args)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1, default=float))
        return
    args.xshot = [float(v) for v in args.xshot.split(",") if v]
    if args.live:
        for name in args.data.split(","):
            ids = list(load(name).gather_ids)
            bench_live(name, splits_for(name, ids, args)[0])
        return
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.data.split(","):
        gs = load(name)
        truth = picks_from_headers(gs)
        for keys in splits_for(name, list(gs.gather_ids), args):
            rows += run_split(name, gs, truth, keys, args)
    print(f"\nfirst breaks on the gathers not picked (picks of 3 gathers, {args.steps} steps max):")
    for r in rows:
        print(_fmt(r))
    print("\nmean over the choices of training gathers:")
    for name in args.data.split(","):
        for method in dict.fromkeys(r["method"] for r in rows if r["data"] == name):
            rs = [r for r in rows if r["data"] == name and r["method"] == method]
            m = {k: float(np.mean([r[k] for r in rs])) for k in
                 ("within2", "within8", "within2ms", "mae_ms", "bias_ms", "cpu_s")}
            print(_fmt({"data": name, "train": f"{len(rs)} sets", "method": method, **m,
                        "n": sum(r["n"] for r in rs)}))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=float))


if __name__ == "__main__":
    main()
