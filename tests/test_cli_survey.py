"""``seisview info`` / ``seisview convert`` on the real files and on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from seisview.cli import main
from seisview.io.segy import load

KEYS = {"kind", "n_traces", "n_samples", "dt_us", "t0_ms", "domain", "sample_format", "byte_order",
        "text_encoding", "sorting", "missing_traces", "warnings"}


def _info_json(capsys, *args):
    assert main(["info", "--json", *map(str, args)]) == 0
    return json.loads(capsys.readouterr().out)


def test_info_json_for_every_shared_file(shared_data, capsys):
    files = sorted((shared_data / "segy").rglob("*.sgy"))
    assert len(files) >= 20
    for p in files:
        d = _info_json(capsys, p)
        assert KEYS <= set(d), p
        if d["kind"] in ("poststack3d", "poststack2d"):
            for axis in ("inlines", "crosslines"):
                assert set(d[axis]) == {"first", "last", "step", "count"}
        if d["kind"] == "prestack":
            assert {"key", "count"} <= set(d["gathers"])
    d = _info_json(capsys, shared_data / "segy/volve/volve10-migvel-depth-sub3d.sgy")
    assert (d["domain"], d["inlines"]["step"], d["crosslines"]["step"]) == ("depth", 4, 4)
    d = _info_json(capsys, shared_data / "segy/segyio/delay-scalar.sgy")
    assert d["t0_ms"] == 1000


def test_info_byte_overrides_and_gather_key(shared_data, capsys):
    fb = shared_data / "firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy"
    d = _info_json(capsys, fb, "--gather-key", "9")
    assert d["kind"] == "prestack" and d["gathers"]["count"] == 9
    d = _info_json(capsys, shared_data / "segy/segyio/f3.sgy", "--iline", "189", "--xline", "193")
    assert d["inlines"]["count"] == 23


def test_info_text_output(shared_data, capsys):
    assert main(["info", str(shared_data / "segy/f3/F3_very_small.sgy")]) == 0
    out = capsys.readouterr().out
    assert "inlines       200-210 step 1 (11)" in out and "x = -0.6972 il + 24.9955 xl + 598405.93" in out


def test_convert_writes_a_cache_that_opens(shared_data, tmp_path, capsys):
    src = shared_data / "segy/segyio/f3.sgy"
    out = tmp_path / "f3.zarr"
    assert main(["convert", str(src), str(out)]) == 0
    z, m = load(out), load(src)
    assert np.array_equal(z.time_slice(10), m.time_slice(10))
    capsys.readouterr()
    d = _info_json(capsys, out)
    assert d["cache"] == str(out) and d["inlines"]["count"] == 23 and d["t0_ms"] == 4
    assert main(["convert", str(shared_data / "segy/segyio/shot-gather.sgy"), str(tmp_path / "s.zarr")]) == 2


@pytest.mark.parametrize("target", ["dir", "random"])
def test_console_script_bad_input_exits_2_with_one_line(tmp_path, target):
    p = tmp_path
    if target == "random":
        p = tmp_path / "noise.sgy"
        p.write_bytes(np.random.default_rng(0).integers(0, 256, 9000, dtype=np.uint8).tobytes())
    res = subprocess.run([sys.executable, "-m", "seisview", "info", "--json", str(p)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("seisview: error:") and "Traceback" not in res.stderr
    assert res.stdout == ""
