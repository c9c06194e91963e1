"""The generated self-describing files (tests/make_segy.py) and the bad inputs real life brings."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.io.segy import load, scan

sys.path.insert(0, str(Path(__file__).parent))
from make_segy import CATALOGUE, make, position_values, seismic_values  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("segy")
    return {name: make(d / name, **kw) for name, (_, kw) in CATALOGUE.items()}


def _expected(kw: dict) -> np.ndarray:
    """(il, xl, sample) values the generator wrote for a full, inline-ordered 5 x 5 x 50 grid."""
    n_il, n_xl, ns = 5, 5, 50
    il = 1 + kw.get("il_step", 1) * np.arange(n_il)
    xl = 20 + kw.get("xl_step", 1) * np.arange(n_xl)
    ii, xx = np.meshgrid(il, xl, indexing="ij")
    integer = kw.get("fmt", 5) in (2, 3, 8)
    return position_values(ii.ravel(), xx.ravel(), ns, 20, integer).reshape(n_il, n_xl, ns).astype(np.float32)


@pytest.mark.parametrize("name", ["inline_ieee.sgy", "crossline_ieee.sgy", "int16.sgy", "ascii_text.sgy",
                                  "steps.sgy", "alt_bytes.sgy", "su.su", "rev21_ext.sgy", "ext_text_var.sgy",
                                  "garbage_rev2.sgy", "legacy_181.sgy", "absurd_ns.sgy", "ibm_lsb.sgy"])
def test_position_files_load_exactly(files, name):
    kw = CATALOGUE[name][1]
    v = load(files[name])
    tol = 2e-6 if kw.get("fmt") == 1 else 0  # IBM keeps 21-24 bits of mantissa
    np.testing.assert_allclose(v.data, _expected(kw), rtol=tol, atol=0)
    assert v.live.all()
    assert np.array_equal(v.time_slice(7), v.data[:, :, 7])
    assert np.array_equal(v.crossline(3), v.data[:, 3, :].T)


def test_facts_of_generated_files(files):
    r = {n: scan(p) for n, p in files.items()}
    assert r["crossline_ieee.sgy"].sorting == "crossline" and r["inline_ieee.sgy"].sorting == "inline"
    assert (r["ibm_lsb.sgy"].sample_format, r["ibm_lsb.sgy"].byte_order) == ("ibm32", "little")
    assert r["ascii_text.sgy"].text_encoding == "ascii" and r["inline_ieee.sgy"].text_encoding == "ebcdic"
    assert "seisview test file" in r["ascii_text.sgy"].text_header
    s = r["steps.sgy"]
    assert (s.geometry.il.step, s.geometry.xl.step, s.dt_us, s.t0_ms) == (2, 4, 13.0, -100.0)
    assert s.geometry.samples[1] == pytest.approx(-99.987)
    assert (r["alt_bytes.sgy"].iline_byte, r["alt_bytes.sgy"].xline_byte) == (9, 21)
    assert "--iline 9 --xline 21" in r["alt_bytes.sgy"].warnings[0]
    assert r["su.su"].text_encoding == "none" and r["su.su"].byte_order == "little"
    assert len(r["rev21_ext.sgy"].extended_text) == 2 and r["rev21_ext.sgy"].revision == "2.1"
    assert "EndText" in r["ext_text_var.sgy"].extended_text[-1]
    assert any("65000" in w for w in r["absurd_ns.sgy"].warnings)
    leg = r["legacy_181.sgy"]
    assert leg.iline_byte == 9 and leg.geometry.affine is not None  # coordinates found at 73/77
    x, y = leg.geometry.world(2, 21)
    assert (x, y) == pytest.approx((1000 + 25 * 0.8 - 25 * 0.6, 2000 + 25 * 0.6 + 25 * 0.8))
    assert r["no_lines.sgy"].kind == "unstructured" and r["no_lines.sgy"].warnings


def test_2d_line_numbered_by_cdp_only(tmp_path):
    p = make(tmp_path / "line.sgy", n_il=1, n_xl=30, il_byte=1, xl_byte=21, coords=False)
    # tracl (byte 1) holds the trace sequence anyway; only the CDP at 21 numbers the line
    r = scan(p)
    assert r.kind == "poststack2d" and (r.xline_byte, r.geometry.xl.first, r.geometry.xl.count) == (21, 20, 30)
    assert load(p).shape == (1, 30, 50)


def test_missing_and_duplicate_traces(files):
    r = scan(files["missing.sgy"])
    assert (r.missing_traces, r.duplicate_traces) == (3, 1)
    v = load(files["missing.sgy"])
    exp = _expected({})
    assert not v.live[0, 0] and not v.live[0, 1] and not v.live[1, 0] and v.live.sum() == 22
    assert np.array_equal(v.data[v.live], exp[v.live]) and not v.data[~v.live].any()
    assert v.levels.lo > 1.0  # zero-filled gaps stay out of the display levels


def test_traces_without_line_numbers_are_left_out(files):
    r = scan(files["junk_traces.sgy"])
    assert r.geometry.il.first == 1 and r.missing_traces == 2 and any("(0)" in w for w in r.warnings)
    v = load(files["junk_traces.sgy"])
    assert v.live.sum() == 23 and not v.live[0, 3] and not v.live[3, 2]
    assert np.array_equal(v.data[v.live], _expected({})[v.live])


def test_triangular_dead_zones_are_binned_and_masked(tmp_path):
    # real surveys lose the corners of their rectangle: drop two triangles of a 10 x 12 grid
    n_il, n_xl = 10, 12
    drop = [i * n_xl + j for i in range(n_il) for j in range(n_xl) if i + j < 4 or (n_il - 1 - i) + j < 3]
    p = make(tmp_path / "tri.sgy", n_il=n_il, n_xl=n_xl, drop=drop, sorting="inline")
    r = scan(p)
    assert r.missing_traces == len(drop) and (r.geometry.il.count, r.geometry.xl.count) == (n_il, n_xl)
    v = load(p)
    assert v.live.sum() == n_il * n_xl - len(drop) and not v.live[0, 0] and not v.live[-1, 0] and v.live[5, 5]
    assert v.data[5, 5, 0] == pytest.approx(6 + 25 / 100)


def test_truncated_file_reads_complete_traces(files):
    r = scan(files["truncated.sgy"])
    assert r.n_traces == 24 and r.missing_traces == 1 and any("truncated" in w for w in r.warnings)


def test_unstructured_file_is_one_line_in_file_order(files):
    v = load(files["no_lines.sgy"])
    assert v.shape == (1, 25, 50) and v.geometry.kind == "unstructured"
    assert v.data[0, 7, 0] == pytest.approx(2 + 22 / 100)


@pytest.mark.parametrize("name,fmt", [("ieee_as_ibm.sgy", "ieee32"), ("ibm_as_ieee.sgy", "ibm32"),
                                      ("format0.sgy", "ieee32"), ("format99.sgy", "ieee32"),
                                      ("format0_ibm.sgy", "ibm32")])
def test_mislabelled_formats_are_detected(files, name, fmt):
    r = scan(files[name])
    assert r.sample_format == fmt and len(r.warnings) == 1
    v = load(files[name], report=r)
    truth = seismic_values(25, 50).reshape(5, 5, 50).astype(np.float32)
    np.testing.assert_allclose(v.data, truth, rtol=2e-6, atol=1e-3)
    # forcing the header's (wrong) format is possible, and gives different numbers
    forced = scan(files[name], sample_format=1 if fmt == "ieee32" else 5)
    assert forced.sample_format != fmt


def test_genuine_formats_are_not_second_guessed(files):
    for name in ("inline_ieee.sgy", "ibm_lsb.sgy", "int16.sgy"):
        assert not any("format" in w for w in scan(files[name]).warnings), name
    # values 1.0-9.4 in IEEE: every word is also a normalised IBM float over too few octaves to
    # tell the two apart, so the header is followed and the doubt said (never a silent guess)
    r = scan(files["steps.sgy"])
    assert r.sample_format == "ieee32" and [w for w in r.warnings if "too few octaves" in w]


def test_nan_inf_and_spikes_keep_levels_sane(files):
    v = load(files["spikes.sgy"])
    assert np.isfinite(v.data).all() and v.load_warnings
    lv = v.levels
    assert 1.0 < lv.lo < lv.hi < 6.0 and lv.clip < 6.0


@pytest.mark.parametrize("case", ["empty", "directory", "random", "header_only", "zero_samples",
                                  "absurd_everywhere", "text_file", "missing"])
def test_bad_inputs_are_refused_with_one_clear_line(tmp_path, case):
    p = tmp_path / f"{case}.sgy"
    if case == "empty":
        p.write_bytes(b"")
    elif case == "directory":
        p.mkdir()
    elif case == "random":
        p.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    elif case == "header_only":
        p.write_bytes(make(tmp_path / "full.sgy").read_bytes()[:3600])
    elif case == "zero_samples":
        make(p, ns=0)
    elif case == "absurd_everywhere":
        make(p, declared_ns=60000, trace_ns=60000)
    elif case == "text_file":
        p.write_text("inline,crossline,time\n" * 400)
    with pytest.raises(SeisviewError) as ei:
        scan(p)
    msg = str(ei.value)
    assert "\n" not in msg and ";" in msg  # problem; what to try
    assert "Traceback" not in msg


def test_wrong_explicit_bytes_suggest_the_right_ones(files):
    with pytest.raises(SeisviewError, match="--iline 189 --xline 193"):
        scan(files["inline_ieee.sgy"], iline=9, xline=21)
    with pytest.raises(SeisviewError, match="--iline 9 --xline 21"):
        scan(files["alt_bytes.sgy"], iline=17, xline=13)


def test_layer_rule_io_imports_no_qt_or_torch():
    import subprocess

    code = ("import sys, seisview.io.segy, seisview.io.cache, seisview.cli.survey; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PyQt6', 'pyqtgraph', 'vispy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_damaged_headers_never_escape_as_tracebacks(tmp_path):
    """Random damage to binary and trace headers, and truncation: open, or refuse with SeisviewError."""
    base = make(tmp_path / "base.sgy", values="seismic").read_bytes()
    rng = np.random.default_rng(0)
    outcomes = {"opened": 0, "refused": 0}
    for k in range(60):
        b = bytearray(base)
        if k % 3 == 0:
            for _ in range(rng.integers(1, 6)):
                b[3200 + rng.integers(0, 400)] = rng.integers(0, 256)
        elif k % 3 == 1:
            for _ in range(rng.integers(1, 40)):
                b[3600 + rng.integers(0, 25) * 440 + rng.integers(0, 240)] = rng.integers(0, 256)
        else:
            b = b[:rng.integers(0, len(b))]
        p = tmp_path / f"damaged{k}.sgy"
        p.write_bytes(bytes(b))
        try:
            load(p)
            outcomes["opened"] += 1
        except SeisviewError:
            outcomes["refused"] += 1
    assert outcomes["opened"] > 10 and outcomes["refused"] >= 1
