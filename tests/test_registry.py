"""One table per extension point: a plugin's model or attribute appears everywhere without
editing seisview (the Training dock, the Attributes menu, the command line)."""

from types import SimpleNamespace

import numpy as np
import pytest

from seisview.plugins import registry

TINY_MODEL = '''
import torch
from torch import nn


class TinyNet(nn.Module):
    """One convolution: the smallest facies model the contract allows."""

    context = 1

    def __init__(self, n_classes, width=4):
        super().__init__()
        self.n_classes = n_classes
        self.conv = nn.Conv2d(1, width, 3, padding=1)
        self.head = nn.Conv2d(width, n_classes, 1)

    def named_layers(self):
        return {"conv": self.conv, "head": self.head}

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)))


def manifest():
    return {"name": "tiny-models", "contributions": [
        {"kind": "model", "name": "tiny-net", "target": "tiny_model_mod:TinyNet",
         "description": "one convolution (test plugin)", "meta": {"recipe": {"width": 3}}}]}
'''

DOUBLE_ATTRIBUTE = '''
import numpy as np


def doubled(volume, spec, **params):
    return 2.0 * np.asarray(volume.section_array(spec), np.float32)


def manifest():
    return {"name": "doubling", "contributions": [
        {"kind": "attribute", "name": "doubled", "target": "double_attr_mod:doubled",
         "description": "twice the amplitude (test plugin)", "meta": {"colormap": "seismic"}}]}
'''


def test_builtin_models_come_from_the_manifest_default_first():
    names = [c.name for c in registry.models("facies")]
    assert names[0] == registry.default_model("facies") == "unet"
    assert {"waldeland", "vgg16", "resnet"} <= set(names)
    assert "fb-unet" not in names and [c.name for c in registry.models("firstbreak")] == ["fb-unet"]


def test_a_plugin_model_is_trained_offered_and_listed(temp_plugin, qtbot, capsys):
    from seisview.cli import main
    from seisview.ml.models import build_model
    from seisview.ml.training import model_settings

    temp_plugin.module("tiny_model_mod", TINY_MODEL)
    temp_plugin.entry_point("tiny-models", "tiny_model_mod:manifest")
    net = build_model("tiny-net", 3, **model_settings("tiny-net", None))
    assert net.conv.out_channels == 3  # its recipe, from its manifest entry
    # the Training dock offers it
    pytest.importorskip("PyQt6")
    from seisview.core.session import Session
    from seisview.qt.training_panel import TrainingPanel

    panel = TrainingPanel(SimpleNamespace(session=Session(), status=lambda *_: None))
    qtbot.addWidget(panel)
    offered = [panel.model.itemText(i) for i in range(panel.model.count())]
    assert offered[0] == "unet" and "tiny-net" in offered
    # and the command line's help lists it
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "tiny-net" in capsys.readouterr().out


def test_a_plugin_attribute_is_in_the_menu_the_layers_and_the_maps(temp_plugin, qtbot):
    from seisview.attributes.maps import load_map
    from seisview.attributes.section_attributes import attribute_layer
    from seisview.core.section import SectionSpec
    from seisview.io.demo import demo_volume

    temp_plugin.module("double_attr_mod", DOUBLE_ATTRIBUTE)
    temp_plugin.entry_point("doubling", "double_attr_mod:manifest")
    vol = demo_volume()
    spec = SectionSpec("inline", 3)
    layer = attribute_layer(vol, "doubled")
    assert layer.colormap == "seismic"
    np.testing.assert_allclose(layer.source(spec), 2 * vol.section_array(spec), rtol=1e-6)
    il_no = vol.geometry.il.number(3)
    m = load_map(f"demo:inline:{il_no}:doubled")  # `seisview introspect stats` maps
    np.testing.assert_allclose(m, 2 * vol.section_array(spec), rtol=1e-6)
    # the Attributes menu of the viewer
    pytest.importorskip("PyQt6")
    from PyQt6.QtWidgets import QMainWindow, QMenu

    from seisview.qt.attribute_layers import install_menu

    class Window(QMainWindow):
        def menu(self, title):
            return self.menuBar().addMenu(title)

    w = Window()
    qtbot.addWidget(w)
    install_menu(w)
    entries = [a.text() for m in w.menuBar().findChildren(QMenu) for a in m.actions()]
    assert "Add doubled layer" in entries and "Add envelope layer" in entries
