"""Activation capture: hooks, measured receptive field, mirror padding, registration, paging."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from seisview.core.errors import SeisviewError
from seisview.ml.activations import capture, layer_geometry, layer_names, receptive_field

torch.set_num_threads(1)


class Tiny(nn.Module):
    """Three 3x3 convolutions, a pool and one more conv: known receptive fields."""

    def __init__(self, wide: int = 8):
        super().__init__()
        torch.manual_seed(0)
        self.c1 = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
        self.c2 = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                                nn.Conv2d(4, 4, 3, padding=1), nn.ReLU())
        self.c3 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(4, wide, 3, padding=1), nn.ReLU())

    def forward(self, x):
        return self.c3(self.c2(self.c1(x)))


def test_receptive_field_is_measured():
    m = Tiny()
    # one 3x3 conv reaches 1 pixel either side of the centre pixel: half-width 1.5 -> 2
    assert receptive_field(m, "c1") == (2, 2)
    assert receptive_field(m, "c2") == (4, 4)  # three 3x3 convs: 3.5 -> 4
    assert receptive_field(m, "c3")[0] >= 6


def test_interior_activations_do_not_see_the_network_padding():
    m = Tiny()
    x = np.random.default_rng(0).normal(size=(37, 53)).astype(np.float32)
    auto = capture(m, x, ["c2", "c3"], normalize=False)
    wide = capture(m, x, ["c2", "c3"], pad=40, normalize=False)
    for name in ("c2", "c3"):
        a, b = auto[name].upsampled(), wide[name].upsampled()
        assert a.shape == b.shape == (auto[name].n_channels, 37, 53)
    np.testing.assert_allclose(auto["c2"].upsampled(), wide["c2"].upsampled(), atol=1e-5)
    np.testing.assert_allclose(auto["c2"].interior(), wide["c2"].interior(), atol=1e-5)
    # without padding the zero padding of the convolutions changes the border activations
    none = capture(m, x, ["c2"], pad=0, multiple=1, normalize=False)
    assert np.abs(none["c2"].upsampled() - wide["c2"].upsampled()).max() > 1e-3


def test_upsampled_maps_are_registered_on_the_input_grid():
    # a 4x4 average pool of a linear ramp is the ramp itself (bilinearly, away from the border)
    m = nn.Sequential(nn.AvgPool2d(4))
    rows, cols = np.mgrid[0:64, 0:96].astype(np.float32)
    ramp = 0.5 * rows + 0.25 * cols
    act = capture(m, ramp, ["0"], pad=8, normalize=False)["0"]
    assert act.stride == (4.0, 4.0)
    up = act.upsampled()[0]
    np.testing.assert_allclose(up[4:-4, 4:-4], ramp[4:-4, 4:-4], atol=1e-4)


def test_patch_capture_uses_real_context():
    m = Tiny()
    x = np.random.default_rng(1).normal(size=(60, 80)).astype(np.float32)
    full = capture(m, x, ["c2"], normalize=False)["c2"].upsampled()
    patch = capture(m, x, ["c2"], region=(20, 40, 30, 62), normalize=False)["c2"]
    assert patch.shape == (20, 32)
    np.testing.assert_allclose(patch.upsampled(), full[:, 20:40, 30:62], atol=1e-5)


def test_paging_of_wide_layers():
    m = Tiny(wide=300)
    x = np.random.default_rng(2).normal(size=(32, 32)).astype(np.float32)
    act = capture(m, x, ["c3"])["c3"]
    assert act.n_channels == 300
    idx, maps = act.page(18, per_page=16)
    assert idx.tolist() == list(range(288, 300)) and maps.shape == (12, 32, 32)
    order = np.arange(300)[::-1]
    idx, _ = act.page(0, per_page=4, order=order)
    assert idx.tolist() == [299, 298, 297, 296]
    with pytest.raises(SeisviewError, match="page 19"):
        act.page(19, per_page=16)


def test_bad_requests_are_refused():
    m = Tiny()
    x = np.zeros((20, 20), np.float32)
    with pytest.raises(SeisviewError, match="no layer 'c9'"):
        capture(m, x, ["c9"])
    with pytest.raises(SeisviewError, match="input channel"):
        capture(m, np.zeros((2, 20, 20)), ["c1"])
    with pytest.raises(SeisviewError, match="patch"):
        capture(m, x, ["c1"], region=(0, 30, 0, 5))


def test_seisview_models_expose_their_layers():
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot

    net = build_model("unet", 4, base=4)
    names = layer_names(net)
    enc = [n for n in names if n.startswith("enc")]
    assert names[0] == "enc0" and len(enc) >= 3
    deep = enc[-1]
    snap = ModelSnapshot.of(net, "unet", {"base": 4})
    x = np.random.default_rng(3).normal(size=(50, 70)).astype(np.float32)
    acts = capture(snap, x, ["enc0", deep])
    assert acts["enc0"].upsampled([0]).shape == (1, 50, 70)
    s = int(acts[deep].stride[0])
    assert acts[deep].stride == (s, s) and s >= 8 and acts.pad >= receptive_field(net, deep)[0]
    # native cells wholly inside the 50 x 70 input: [i s, (i + 1) s) within [pad, pad + n)
    p = acts.pad
    assert acts[deep].interior().shape[1:] == ((p + 50) // s - -(-p // s), (p + 70) // s - -(-p // s))


def test_concurrent_captures_of_one_model_do_not_mix():
    """The panel's worker threads may capture with the same model at once (latest wins)."""
    import threading

    m = Tiny()
    xs = [np.random.default_rng(i).normal(size=(40, 40)).astype(np.float32) for i in range(4)]
    layers = [["c1"], ["c2"], ["c3"], ["c1", "c3"]]
    expect = [capture(m, x, lay) for x, lay in zip(xs, layers, strict=True)]
    got: list = [None] * 4

    def run(i):
        got[i] = capture(m, xs[i], layers[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e, g in zip(expect, got, strict=True):
        assert set(e.layers) == set(g.layers)
        for name in e.layers:
            np.testing.assert_allclose(e[name].native, g[name].native, atol=1e-6)


def test_valid_convolutions_are_registered_by_measurement():
    """A 'valid' (unpadded) strided layer: cell i is centred at 2 i + 3.5, not at (i + 0.5) x ratio."""
    conv = nn.Conv2d(1, 1, 7, stride=2, padding=0, bias=False)
    with torch.no_grad():
        conv.weight.fill_(1 / 49)  # a 7 x 7 mean: of a linear ramp, the ramp at the centre
    m = nn.Sequential(conv)
    geo = layer_geometry(m, "0", multiple=1)
    assert geo.step == (2.0, 2.0) and geo.offset == (3.5, 3.5) and geo.half == (4, 4)
    rows, cols = np.mgrid[0:40, 0:50].astype(np.float32)
    ramp = 0.5 * rows + 0.25 * cols
    act = capture(m, ramp, ["0"], normalize=False, multiple=1)["0"]
    # away from the mirrored border (the mean of a mirrored ramp is not the ramp)
    np.testing.assert_allclose(act.upsampled()[0][5:-5, 5:-5], ramp[5:-5, 5:-5], atol=1e-4)
    assert act.cell_at(10, 20) == ((10 + act.box[0] - 3) // 2, (20 + act.box[1] - 3) // 2)


def test_waldeland_patch_network_is_captured():
    from seisview.ml.models import build_model

    net = build_model("waldeland", 4)
    x = np.random.default_rng(5).normal(size=(70, 90)).astype(np.float32)
    acts = capture(net, x, layer_names(net))
    for name, act in acts.layers.items():
        assert act.upsampled([0]).shape == (1, 70, 90), name
        assert act.interior().shape[1] >= 1 and np.isfinite(act.native).all()


def test_zero_initialised_layer_still_measures_its_receptive_field():
    """The U-Net's refinement starts at zero weights: no gradient, yet its geometry is real."""
    from seisview.ml.models import build_model

    net = build_model("unet", 3, depth=4, refine=4)
    assert not net.refine[-1].weight.any()
    geo = layer_geometry(net, "refine")
    assert geo.step == (4.0, 4.0)  # 1/4 resolution
    assert geo.half[0] >= layer_geometry(net, "head").half[0]  # it sees the coarse logits
    assert not net.refine[-1].weight.any()  # measured on a copy: the model is untouched
