"""Internal errors become one line (issue 15, class 5): inputs that once ended in a
traceback-backed "internal error" (exit 1) now name the problem and what to try (exit 2)."""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path

import pytest

from seisview.cli import main
from seisview.core.errors import SeisviewError
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.io.project import Project

DATA = Path(__file__).parent / "data"
G = SurveyGeometry(LineAxis(100, 1, 11), LineAxis(300, 1, 11), 50, 4.0, 0.0)


def _one_line(capsys, argv) -> str:
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and err.startswith("seisview: error:"), (rc, err)
    return err


@pytest.fixture
def fb_project(tmp_path):
    p = tmp_path / "fb.seisview"
    Project.create(p, DATA / "firstbreaks" / "refrapy-02" / "field_example_02_shots_with_fb.sgy").close()
    return p


@pytest.fixture
def project(tmp_path):
    p = tmp_path / "p.seisview"
    Project.create(p, geometry=G).close()
    return p


def test_a_quoted_line_break_in_a_pick_table(tmp_path, capsys, fb_project):
    """Was: ValueError from zip() (a quoted cell spanning two lines made one row of two)."""
    f = tmp_path / "p.csv"
    f.write_text('ffid,channel,time_ms,note\n1,1,12.5,"a\nb"\n1,2,13,\n')
    assert "unclosed quote" in _one_line(capsys, ["picks", "import", fb_project, f])


@pytest.mark.parametrize("fmt", ["json", "classes"])
def test_deeply_nested_json(tmp_path, capsys, fb_project, fmt):
    """Was: RecursionError."""
    deep = "[" * 200_000 + "]" * 200_000
    if fmt == "json":
        f = tmp_path / "p.json"
        f.write_text('{"picks": ' + deep + "}")
        assert "nested too deeply" in _one_line(capsys, ["picks", "import", fb_project, f])
    else:
        from seisview.io.class_lists import survey_palette

        (tmp_path / "s.classes.json").write_text(deep)
        with pytest.raises(SeisviewError, match="nested too deeply"):
            survey_palette(tmp_path / "s.sgy")


def test_json_pick_numbers_beyond_a_float(tmp_path, capsys, fb_project):
    f = tmp_path / "p.json"
    f.write_text('{"picks": [[1, 1, ' + "9" * 400 + ", null]]}")
    assert "not a seisview pick file" in _one_line(capsys, ["picks", "import", fb_project, f])


def test_a_section_number_beyond_64_bits(capsys, project, tmp_path):
    """Was: OverflowError."""
    from PIL import Image

    img = tmp_path / "l.png"
    Image.new("RGB", (11, 50)).save(img)
    err = _one_line(capsys, ["labels", "import", project, img, "--format", "image",
                             "--section", "inline:" + "9" * 30])
    assert "outside the survey" in err


@pytest.mark.parametrize("config", ['"depth=3"', "[1, 2]", "null", "7"])
def test_a_checkpoint_whose_config_is_not_a_table(tmp_path, config):
    """Was: ValueError from dict("...") (exit 1)."""
    from safetensors.torch import load_file, save_file

    from seisview.ml.checkpoint import load_checkpoint, save_checkpoint
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot

    p = save_checkpoint(tmp_path / "c", ModelSnapshot.of(build_model("waldeland", 3, channels=4),
                                                         "waldeland", {"channels": 4}))
    header = json.loads(p.with_suffix(".json").read_text())
    header["snapshot"]["config"] = json.loads(config)
    out = tmp_path / "bad.safetensors"
    save_file(load_file(str(p)), str(out), metadata={"seisview": json.dumps(header)})
    with pytest.raises(SeisviewError, match="not a table of options|damaged") as ei:
        load_checkpoint(out)
    assert "\n" not in str(ei.value)


@pytest.mark.parametrize("damage", ["palette_not_json", "palette_wrong_shape", "palette_float_id",
                                    "stroke_blob", "stroke_blob_length"])
def test_a_project_damaged_inside_a_valid_sqlite_file(capsys, project, damage):
    """Was: TypeError / zlib.error (exit 1) instead of "damaged"."""
    from seisview.core.section import SectionSpec

    with Project.open(project) as pr:
        pr.labels.paint(SectionSpec("inline", 2), [(5, 3)], 1, radius=2)
    con = sqlite3.connect(project)
    if damage == "palette_not_json":
        con.execute("UPDATE meta SET value = '[{' WHERE key = 'palette'")
    elif damage == "palette_wrong_shape":
        con.execute("UPDATE meta SET value = '[1, 2, 3]' WHERE key = 'palette'")
    elif damage == "palette_float_id":
        con.execute("""UPDATE meta SET value = '[{"id": 1.5, "name": "a", "color": "#ff0000"}]'
                       WHERE key = 'palette'""")
    elif damage == "stroke_blob":
        con.execute("UPDATE stroke_parts SET idx = X'00112233445566'")
    else:
        import zlib

        con.execute("UPDATE stroke_parts SET new = ?", (zlib.compress(b"\x01" * 3),))
    con.commit()
    con.close()
    err = _one_line(capsys, ["project", "info", project])
    assert "damaged" in err and "backup" in err


def test_convert_onto_a_full_disk(tmp_path, capsys, monkeypatch):
    """Was: OSError errno 28 (exit 1); now the disk is named as full."""
    import zarr

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out.zarr"))
    monkeypatch.setattr(zarr, "open_array", full)
    monkeypatch.setattr(zarr, "open_group", full)
    monkeypatch.setattr(zarr, "create", full)
    monkeypatch.setattr(zarr, "open", full)
    err = _one_line(capsys, ["convert", DATA / "segy" / "segyio" / "small.sgy", tmp_path / "out.zarr"])
    assert ("No space left on device" in err or "disk is full" in err) and "free" in err
