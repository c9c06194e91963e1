"""Survey units in one place: section specs, line number <-> index, time/depth <-> sample.

Real files with non-trivial geometry: segyio's f3.sgy (inlines 111-133, crosslines 875-892,
t0 = 4 ms), Volve (depth in m, lines every 4), delay-scalar (t0 = 1000 ms).
"""

from __future__ import annotations

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.core.geometry import format_number
from seisview.core.section import SectionSpec
from seisview.io.segy import scan


@pytest.fixture(scope="module")
def f3(shared_data):
    return scan(shared_data / "segy/segyio/f3.sgy").geometry


@pytest.fixture(scope="module")
def volve(shared_data):
    return scan(shared_data / "segy/volve/volve10-migvel-depth-sub3d.sgy").geometry


@pytest.fixture(scope="module")
def delay(shared_data):
    return scan(shared_data / "segy/segyio/delay-scalar.sgy").geometry


def test_the_real_files_have_the_geometry_these_tests_rely_on(f3, volve, delay):
    assert (f3.il.first, f3.il.last, f3.xl.first, f3.t0, f3.dt, f3.domain) == (111, 133, 875, 4.0, 4.0, "time")
    assert (volve.il.first, volve.il.step, volve.xl.step, volve.dt, volve.domain) == (10087, 4, 4, 20.0, "depth")
    assert (delay.t0, delay.dt) == (1000.0, 4.0)


def test_specs_parse_to_indices_and_print_back(f3, volve, delay):
    assert f3.parse_spec("inline:111") == SectionSpec("inline", 0)
    assert f3.parse_spec("inline:123") == SectionSpec("inline", 12)
    assert f3.parse_spec("crossline:892") == SectionSpec("crossline", 17)
    assert f3.parse_spec("time:4") == SectionSpec("time", 0)  # t0 = 4 ms: sample 0 is 4 ms
    assert f3.parse_spec("time:100") == SectionSpec("time", 24)
    assert f3.parse_spec(" Inline : 120 ") == SectionSpec("inline", 9)
    assert volve.parse_spec("inline:10091") == SectionSpec("inline", 1)
    assert volve.parse_spec("crossline:2156") == SectionSpec("crossline", 2)
    assert volve.parse_spec("depth:1200") == SectionSpec("time", 60)
    assert delay.parse_spec("time:1000") == SectionSpec("time", 0)
    assert delay.parse_spec("time:1600") == SectionSpec("time", 150)
    assert delay.parse_spec("time:1600 ms") == delay.parse_spec("time:1600MS") == SectionSpec("time", 150)
    assert volve.parse_spec("depth:1200m") == SectionSpec("time", 60)
    for g in (f3, volve, delay):
        for kind in ("inline", "crossline", "time"):
            for i in (0, g.shape[("inline", "crossline", "time").index(kind)] - 1):
                spec = SectionSpec(kind, i)
                assert g.parse_spec(g.spec_text(spec)) == spec
    assert f3.spec_text(SectionSpec("inline", 12)) == "inline:123"
    assert f3.spec_text(SectionSpec("time", 24)) == "time:100"
    assert volve.spec_text(SectionSpec("time", 60)) == "depth:1200"
    assert delay.spec_text(SectionSpec("time", 150)) == "time:1600"


def test_display_text_is_in_line_numbers_and_ms_or_m(f3, volve):
    assert f3.describe(SectionSpec("inline", 12)) == "inline 123"
    assert f3.describe(SectionSpec("time", 0)) == "time 4 ms"
    assert volve.describe(SectionSpec("time", 60)) == "depth 1200 m"
    assert volve.describe(SectionSpec("crossline", 3)) == "crossline 2160"
    assert f3.describe_point(12, 0, 0) == "inline 123, crossline 875, 4 ms"
    assert f3.describe_point(11.6, 0.4, 1.49) == "inline 123, crossline 875, 8 ms"  # nearest
    assert volve.describe_point(sample=60) == "1200 m"
    assert f3.extent_text() == "inlines 111-133, crosslines 875-892, time 4-300 ms"
    assert volve.extent_text() == "inlines 10087-10155 every 4, crosslines 2148-2352 every 4, depth 0-4500 m"
    assert [format_number(v) for v in (600.0, 4.5, -99.987, 4 + 0.1 * 3, -0.0)] == ["600", "4.5", "-99.987", "4.3", "0"]


@pytest.mark.parametrize("text, words", [
    ("inline:110", ["inline 110 is outside the survey", "111-133"]),
    ("inline:134", ["inline 134 is outside", "111-133"]),
    ("inline:12.5", ["not a whole line number"]),
    ("inline:abc", ["'abc' is not a number"]),
    ("inline:nan", ["'nan' is not a number"]),
    ("crossline:", ["no number given"]),
    ("inline:99999999999999999999999999", ["99999999999999999999999999 is outside"]),
    ("inline:-9223372036854775809", ["outside"]),
    ("time:1e400", ["time 1e400 ms is outside", "4-300 ms"]),
    ("time:302", ["time 302 ms is outside"]),  # halfway past the last sample
    ("time:1.9", ["time 1.9 ms is outside"]),  # more than half a sample before t0 = 4 ms
    ("depth:600", ["this survey is in time"]),
    ("slice:600", ["unknown section kind 'slice'"]),
    ("inline", ["not KIND:NUMBER"]),
    ("time:600 m", ["time 600 m: this survey's times are in ms"]),
    ("time:600 s", ["times are in ms"]),
    ("time:6e", ["'6e' is not a number"]),
])
def test_bad_specs_are_one_line_errors(f3, text, words):
    with pytest.raises(SeisviewError) as e:
        f3.parse_spec(text)
    msg = str(e.value)
    assert "\n" not in msg and all(w in msg for w in words), msg


def test_off_step_lines_name_their_neighbours(volve):
    with pytest.raises(SeisviewError, match=r"inline 10089 is not a line .*nearest are 10087 and 10091"):
        volve.parse_spec("inline:10089")
    with pytest.raises(SeisviewError, match="this survey is in depth"):
        volve.parse_spec("time:1200")


def test_time_to_sample_rounds_to_nearest_and_halfway_deeper(f3, volve):
    assert f3.sample_of(4) == 0 and f3.sample_of(5.9) == 0 and f3.sample_of(6) == 1  # 6 ms: halfway
    assert f3.sample_of(2) == 0  # half a sample before t0 still belongs to the first sample
    assert f3.sample_of(301.9) == 74
    with pytest.raises(SeisviewError):
        f3.sample_of(302)  # halfway past the last sample: deeper, and there is no deeper one
    assert volve.sample_of(1210) == 61 and volve.sample_of(1209.9) == 60
    assert f3.z_of(24) == 100.0 and volve.z_of(60) == 1200.0
    assert np.allclose(f3.z_of(np.arange(3)), [4, 8, 12])
    k, bad = f3.samples_of([4, 6, 7.5, 300, 302, np.nan, -1e300])
    assert k.tolist()[:4] == [0, 1, 1, 74] and bad.tolist() == [False, False, False, False, True, True, True]
    k, bad = f3.samples_of([8, 9], tol=0.2)  # 9 ms is a quarter sample off 8 ms
    assert bad.tolist() == [False, True]


def test_numbers_and_indices_both_ways(f3, volve):
    assert f3.il.number(0) == 111 and f3.il.number(22) == 133
    assert volve.il.number(3) == 10099 and volve.xl.number(51) == 2352
    assert volve.il.number(1.5) == pytest.approx(10093.0)  # a cursor between traces
    assert np.array_equal(volve.il.number(np.arange(3)), [10087, 10091, 10095])
    assert volve.index("inline", 10099) == 3 and volve.index("time", 1200) == 60
    assert volve.position("crossline", 2) == 2156 and volve.position("time", 60) == 1200.0
    idx, bad = volve.il.indices_of([10087, 10089, 10155, 10159, np.nan])
    assert idx.tolist()[:3] == [0, 0, 17] and bad.tolist() == [False, True, False, True, True]
    # widgets: nearest and clipped
    assert volve.nearest_index("inline", 10090) == 1 and volve.nearest_index("inline", 1) == 0
    assert volve.nearest_index("inline", 10**30) == 17 and volve.nearest_index("time", 1e9) == 225
    assert f3.nearest_index("time", float("nan")) == 0 and f3.nearest_index("time", float("inf")) == 74
    assert f3.nearest_index("crossline", -float("inf")) == 0


def test_descending_line_numbers(f3):
    from seisview.core.geometry import LineAxis

    ax = LineAxis(133, -2, 12)  # 133, 131, ..., 111
    assert ax.index_of(131) == 1 and ax.number(11) == 111
    assert ax.describe() == "133-111 every 2"
    with pytest.raises(SeisviewError, match="nearest are 129 and 131"):
        ax.index_of(130)
    with pytest.raises(SeisviewError, match="outside"):
        ax.index_of(135)
    assert ax.nearest_index(0) == 11
