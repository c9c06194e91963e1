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


SPARSE_LABELS = '''
from pathlib import Path

import numpy as np

from seisview.core.section import SectionSpec


class SparseText:
    """Labels as text lines "inline crossline sample class" (line numbers, sample index)."""

    @staticmethod
    def import_labels(labels, palette, files):
        g = labels.survey()
        changes = {}
        for f in files:
            for il_no, xl_no, k, name in (ln.split() for ln in Path(f).read_text().splitlines() if ln):
                spec = SectionSpec("inline", g.il.index_of(int(il_no)))
                flat = int(k) * g.shape[1] + g.xl.index_of(int(xl_no))  # (sample, trace) of an inline
                idx, vals = changes.setdefault(spec, ([], []))
                idx.append(flat)
                vals.append(palette.by_name(name, create=True).id)
        stroke = labels.apply({s: (np.array(i), np.array(v)) for s, (i, v) in changes.items()})
        return {"changed_pixels": stroke.n_pixels if stroke else 0}

    @staticmethod
    def export_labels(labels, palette, out):
        g = labels.survey()
        lines = []
        for spec, m in labels.snapshot().items():
            for k, j in zip(*np.nonzero(m), strict=True):
                lines.append(f"{g.il.number(spec.index)} {g.xl.number(j)} {k} {palette.get(int(m[k, j])).name}")
        Path(out).write_text("\\n".join(lines) + "\\n")


def manifest():
    return {"name": "sparse-labels", "contributions": [
        {"kind": "label_format", "name": "sparse-txt", "target": "sparse_labels_mod:SparseText",
         "description": "Sparse label text", "meta": {"import": True, "export": True,
                                                     "patterns": ["*.slt"]}}]}
'''


def test_a_plugin_label_format_imports_and_exports_through_the_cli(temp_plugin, tmp_path, capsys):
    from seisview.cli import main
    from seisview.core.geometry import SurveyGeometry
    from seisview.io.project import Project
    from seisview.io.project_transfer import file_filters, formats
    from seisview.io.segy import write_volume_segy

    temp_plugin.module("sparse_labels_mod", SPARSE_LABELS)
    temp_plugin.entry_point("sparse-labels", "sparse_labels_mod:manifest")
    assert formats("label", "import")[:3] == ["malenov", "opendtect", "image"]
    assert "sparse-txt" in formats("label", "import") and "sparse-txt" in formats("label", "export")
    assert file_filters("label", "import")["Sparse label text (*.slt)"] == "sparse-txt"  # File → Import
    geom = SurveyGeometry.regular(4, 6, 20, il_first=100, xl_first=10)
    write_volume_segy(tmp_path / "s.sgy", np.zeros(geom.shape, np.float32), geom)
    Project.create(tmp_path / "p.seisview", tmp_path / "s.sgy").close()
    (tmp_path / "in.slt").write_text("101 12 5 sand\n101 13 5 sand\n102 10 7 shale\n")
    assert main(["labels", "import", str(tmp_path / "p.seisview"), str(tmp_path / "in.slt"),
                 "--format", "sparse-txt"]) == 0
    with Project.open(tmp_path / "p.seisview") as pr:
        counts = {pr.palette.get(c).name: n for c, n in pr.labels.class_counts().items()}
    assert counts == {"sand": 2, "shale": 1}
    assert main(["labels", "export", str(tmp_path / "p.seisview"), str(tmp_path / "out.slt"),
                 "--format", "sparse-txt"]) == 0
    assert sorted((tmp_path / "out.slt").read_text().split("\n")[:-1]) == \
        ["101 12 5 sand", "101 13 5 sand", "102 10 7 shale"]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["labels", "import", "--help"])
    assert "sparse-txt" in capsys.readouterr().out


NPY_READER = '''
import numpy as np

from seisview.core.geometry import SurveyGeometry
from seisview.core.volume import Volume


def load(path, *, state=None):
    data = np.load(path).astype(np.float32)
    return Volume(data, SurveyGeometry.regular(*data.shape, name="npy cube"))


def manifest():
    return {"name": "npy-reader", "contributions": [
        {"kind": "reader", "name": "npy-cube", "target": "npy_reader_mod:load",
         "description": "numpy cubes (il, xl, sample)", "meta": {"extensions": [".npy"]}}]}
'''


def test_a_plugin_reader_opens_files_from_file_open(temp_plugin, tmp_path, qtbot):
    pytest.importorskip("PyQt6")
    from seisview.qt.file_actions import open_filter
    from seisview.qt.main_window import MainWindow

    temp_plugin.module("npy_reader_mod", NPY_READER)
    temp_plugin.entry_point("npy-reader", "npy_reader_mod:manifest")
    assert registry.reader_for("x.sgy").name == "segy" and registry.reader_for("x.npy").name == "npy-cube"
    assert "numpy cubes (il, xl, sample) (*.npy *.NPY)" in open_filter().split(";;")
    cube = np.arange(3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    np.save(tmp_path / "cube.npy", cube)
    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    worker = w.files.open_path(tmp_path / "cube.npy")
    assert worker is not None
    qtbot.waitUntil(lambda: w.session.volume is not None, timeout=20000)
    np.testing.assert_array_equal(w.session.volume.inline(1), cube[1].T)  # (sample, trace)
    w.close()


FB_TEXT = '''
from pathlib import Path


class FbText:
    """Picks as "shot:channel=ms" words."""

    @staticmethod
    def import_picks(path):
        out = {}
        for word in Path(path).read_text().split():
            key, rest = word.split(":")
            ch, ms = rest.split("=")
            out[(int(key), int(ch))] = (float(ms), None)
        return out

    @staticmethod
    def export_picks(picks, out):
        Path(out).write_text(" ".join(f"{k}:{c}={p.time_ms}" for (k, c), p in sorted(picks.items())))


def manifest():
    return {"name": "fb-text", "contributions": [
        {"kind": "pick_format", "name": "fb-txt", "target": "fb_text_mod:FbText",
         "description": "Pick words", "meta": {"import": True, "export": True, "patterns": ["*.fbt"]}}]}
'''


def test_a_plugin_pick_format_round_trips_through_the_project(temp_plugin, tmp_path):
    from seisview.io.demo import demo_gathers_path
    from seisview.io.project import Project
    from seisview.io.project_transfer import export_picks, file_filters, import_picks
    from seisview.io.segy import load

    temp_plugin.module("fb_text_mod", FB_TEXT)
    temp_plugin.entry_point("fb-text", "fb_text_mod:manifest")
    assert file_filters("pick", "export")["Pick words (*.fbt)"] == "fb-txt"
    gathers = load(demo_gathers_path())
    key = int(gathers.gather_ids[0])
    (tmp_path / "in.fbt").write_text(f"{key}:1=120.5 {key}:2=124.0")
    with Project.create(tmp_path / "p.seisview", demo_gathers_path()) as pr:
        import_picks(pr, tmp_path / "in.fbt", "fb-txt")
        assert pr.picks.snapshot()[(key, 2)].time_ms == 124.0
        export_picks(pr, tmp_path / "out.fbt", "fb-txt")
    assert (tmp_path / "out.fbt").read_text() == f"{key}:1=120.5 {key}:2=124.0"
    (tmp_path / "bad.fbt").write_text(f"{key}:100000=5.0")  # checked against the survey's traces
    with Project.open(tmp_path / "p.seisview") as pr, pytest.raises(Exception, match="100000"):
        import_picks(pr, tmp_path / "bad.fbt", "fb-txt")
