"""Checkpoints: round trip, atomic writes, refusal of corrupt, foreign and pickle files."""

import json
import os

import pytest
import torch
from safetensors.torch import save_file

from seisview.core.errors import SeisviewError
from seisview.ml.checkpoint import checkpoint_header, load_checkpoint, save_checkpoint
from seisview.ml.models import build_model
from seisview.ml.snapshot import ModelSnapshot

torch.set_num_threads(1)


def _snapshot(version=3):
    torch.manual_seed(1)
    net = build_model("unet", 4, base=4)
    return ModelSnapshot.of(net, "unet", {"base": 4}, version=version, clip=2.5,
                            class_names=("a", "b", "c", "d"), meta={"epoch": 2})


def test_round_trip_keeps_weights_and_header(tmp_path):
    snap = _snapshot()
    path = save_checkpoint(tmp_path / "runs" / "run-1", snap, run_id=1)
    assert path.name == "run-1.safetensors" and path.is_file()
    assert sorted(p.name for p in path.parent.iterdir()) == ["run-1.json", "run-1.safetensors"]
    back = load_checkpoint(path)
    assert (back.model, back.n_classes, back.version, back.clip) == ("unet", 4, 3, 2.5)
    assert back.class_names == snap.class_names and back.meta == {"epoch": 2, "run_id": 1}
    assert all(torch.equal(back.state[k], v) for k, v in snap.state.items())
    assert json.loads(path.with_suffix(".json").read_text())["snapshot"]["version"] == 3
    assert checkpoint_header(path)["format"] == "seisview-checkpoint/1"
    x = torch.randn(1, 1, 40, 40)
    with torch.no_grad():
        assert torch.equal(back.build()(x), snap.build()(x))


def test_overwrite_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "c", _snapshot(1))
    before = path.read_bytes()

    def boom(*a):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        save_checkpoint(tmp_path / "c", _snapshot(2))
    assert path.read_bytes() == before  # the old checkpoint survives a failed write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json", "c.safetensors"]


def test_corrupt_truncated_and_empty_files_are_refused(tmp_path):
    path = save_checkpoint(tmp_path / "c", _snapshot())
    data = path.read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.safetensors").write_bytes(b"")
    (tmp_path / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}......")
    for name in ("cut", "empty", "junk"):
        with pytest.raises(SeisviewError):
            load_checkpoint(tmp_path / f"{name}.safetensors")
    with pytest.raises(SeisviewError, match="not found"):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_foreign_safetensors_and_mismatched_weights_are_refused(tmp_path):
    save_file({"w": torch.zeros(3)}, str(tmp_path / "foreign.safetensors"))
    with pytest.raises(SeisviewError, match="not a seisview checkpoint"):
        load_checkpoint(tmp_path / "foreign.safetensors")
    snap = _snapshot()
    bad = ModelSnapshot("unet", 4, {"base": 8}, snap.state)  # header lies about the width
    path = save_checkpoint(tmp_path / "bad", bad)
    with pytest.raises(SeisviewError, match="do not fit"):
        load_checkpoint(path)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickles_are_never_unpickled(tmp_path):
    marker = tmp_path / "ran"
    for name in ("evil.safetensors", "evil.pt"):
        torch.save({"x": _Evil(marker)}, tmp_path / name)
        with pytest.raises(SeisviewError, match="pickle"):
            load_checkpoint(tmp_path / name)
    assert not marker.exists()
