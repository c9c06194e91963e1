"""Invalid input refused, not bent into shape (issue 15, class 10): label images of another
size than their section, class ids that are not whole numbers, names that are not names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seisview.cli import main
from seisview.core.errors import SeisviewError
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.palette import Palette
from seisview.io.class_lists import survey_palette
from seisview.io.project import Project

# inline sections of this survey are 11 traces x 463 samples
G = SurveyGeometry(LineAxis(100, 1, 5), LineAxis(300, 1, 11), 463, 4.0, 0.0)
RED = (255, 0, 0)


@pytest.fixture
def project(tmp_path):
    p = tmp_path / "p.seisview"
    Project.create(p, geometry=G, palette=Palette([("salt", RED), ("other", (0, 0, 255))])).close()
    return p


def _image(path: Path, width: int, height: int) -> Path:
    Image.fromarray(np.full((height, width, 3), RED, np.uint8)).save(path)
    return path


def _import(capsys, project, img, *extra) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["labels", "import", str(project), str(img), "--format", "image", "--section", "inline:101",
               *extra])
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("width,height", [(1, 1), (100, 900), (11, 462), (12, 463), (463, 463)])
def test_a_label_image_of_another_size_is_refused_naming_both(tmp_path, capsys, project, width, height):
    """A 1x1 image once "imported 5093 labelled pixels"; a 100x900 one was stretched."""
    rc, _, err = _import(capsys, project, _image(tmp_path / "l.png", width, height))
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert f"{width} wide x {height} high" in err and "11 traces x 463 samples" in err
    with Project.open(project) as pr:
        assert not pr.labels.labelled_sections()  # nothing imported


def test_the_exact_transpose_is_refused_and_the_section_size_imported(tmp_path, capsys, project):
    rc, _, err = _import(capsys, project, _image(tmp_path / "t.png", 463, 11))
    assert rc == 2 and "looks transposed" in err
    rc, out, _ = _import(capsys, project, _image(tmp_path / "ok.png", 11, 463))
    assert rc == 0 and "imported 5093 labelled pixels" in out  # 11 x 463: every pixel, on purpose


def test_resize_is_asked_for_not_assumed(tmp_path, capsys, project):
    rc, out, _ = _import(capsys, project, _image(tmp_path / "l.png", 22, 926), "--resize")
    assert rc == 0 and "imported 5093 labelled pixels" in out


@pytest.mark.parametrize("classes,words", [
    ([{"id": 1.5, "name": "salt", "color": "#ff0000"}], "class id 1.5"),
    ([{"id": "1", "name": "salt", "color": "#ff0000"}], "class id '1'"),
    ([{"id": True, "name": "salt", "color": "#ff0000"}], "class id True"),
    ([{"id": 1, "name": None, "color": "#ff0000"}], "class name None"),
    ([{"id": 1, "name": 7, "color": "#ff0000"}], "class name 7"),
    ([{"id": 1, "name": "salt", "color": [255.5, 0, 0]}], "colour"),
    ([{"id": 1, "name": "salt", "color": None}], "colour"),
    ([[None, "#ff0000"]], "class name None"),
    ([["salt", "#ff0000"], [3, "#00ff00"]], "class name 3"),
    ({"classes": "salt"}, "unreadable"),
])
def test_class_lists_with_invalid_entries_are_refused(tmp_path, classes, words):
    """Ids like 1.5 were truncated to 1 and a null name became a class called "None"."""
    (tmp_path / "s.classes.json").write_text(json.dumps(classes))
    with pytest.raises(SeisviewError, match="class list") as ei:
        survey_palette(tmp_path / "s.sgy")
    assert words in str(ei.value) and "\n" not in str(ei.value)


def test_valid_class_lists_still_read(tmp_path):
    (tmp_path / "s.classes.json").write_text(json.dumps(
        {"classes": [{"id": 2.0, "name": "salt", "color": [255, 0, 0]}, {"id": 5, "name": "sand",
                                                                          "color": "#ffff00"}]}))
    pal = survey_palette(tmp_path / "s.sgy")
    assert [(c.id, c.name, c.color) for c in pal] == [(2, "salt", RED), (5, "sand", (255, 255, 0))]
    (tmp_path / "s.classes.json").write_text(json.dumps([["salt", "#ff0000"], ["other", [0, 0, 255]]]))
    assert [c.name for c in survey_palette(tmp_path / "s.sgy")] == ["salt", "other"]
