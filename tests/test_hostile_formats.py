"""Lying sample-format codes and byte orders (issue 15, classes 2 and 3).

A format code or byte order that the bits contradict is never read as plausible-looking
numbers: the samples read as what they are, with a warning that names the lie, or the file
is refused in one line. The oracle is the real data itself: the multiformat files hold the
same amplitudes in each format, and every real SEG-Y file read honestly is the reference its
mutants are compared with. Every format the writer writes reads back, in both byte orders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.io.segy_format import FORMATS, READ_ONLY_FORMATS
from seisview.io.segy_load import load
from seisview.io.segy_scan import scan
from seisview.io.segy_write import write_volume_segy

sys.path.insert(0, str(Path(__file__).parent))
from make_segy import seismic_values  # noqa: E402
from segy_mutants import CODES, with_binary_byte_order_flipped, with_format_code  # noqa: E402

DATA = Path(__file__).parent / "data" / "segy"
MULTI = sorted((DATA / "segyio" / "multiformats").glob("*.sgy"))
REAL = sorted(DATA.rglob("*.sgy"))
WRITABLE = [c for c in FORMATS if c not in READ_ONLY_FORMATS]


def _read(path):
    r = scan(path)
    return r, load(path, report=r, use_cache=False).data


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b)


def _cube(code: int) -> np.ndarray:
    """Seismic amplitudes scaled to use most of the format's range (signed where it is)."""
    x = seismic_values(42, 60).reshape(6, 7, 60)
    kind = FORMATS[code][2]
    if kind[0] not in "iu":
        return x.astype(np.float32)
    info = np.iinfo(kind)
    top = min(float(info.max), 2.0**40) * 0.9
    x = x / np.abs(x).max() * (top / 2 if kind[0] == "u" else top) + (top / 2 if kind[0] == "u" else 0)
    return np.rint(x).astype(np.float32)


@pytest.mark.parametrize("order", ["big", "little"])
@pytest.mark.parametrize("code", WRITABLE)
def test_every_format_the_writer_writes_reads_back(tmp_path, code, order):
    """Format 10 once crashed (KeyError: 10) on a file seisview itself had written."""
    data = _cube(code)
    g = SurveyGeometry(LineAxis(10, 1, 6), LineAxis(20, 1, 7), 60, 4.0, 0.0)
    p = write_volume_segy(tmp_path / "v.sgy", data, g, sample_format=code, byte_order=order)
    r, got = _read(p)
    assert (r.format_code, r.byte_order, r.warnings) == (code, order, ())
    if code == 1:
        np.testing.assert_allclose(got, data, rtol=5e-7)  # IBM keeps 21-24 fraction bits
    else:
        assert np.array_equal(got, data)


@pytest.mark.parametrize("code", [2, 3, 8, 10, 11, 16])
def test_signed_amplitudes_written_as_integers_read_back_clipped(tmp_path, code):
    """Amplitudes beyond an integer format's range are clipped by the writer: rail-to-rail
    steps are clipping, not a sign read wrong, so the header's format stands."""
    data = seismic_values(42, 60).reshape(6, 7, 60).astype(np.float32)  # +-3000
    g = SurveyGeometry(LineAxis(10, 1, 6), LineAxis(20, 1, 7), 60, 4.0, 0.0)
    p = write_volume_segy(tmp_path / "v.sgy", data, g, sample_format=code)
    info = np.iinfo(FORMATS[code][2])
    r, got = _read(p)
    assert r.format_code == code and not r.warnings
    assert np.array_equal(got, np.clip(np.rint(data), info.min, info.max))


@pytest.mark.parametrize("path", MULTI, ids=lambda p: p.name)
def test_format_code_lies_never_give_silent_numbers(tmp_path, path):
    """Every code (valid, invalid, another width) on the same real samples: the original
    numbers with or without a warning, other numbers only with a warning, or one line."""
    r0, truth = _read(path)
    for code in CODES:
        if code == r0.format_code:
            continue
        p = tmp_path / f"code{code}.sgy"
        p.write_bytes(with_format_code(path.read_bytes(), code))
        try:
            r, got = _read(p)
        except SeisviewError as exc:
            assert "\n" not in str(exc)
            continue
        if not _same(got, truth):
            assert set(r.warnings) - set(r0.warnings), f"code {code}: other numbers and no warning"
        elif code in FORMATS and FORMATS[code][1] != r0.layout.bytes_per_sample:
            assert any("-byte samples" in w for w in r.warnings), code  # the width lie is said


@pytest.mark.parametrize("declared,truth", [(2, "ieee32"), (2, "ibm32"), (10, "ieee32"), (5, "int32"),
                                            (1, "int32"), (11, "int16"), (1, "int16"), (2, "int16")])
def test_the_reported_lies_read_the_true_format(tmp_path, declared, truth):
    """IEEE or IBM labelled int32 (values ~1e9 before), int16 under a 4-byte code (another
    geometry before), int16 labelled uint16: the samples read as what they are, and say so."""
    code = {"ieee32": 5, "ibm32": 1, "int32": 2, "int16": 3}[truth]
    src = DATA / "segyio" / "multiformats" / f"Format{code}msb.sgy"
    r0, want = _read(src)
    p = tmp_path / "lie.sgy"
    p.write_bytes(with_format_code(src.read_bytes(), declared))
    r, got = _read(p)
    assert r.sample_format == truth and r.n_traces == r0.n_traces
    assert np.array_equal(got, want)
    assert any(FORMATS[declared][0] in w and truth in w for w in r.warnings), r.warnings


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_a_binary_header_in_the_other_byte_order_reads_the_traces_right(tmp_path, path):
    """The binary header big-endian, traces little-endian (or the reverse): once read as
    format 2 with wrong values."""
    r0, truth = _read(path)
    p = tmp_path / "flip.sgy"
    p.write_bytes(with_binary_byte_order_flipped(path.read_bytes()))
    r, got = _read(p)
    assert r.byte_order == r0.byte_order and r.sample_format == r0.sample_format
    assert _same(got, truth)


def test_the_real_files_raise_no_format_alarm():
    """No false alarm on real data: the only format remark is the wrap-around of the two 8-bit
    multiformat files, which hold int16 amplitudes cast to 8 bits (proved in test_segy_real)."""
    for path in REAL:
        r = scan(path)
        remarks = [w for w in r.warnings if "format" in w or "byte order" in w or "wrapped" in w]
        if path.name in ("Format8msb.sgy", "Format16msb.sgy"):
            assert len(remarks) == 1 and "wrapped around" in remarks[0]
        else:
            assert not remarks, (path.name, remarks)
