"""Facies models: the shared contract, the dense patch CNN, safe loading of pretrained weights."""

import os

import numpy as np
import pytest
import torch

from seisview.core.errors import SeisviewError
from seisview.ml.models import build_model
from seisview.ml.models.vgg import load_torchvision_vgg, read_state_dict
from seisview.ml.models.waldeland import extract_patches
from seisview.plugins import registry

torch.set_num_threads(1)
SMALL = {"waldeland": {"channels": 8}, "unet": {"base": 4}, "vgg16": {"width": 0.1},
         "resnet": {"base": 4}}


@pytest.mark.parametrize("name", ["waldeland", "unet", "vgg16", "resnet"])
def test_every_model_keeps_the_section_shape_and_names_its_layers(name):
    assert name in registry.names("model")
    net = build_model(name, 5, **SMALL[name]).eval()
    with torch.no_grad():
        for hw in [(70, 33), (17, 101)]:
            assert net(torch.randn(2, 1, *hw)).shape == (2, 5, *hw)
    layers = net.named_layers()
    assert len(layers) >= 4
    own = set(map(id, net.modules()))
    assert all(id(m) in own for m in layers.values())


def test_dense_patch_cnn_equals_per_patch_inference_on_its_grid():
    torch.manual_seed(0)
    net = build_model("waldeland", 4, channels=12).eval()
    sec = torch.randn(90, 75)
    rows, cols = [0, 8, 40, 88], [0, 72, 16, 40]  # includes zero-padded borders
    with torch.no_grad():
        grid = net.grid_logits(sec[None, None])[0]
        per_patch = net.forward_patches(extract_patches(sec, rows, cols))
        full = net(sec[None, None])[0]
    for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
        assert torch.allclose(grid[:, r // 8, c // 8], per_patch[i], atol=1e-5)
        assert torch.allclose(full[:, r, c], per_patch[i], atol=1e-5)


def test_bad_model_requests_are_user_errors():
    with pytest.raises(SeisviewError, match="no model named"):
        build_model("alexnet", 3)
    with pytest.raises(SeisviewError, match="at least 2 classes"):
        build_model("unet", 1)
    with pytest.raises(SeisviewError, match="bad options"):
        build_model("unet", 3, colour="red")


def test_vgg_freezes_its_first_layers_and_loads_torchvision_weights(tmp_path):
    net = build_model("vgg16", 3, width=1.0, freeze=2, head_block=2)
    convs = [m for m in net.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.weight.requires_grad for c in convs] == [False, False, True, True]
    # a torchvision-format state dict (full vgg16 names, incl. classifier) as plain tensors
    sd = {"features.0.weight": torch.full((64, 3, 3, 3), 0.5), "features.0.bias": torch.zeros(64),
          "features.2.weight": torch.full((64, 64, 3, 3), 0.25), "features.2.bias": torch.ones(64),
          "classifier.0.weight": torch.zeros(10, 10)}
    path = tmp_path / "vgg16.pth"
    torch.save(sd, path)
    loaded = load_torchvision_vgg(net, path)
    assert loaded == sorted(k for k in sd if k.startswith("features."))
    assert torch.all(net.features[0].weight == 0.5) and torch.all(net.features[2].bias == 1)
    narrow = build_model("vgg16", 3, width=0.5, head_block=2)
    with pytest.raises(SeisviewError, match="do not fit"):
        load_torchvision_vgg(narrow, path)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_that_would_run_code_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"features.0.weight": _Evil(marker)}, path)
    with pytest.raises(SeisviewError, match="cannot be loaded safely"):
        read_state_dict(path)
    assert not marker.exists()
    np.save(tmp_path / "x.npy", np.zeros(3))
    with pytest.raises(SeisviewError):
        read_state_dict(tmp_path / "x.npy")
