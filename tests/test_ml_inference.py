"""Dense prediction: probabilities, entropy, label-here-next, volume jobs, SEG-Y export, speed ratio."""

import time

import numpy as np
import pytest
import torch

from seisview.core.section import SectionSpec
from seisview.core.tasks import Cancelled, TaskState
from seisview.core.volume import Volume
from seisview.ml.inference import export_segy, predict_section, predict_volume
from seisview.ml.models import build_model
from seisview.ml.models.waldeland import extract_patches
from seisview.ml.snapshot import ModelSnapshot

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def snap():
    torch.manual_seed(0)
    net = build_model("unet", 4, base=4)
    return ModelSnapshot.of(net, "unet", {"base": 4}, version=7, clip=2.0)


def test_section_prediction_is_a_distribution_with_entropy(snap):
    rng = np.random.default_rng(0)
    sec = rng.standard_normal((70, 45)).astype(np.float32)
    p = predict_section(snap, sec)
    assert p.probs.shape == (4, 70, 45) and p.classes.shape == (70, 45) and p.version == 7
    assert np.allclose(p.probs.sum(0), 1, atol=1e-5)
    assert set(np.unique(p.classes)) <= {1, 2, 3, 4}
    assert np.array_equal(p.classes, p.probs.argmax(0) + 1)
    assert (p.entropy >= -1e-6).all() and (p.entropy <= np.log(4) + 1e-5).all()
    expect = -(p.probs * np.log(np.clip(p.probs, 1e-12, None))).sum(0)
    assert np.allclose(p.entropy, expect, atol=1e-4)
    assert np.array_equal(p.probability(2), p.probs[1])


def test_flip_averaging_makes_the_prediction_mirror_symmetric(snap):
    rng = np.random.default_rng(1)
    sec = rng.standard_normal((64, 48)).astype(np.float32)  # a multiple of the stride: no pad
    plain, mirrored = predict_section(snap, sec), predict_section(snap, sec[:, ::-1])
    assert not np.allclose(plain.probs, mirrored.probs[:, :, ::-1], atol=1e-5)
    both = predict_section(snap, sec, flip=True)
    assert np.allclose(both.probs, (plain.probs + mirrored.probs[:, :, ::-1]) / 2, atol=1e-6)
    assert np.allclose(predict_section(snap, sec[:, ::-1], flip=True).probs[:, :, ::-1],
                       both.probs, atol=1e-6)
    assert np.allclose(both.probs.sum(0), 1, atol=1e-5)
    four = predict_section(snap, sec, phases=2, flip=True)  # 4 views
    assert four.probs.shape == (4, 64, 48) and not np.allclose(four.probs, both.probs, atol=1e-5)


def test_volume_prediction_is_chunked_cancellable_and_exports_segy(snap, tmp_path):
    rng = np.random.default_rng(1)
    vol = Volume.from_array(rng.standard_normal((5, 7, 40)).astype(np.float32))
    seen = []
    state = TaskState(on_progress=lambda f, m: seen.append(f))
    classes, conf = predict_volume(snap, vol, state, kind="inline")  # the section loop
    assert classes.shape == (5, 7, 40) and classes.min() >= 1 and seen[-1] == 1.0
    one = predict_section(snap, vol.section_array(SectionSpec("inline", 3)))
    assert np.array_equal(classes[3], one.classes.T)
    assert np.allclose(conf[3], one.probs.max(0).T)
    part, _ = predict_volume(snap, vol, kind="crossline", indices=[2])
    assert part[:, 2].all() and not part[:, 0].any()

    cancel = TaskState(on_progress=lambda f, m: cancel.cancel())
    with pytest.raises(Cancelled):
        predict_volume(snap, vol, cancel, kind="inline")
    with pytest.raises(Cancelled):  # the default, 3-D-consistent path (tests/test_volume_predict.py)
        predict_volume(snap, vol, cancel)

    from seisview.io.segy import load
    path = export_segy(tmp_path / "classes.sgy", classes, vol)
    back = load(path)
    assert back.shape == vol.shape
    assert np.array_equal(np.asarray(back.data), classes.astype(np.float32))


def test_dense_patch_inference_is_far_faster_than_per_pixel():
    """Same network, same section: one dense pass vs one 65x65 patch per pixel (extrapolated)."""
    torch.manual_seed(0)
    net = build_model("waldeland", 6).eval()
    sec = torch.randn(200, 160)
    with torch.no_grad():
        t0 = time.perf_counter()
        dense = net(sec[None, None])
        t_dense = time.perf_counter() - t0
        rows, cols = np.arange(0, 200, 40)[:5], np.arange(0, 160, 20)[:5]
        rr, cc = [int(r) for r in np.repeat(rows, 5)], [int(c) for c in np.tile(cols, 5)]
        t0 = time.perf_counter()
        per = net.forward_patches(extract_patches(sec, rr, cc))
        t_per = (time.perf_counter() - t0) / len(rr) * sec.numel()
    assert t_per / t_dense > 50  # the benchmark reports the full ratio (>= 200x)
    on_grid = [(i, r, c) for i, (r, c) in enumerate(zip(rr, cc, strict=True)) if r % 8 == c % 8 == 0]
    for i, r, c in on_grid:
        assert torch.allclose(dense[0, :, r, c], per[i], atol=1e-4)


def test_a_new_snapshot_never_gets_an_older_snapshots_network():
    outs = []
    sec = np.random.default_rng(2).standard_normal((40, 40)).astype(np.float32)
    for seed in range(4):  # snapshots die and new ones may reuse their id()
        torch.manual_seed(seed)
        net = build_model("unet", 3, base=4)
        snap = ModelSnapshot.of(net, "unet", {"base": 4}, clip=1.0)
        expect = predict_section(net.eval(), sec, clip=1.0).probs
        outs.append(np.allclose(predict_section(snap, sec).probs, expect, atol=1e-5))
        del snap, net
    assert all(outs)


def test_an_ensemble_trains_members_apart_and_predicts_their_mean_probabilities():
    from seisview.ml.models.unet import UNet

    torch.manual_seed(3)
    net = UNet(4, base=4, depth=3, dropout=0.0, members=2)
    x = torch.randn(5, 1, 32, 40)
    net.train()
    out = net(x)  # sample i goes to member i % 2 alone: the batch loss is the members' mean
    for k in range(2):
        assert torch.allclose(out[k::2], net.members[k](x[k::2]), atol=1e-5)
    snap = ModelSnapshot.of(net, "unet", {"base": 4, "depth": 3, "members": 2}, clip=1.0)
    sec = np.random.default_rng(2).standard_normal((40, 48)).astype(np.float32)
    p = predict_section(snap, sec, scaled=True)
    built = snap.build()
    t = torch.from_numpy(sec)[None, None]
    with torch.no_grad():
        each = [torch.softmax(m(t), 1)[0].numpy() for m in built.members]
    assert np.allclose(p.probs, (each[0] + each[1]) / 2, atol=1e-5)
    assert not np.allclose(each[0], each[1], atol=1e-3)  # independently initialised
    assert list(net.named_layers())[0] == "enc0"  # activations: the first member's layers


def test_old_single_network_settings_build_the_same_network():
    from seisview.ml.training import model_settings, transfer_weights

    old = build_model("unet", 6, depth=4, refine=4)  # what earlier defaults stored
    assert not any(k.startswith("members.") for k in old.state_dict())
    assert old.down[0][0][0].in_channels == 1
    snap = ModelSnapshot.of(old, "unet", {"depth": 4, "refine": 4})
    again = snap.build()
    assert all(torch.equal(a, b) for a, b in zip(old.state_dict().values(),
                                                 again.state_dict().values(), strict=True))
    # a single network's run transfers into every member of an ensemble, and back
    ens = build_model("unet", 6, **{**model_settings("unet", {"depth": 4, "refine": 4}),
                                   "members": 2})
    n = transfer_weights(ens, snap)
    assert n == 2 * len(old.state_dict())
    assert torch.equal(ens.members[1].head.weight, old.head.weight)
    single = build_model("unet", 6, depth=4, refine=4)
    assert transfer_weights(single, ModelSnapshot.of(ens, "unet", {"members": 2})) > 0
    assert torch.equal(single.head.weight, ens.members[0].head.weight)


def test_envelope_input_ignores_the_phase_of_the_traces():
    from scipy.signal import hilbert

    from seisview.ml.models.unet import envelope

    rng = np.random.default_rng(4)
    spec = np.fft.rfft(rng.standard_normal((2, 1, 96, 20)), axis=-2)
    spec[..., [0, -1], :] = 0  # no zero or Nyquist frequency: traces a rotation keeps
    x = np.fft.irfft(spec, 96, axis=-2)
    q = np.imag(hilbert(x, axis=-2))
    rotated = x * np.cos(1.1) - q * np.sin(1.1)
    e0 = envelope(torch.from_numpy(x).float()).numpy()
    assert np.allclose(e0, np.abs(hilbert(x, axis=-2)), atol=1e-4)
    assert np.allclose(envelope(torch.from_numpy(rotated).float()).numpy(), e0, atol=1e-4)
