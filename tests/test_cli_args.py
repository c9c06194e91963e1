"""Argument forms users type: viewer options before or after the file, --class repeated or listed."""

from __future__ import annotations

import numpy as np
import pytest

import seisview.qt.app as qt_app
from seisview.cli import build_parser, main


@pytest.fixture
def opened(monkeypatch):
    """Record what the viewer would open instead of starting Qt."""
    calls = []
    monkeypatch.setattr(qt_app, "run", lambda path=None, **kw: calls.append((path, kw)) or 0)
    return calls


@pytest.mark.parametrize("argv", [
    ["--iline", "189", "--xline", "193", "F.sgy"],
    ["F.sgy", "--iline", "189", "--xline", "193"],
    ["--iline", "189", "F.sgy", "--xline", "193"],
])
def test_viewer_options_before_or_after_the_file(opened, argv):
    assert main(argv) == 0
    assert opened == [("F.sgy", {"iline": 189, "xline": 193, "gather_key": None})]


def test_viewer_options_without_a_file_open_the_demo(opened):
    assert main(["--gather-key", "9"]) == 0
    assert opened == [(None, {"iline": None, "xline": None, "gather_key": 9})]
    assert main([]) == 0 and opened[-1] == (None, {"iline": None, "xline": None, "gather_key": None})


def test_commands_still_parse_with_their_own_options(opened, capsys, shared_data):
    f3 = shared_data / "segy" / "f3" / "F3_very_small.sgy"
    assert main(["info", str(f3), "--iline", "189"]) == 0
    assert "F3_very_small" in capsys.readouterr().out and not opened


def test_help_documents_the_viewer_options(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--iline", "--xline", "--gather-key", "before or after PATH"):
        assert opt in out
    assert "info" in out and "labels" in out  # the commands are still listed


def test_bad_viewer_option_is_one_line(opened, capsys):
    with pytest.raises(SystemExit) as e:
        main(["F.sgy", "--iline", "x"])
    assert e.value.code == 2 and not opened
    assert "invalid int value: 'x'" in capsys.readouterr().err


@pytest.mark.parametrize("form", [["--class", "a", "b"], ["--class", "a", "--class", "b"]])
def test_class_listed_or_repeated(form):
    args = build_parser().parse_args(["labels", "import", "p.seisview", "x.pts", "y.pts",
                                      "--format", "malenov", *form])
    assert args.classes == ["a", "b"]


def test_repeated_class_imports_each_file_as_its_class(tmp_path, capsys, shared_data):
    proj = tmp_path / "f3.seisview"
    assert main(["project", "new", str(proj), "--survey",
                 str(shared_data / "segy" / "f3" / "F3_very_small.sgy")]) == 0
    a, b = tmp_path / "one.txt", tmp_path / "two.txt"
    a.write_text("205 405 1000\n")
    b.write_text("206 405 1000\n")
    capsys.readouterr()
    rc = main(["labels", "import", str(proj), str(a), str(b), "--format", "opendtect",
               "--class", "salt", "--class", "else"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "2 class(es)" in out
    assert main(["labels", "export", str(proj), str(tmp_path / "c.npy"), "--format", "npy"]) == 0
    cube = np.load(tmp_path / "c.npy")
    assert cube[5, 5, 250] != cube[6, 5, 250] and cube[5, 5, 250] and cube[6, 5, 250]
