"""Every reader bounded (issue 15, class 4): FIFOs, devices, folders, huge files, long lines
and checkpoints that ask for huge models get one line, never a hang or a memory blow-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.io import inputs

DATA = Path(__file__).parent / "data"


def _readers():
    from seisview.io import label_formats as lf
    from seisview.io import pick_formats as pf
    from seisview.io.class_lists import survey_palette
    from seisview.io.pick_sgt import read_sgt
    from seisview.io.wells import read_las
    from seisview.ml.checkpoint import load_checkpoint

    def class_list(path):  # the class list beside a survey is <stem>.classes.json
        link = Path(path).parent / "s.classes.json"
        if not link.exists():
            link.symlink_to(path)
        return survey_palette(Path(path).parent / "s.sgy")

    return {"point file": lf.read_points, "pick table": pf.read_csv, "JSON picks": pf.read_json,
            "SGT picks": read_sgt, "LAS": read_las, "class list": class_list,
            "label image": lambda p: lf.read_label_image(p, {(255, 0, 0): 1}, (10, 10)),
            "checkpoint": load_checkpoint}


def _within(fn, seconds: float = 20.0):
    """``fn()``'s exception or result, failing the test if it has not returned in time (a hang)."""
    out: dict = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc
    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "the reader hung"
    return out


@pytest.fixture
def fifo(tmp_path):
    p = tmp_path / "pipe"
    os.mkfifo(p)
    return p


@pytest.mark.parametrize("reader", ["point file", "pick table", "JSON picks", "SGT picks", "LAS",
                                    "class list", "label image", "checkpoint"])
@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/dev/urandom", "folder"])
def test_special_files_get_one_line(tmp_path, fifo, reader, special):
    path = {"fifo": fifo, "folder": tmp_path}.get(special, Path(special))
    if not path.exists():
        pytest.skip(f"{special} missing here")
    out = _within(lambda: _readers()[reader](path))
    exc = out.get("error")
    if reader == "class list" and exc is None:
        assert out["value"] is None  # a class list that is no file is no class list: ignored
        return
    assert isinstance(exc, SeisviewError), repr(exc)
    msg = str(exc)
    assert "\n" not in msg and ("FIFO" in msg or "device" in msg or "folder" in msg), msg


def test_a_fifo_in_the_cli_is_one_line_not_a_hang(tmp_path, fifo):
    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.io.project import Project

    g = SurveyGeometry(LineAxis(1, 1, 5), LineAxis(1, 1, 5), 20, 4.0, 0.0)
    Project.create(tmp_path / "p.seisview", geometry=g).close()
    for argv in (["labels", "import", tmp_path / "p.seisview", fifo, "--format", "malenov"],
                 ["labels", "import", tmp_path / "p.seisview", fifo, "--format", "image", "--section", "inline:1"],
                 ["picks", "import", tmp_path / "p.seisview", fifo, "--format", "csv"]):
        p = subprocess.run([sys.executable, "-m", "seisview", *map(str, argv)], capture_output=True,
                           text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(Path.cwd())})
        assert p.returncode == 2 and "FIFO" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_size_limits_apply_before_reading(tmp_path, monkeypatch):
    from seisview.io import label_formats as lf

    f = tmp_path / "big.pts"
    f.write_text("339 300 1200\n" * 1000)
    monkeypatch.setitem(inputs.LIMITS, "point file", 4096)
    with pytest.raises(SeisviewError, match="above the 4096 bytes limit"):
        lf.read_points(f)


@pytest.mark.parametrize("what", ["LAS", "point file", "pick table"])
def test_one_long_line_is_refused_before_a_parser_sees_it(tmp_path, what):
    """A 10 MB LAS with one long line took 1.4 GB in lasio; now refused at the line limit."""
    from seisview.io import label_formats as lf
    from seisview.io import pick_formats as pf
    from seisview.io.wells import read_las

    head = (DATA / "wells" / "R-39.las").read_bytes()[:4000] if what == "LAS" else b"ffid,channel,time_ms\n"
    f = tmp_path / "long.txt"
    f.write_bytes(head + b"1" * 10_000_000 + b"\n")
    fn = {"LAS": read_las, "point file": lf.read_points, "pick table": pf.read_csv}[what]
    with pytest.raises(SeisviewError, match="longer than 65,536 characters"):
        fn(f)


def test_nul_bytes_in_a_las_file_are_refused_before_lasio(tmp_path):
    """lasio spent ~15 s of CPU on 5,000 NUL bytes inside R-39.las before failing."""
    from seisview.io.wells import read_las

    data = (DATA / "wells" / "R-39.las").read_bytes()
    f = tmp_path / "nul.las"
    f.write_bytes(data[:278037] + b"\x00" * 5000 + data[278037:])
    with pytest.raises(SeisviewError, match="NUL bytes"):
        read_las(f)


def _checkpoint(tmp_path, **header_changes) -> Path:
    """A real (tiny) checkpoint whose JSON header is then edited, weights untouched."""
    from safetensors.torch import load_file, save_file

    from seisview.ml.checkpoint import save_checkpoint
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot

    net = build_model("waldeland", 3, channels=4)
    p = save_checkpoint(tmp_path / "c", ModelSnapshot.of(net, "waldeland", {"channels": 4}))
    from safetensors import safe_open

    with safe_open(str(p), framework="pt") as fh:
        header = json.loads(fh.metadata()["seisview"])
    for k, v in header_changes.items():
        if k == "snapshot":
            header["snapshot"] = v
        else:
            header["snapshot"][k] = v
    out = tmp_path / "edited.safetensors"
    save_file(load_file(str(p)), str(out), metadata={"seisview": json.dumps(header)})
    return out


@pytest.mark.parametrize("model,config", [
    ("unet", {"members": 16, "depth": 8, "base": 64}),  # ~5 GB of weights from a 10 kB file
    ("unet", {"depth": 10**6}),
    ("unet", {"members": 10**9}),
    ("waldeland", {"channels": 100_000}),
    ("resnet", {"blocks": [64] * 16}),
    ("vgg16", {"width": 1e300}),
    ("unet", {"base": [1] * 10**5}),
])
def test_a_checkpoint_asking_for_a_huge_model_is_refused_before_it_is_built(tmp_path, monkeypatch,
                                                                              model, config):
    from seisview.ml import checkpoint, models, snapshot

    def never(*a, **k):
        raise AssertionError("a model was built")
    p = _checkpoint(tmp_path, model=model, config=config)
    monkeypatch.setattr(models, "build_model", never)
    monkeypatch.setattr(snapshot, "build_model", never)
    with pytest.raises(SeisviewError) as ei:
        checkpoint.load_checkpoint(p)
    assert "\n" not in str(ei.value) and "pick another checkpoint" in str(ei.value)


def test_a_genuine_checkpoint_still_loads(tmp_path):
    from seisview.ml.checkpoint import load_checkpoint

    snap = load_checkpoint(_checkpoint(tmp_path))
    x = np.zeros((1, 1, 32, 32), np.float32)
    import torch

    assert snap.build()(torch.from_numpy(x)).shape[1] == 3
