"""Per-layer statistics (network, random copy, raw maps), CSV rows and `seisview introspect stats`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seisview.core.errors import SeisviewError
from seisview.ml.introspect import (
    COLUMNS,
    channel_order,
    introspect,
    pair_list,
    random_copy,
    read_csv,
    write_csv,
)

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def snapshot():
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot

    torch.manual_seed(1)
    return ModelSnapshot.of(build_model("unet", 3, base=4), "unet", {"base": 4})


def test_pair_modes():
    names = ["a", "b", "c"]
    assert pair_list(names, "consecutive") == [("a", "b"), ("b", "c")]
    assert pair_list(names, "all") == [("a", "b"), ("a", "c"), ("b", "c")]
    assert pair_list(names, "none") == []
    with pytest.raises(SeisviewError, match="unknown maps"):
        pair_list(names, [("a", "z")])


def test_random_copy_has_fresh_weights(snapshot):
    net = snapshot.build()
    rnd = random_copy(net, seed=3)
    w0 = dict(net.named_parameters())
    changed = [n for n, p in rnd.named_parameters() if p.ndim > 1 and not torch.equal(p, w0[n])]
    assert len(changed) == sum(1 for p in net.parameters() if p.ndim > 1)
    assert torch.equal(dict(random_copy(net, seed=3).named_parameters())["down.0.0.0.weight"],
                       dict(rnd.named_parameters())["down.0.0.0.weight"])


def test_rows_cover_raw_layers_and_random_copy(snapshot):
    rng = np.random.default_rng(0)
    base = rng.normal(size=(64, 72)).astype(np.float32)
    maps = {"a": base, "b": base + 0.3 * rng.normal(size=base.shape).astype(np.float32),
            "flat": np.zeros_like(base)}
    rows = introspect(snapshot, maps, layers=["enc0", "enc1"], pairs="all", shuffles=2)
    layers = {r["layer"] for r in rows}
    assert layers == {"raw", "enc0", "enc1", "random:enc0", "random:enc1"}
    assert len(rows) == 5 * (3 + 3)  # per layer: 3 single maps + 3 pairs
    for r in rows:
        assert all(np.isfinite(r[k]) for k in COLUMNS[3:]), r
    flat = [r for r in rows if r["a"] == "flat" and not r["b"]]
    assert all(r["entropy"] == 0.0 for r in flat)
    related = {r["layer"]: r["mutual_information"] for r in rows if (r["a"], r["b"]) == ("a", "b")}
    assert min(related.values()) > 0.2


def test_mismatched_pair_is_refused_before_any_capture(snapshot):
    maps = {"a": np.zeros((40, 40)), "b": np.zeros((40, 41))}
    with pytest.raises(SeisviewError, match=r"pair \(a, b\) differ in shape"):
        introspect(snapshot, maps)


def test_channel_order(snapshot):
    from seisview.ml.activations import capture

    x = np.random.default_rng(1).normal(size=(60, 60)).astype(np.float32)
    act = capture(snapshot, x, ["enc1"])["enc1"]
    for by in ("index", "std", "entropy", "energy"):
        order = channel_order(act, by)
        assert sorted(order.tolist()) == list(range(act.n_channels))
    std = act.interior().reshape(act.n_channels, -1).std(axis=1)
    assert np.all(np.diff(std[channel_order(act, "std")]) <= 1e-7)
    with pytest.raises(SeisviewError, match="channel order"):
        channel_order(act, "beauty")


def test_cli_stats_from_a_project_run(tmp_path, snapshot, capsys):
    from seisview.cli import main
    from seisview.io.demo import demo_geometry
    from seisview.io.project import Project
    from seisview.ml.checkpoint import save_checkpoint

    ckpt = save_checkpoint(tmp_path / "run1.safetensors", snapshot)
    with Project.create(tmp_path / "p.seisview", geometry=demo_geometry()) as p:
        run = p.add_run("facies", "unet", {"base": 4})
        p.update_run(run, status="done", checkpoint=str(ckpt))
    rng = np.random.default_rng(2)
    np.save(tmp_path / "n1.npy", rng.normal(size=(48, 64)))
    np.save(tmp_path / "n2.npy", rng.normal(size=(48, 64)))
    np.save(tmp_path / "n3.npy", rng.normal(size=(48, 65)))
    out = tmp_path / "stats.csv"
    rc = main(["introspect", "stats", str(tmp_path / "n1.npy"), str(tmp_path / "n2.npy"), str(tmp_path / "n3.npy"),
               "--project", str(tmp_path / "p.seisview"), "--run", str(run), "--layers", "enc0,enc2",
               "--pairs", "consecutive", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "(48, 64) vs (48, 65)" in err
    rc = main(["introspect", "stats", str(tmp_path / "n1.npy"), str(tmp_path / "n2.npy"),
               "--project", str(tmp_path / "p.seisview"), "--run", str(run), "--layers", "enc0,enc2",
               "--out", str(out)])
    assert rc == 0
    header = out.read_text().splitlines()[0]
    assert header == ",".join(COLUMNS)
    rows = read_csv(out)
    assert {r["layer"] for r in rows} == {"raw", "enc0", "enc2", "random:enc0", "random:enc2"}
    pair = [r for r in rows if r["b"]]
    assert len(pair) == 5 and all(abs(r["mutual_information"]) < 0.05 for r in pair)
    assert len([r for r in rows if not r["b"]]) == 10


def test_cli_errors_are_one_line(tmp_path, snapshot, capsys):
    from seisview.cli import main
    from seisview.ml.checkpoint import save_checkpoint

    ckpt = save_checkpoint(tmp_path / "m.safetensors", snapshot)
    np.save(tmp_path / "cube.npy", np.zeros((3, 4, 5)))
    cases = [
        (["missing.npy"], "not found"),
        ([str(tmp_path / "cube.npy")], "maps must be 2-D"),
        (["demo:time:99999"], "outside the survey"),
        (["demo:inline:5"], "inline 5 is outside the survey"),
        (["demo:time:400:sweetness"], "unknown attribute"),
    ]
    for maps, msg in cases:
        rc = main(["introspect", "stats", *maps, "--checkpoint", str(ckpt), "--out", str(tmp_path / "o.csv")])
        err = capsys.readouterr().err
        assert rc == 2 and msg in err and "Traceback" not in err, (maps, err)
    rc = main(["introspect", "stats", "demo:time:400", "--out", str(tmp_path / "o.csv")])
    assert rc == 2 and "--project P --run ID" in capsys.readouterr().err


def test_write_csv_roundtrip(tmp_path):
    rows = [{"a": "m1", "b": "", "layer": "raw", "entropy": 1.5, "energy": 0.25, "homogeneity": 0.5,
             "contrast": 2.0, "mutual_information": -0.001, "mi_noise": 0.025}]
    back = read_csv(write_csv(rows, tmp_path / "x" / "r.csv"))
    assert back == rows
    old = [{k: v for k, v in rows[0].items() if k != "mi_noise"}]  # a table from before mi_noise
    assert np.isnan(read_csv(write_csv(old, tmp_path / "old.csv"))[0]["mi_noise"])


def test_cli_stats_on_a_real_section(tmp_path, snapshot, shared_data):
    """Penobscot crossline 1155 (real, 1501 samples x 601 traces) against its own attributes."""
    from seisview.attributes.maps import load_map
    from seisview.cli import main
    from seisview.ml.checkpoint import save_checkpoint

    sgy = shared_data / "segy/penobscot/penobscot_xl1155.sgy"
    amp = load_map(f"{sgy}:crossline:1155")
    assert amp.shape == (1501, 601)
    ckpt = save_checkpoint(tmp_path / "m.safetensors", snapshot)
    out = tmp_path / "real.csv"
    np.save(tmp_path / "noise.npy", np.random.default_rng(4).normal(size=amp.shape))
    maps = [f"{sgy}:crossline:1155", f"{sgy}:crossline:1155:envelope", f"{sgy}:crossline:1155:bandpass",
            str(tmp_path / "noise.npy")]
    rc = main(["introspect", "stats", *maps, "--checkpoint", str(ckpt), "--layers", "enc0",
               "--pairs", "all", "--no-single", "--out", str(out)])
    assert rc == 0
    rows = read_csv(out)
    assert len(rows) == 3 * 6  # raw, enc0, random:enc0 for six pairs
    related = [r["mutual_information"] for r in rows if "noise" not in r["b"]]
    noise = [r["mutual_information"] for r in rows if "noise" in r["b"]]
    # a section shares information with its own envelope and band-passed version at every
    # level, and none with a noise map of its size
    assert max(abs(v) for v in noise) < 0.005, noise
    assert min(related) > max(0.01, 3 * max(abs(v) for v in noise)), (related, noise)
    # every related pair is above its noise level at every layer
    from seisview.attributes.cooccurrence import above_noise

    assert all(above_noise(r) for r in rows if "noise" not in r["b"])


def test_phase_pair_maps_and_statistics_stop_at_a_cancel_between_maps():
    """Closing the window cancels the crossplot job: it must not finish seconds of maps first."""
    from seisview.core.tasks import Cancelled, TaskState
    from seisview.ml.introspect import phase_pairs

    rng = np.random.default_rng(0)
    vol = rng.normal(size=(12, 14, 120)).astype(np.float32)
    state = TaskState()
    maps_done = []
    real_check = state.check

    def check():  # cancel once the first map is made
        maps_done.append(1)
        if len(maps_done) == 2:
            state.cancel()
        real_check()

    state.check = check
    with pytest.raises(Cancelled):
        phase_pairs(vol, times=(40, 80), state=state)
    assert len(maps_done) == 2  # stopped before the second of 6 maps
    done = phase_pairs(vol, times=(40, 80))  # without a state: all 6 maps
    assert len(done[0]) == 6 and len(done[1]) == 4  # amp with band and with env, at both times
