"""LAS reading: the real R-39 well, LAS 3.0, feet, descending depth, STEP 0, aliases, bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.io.wells import elastic_logs, latlon_to_utm, read_las

LAS3 = """~Version
VERS.   3.0 : CWLS LOG ASCII STANDARD - VERSION 3.0
WRAP.   NO  : ONE LINE PER DEPTH STEP
DLM .   COMMA : DELIMITING CHARACTER
~Well
STRT.FT  1001.0 : START DEPTH
STOP.FT  1000.0 : STOP DEPTH
STEP.FT  -0.5 : STEP
NULL.    -999.25 : NULL VALUE
WELL.    TEST 3 : WELL
XWELL.M  612345.0 : X
YWELL.M  4830000.0 : Y
~Log_Definition
DEPT.FT   : DEPTH
DTC .US/F : P sonic
DTS .US/F : S sonic
DEN .G/C3 : density
~Log_Data | Log_Definition
1001.0, 100.0, 200.0, 2.30
1000.5, -999.25, 210.0, 2.35
1000.0, 98.0, -190.0, 2.40
"""

LAS2_STEP0 = """~VERSION
VERS. 2.0 : v
WRAP. NO : w
~WELL
STRT.M 100.0 : start
STOP.M 101.5 : stop
STEP.M 0 : irregular
NULL. -999.25 : null
WELL. STEPZERO : well
~CURVE
DEPT.M : depth
GR.GAPI : gamma
DT.US/M : sonic
~A
100.0 50 300
100.2 51 -999.25
100.9 52 310
101.5 53 320
"""


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_r39_header_depth_curves_and_aliases(shared_data):
    log = read_las(shared_data / "wells" / "R-39.las")
    assert log.version == "2.0" and log.name == "EXXONMOBIL ET AL ALMA 3"
    assert log.depth.size == 7843 and log.depth[0] == pytest.approx(2193.036)
    assert log.depth[-1] == pytest.approx(3388.1568) and log.step == pytest.approx(0.1524, abs=1e-6)
    assert len(log.curves) == 22  # 23 curves including depth
    assert log.find("DT") == "DT4P" and log.find("DTS") == "DT4S" and log.find("DEN") == "RHOB"
    assert log.info["DT4P"].unit == "US/M" and log.info["RHOB"].unit == "K/M3"
    assert "DT4S: 105 zero or negative samples (invalid DTS)" in log.problems
    el = elastic_logs(log)
    assert el.masked == {"DT4P": 0, "DT4S": 105, "RHOB": 0}
    assert np.isnan(el.vs).sum() == 105
    assert np.nanmin(el.vp) > 2800 and np.nanmax(el.vp) < 6100  # 1e6 / (166..349 us/m)
    loc = log.location
    assert loc.lat == pytest.approx(43 + 35 / 60 + 47.74 / 3600)
    assert loc.lon == pytest.approx(-(60 + 41 / 60 + 22.69 / 3600))
    assert "zone 20N" in loc.source and 600_000 < loc.x < 700_000


def test_las3_feet_descending_nulls_aliases_units(tmp_path):
    log = read_las(_write(tmp_path, "t3.las", LAS3))
    assert log.version == "3.0"
    np.testing.assert_allclose(log.depth, np.array([1000.0, 1000.5, 1001.0]) * 0.3048)
    assert "depth is descending in the file; reversed to ascending" in log.problems
    assert log.step == pytest.approx(0.1524)
    dt = log.curve("DT")  # found through the alias DTC, reordered with the depth
    np.testing.assert_array_equal(dt, [98.0, np.nan, 100.0])
    assert log.info["DTC"].n_null == 1 and log.info["DTC"].alias_of == "DT"
    el = elastic_logs(log)
    assert el.vp[0] == pytest.approx(0.3048e6 / 98.0)  # us/ft -> m/s
    assert el.rho[0] == pytest.approx(2400.0)  # g/cc -> kg/m3
    assert el.masked == {"DTC": 1, "DTS": 1, "DEN": 0}  # a null and a negative slowness
    assert log.location.source == "XY" and log.location.x == 612345.0


def test_step_zero_is_reported_as_irregular(tmp_path):
    log = read_las(_write(tmp_path, "s0.las", LAS2_STEP0))
    assert log.step is None
    assert any(p.startswith("STEP is 0 (irregular sampling declared)") for p in log.problems)
    assert "no well coordinates (X/Y or LATI/LONG) in the header" in log.problems
    assert log.info["DT"].n_null == 1


def test_missing_curves_names_needed_and_found(tmp_path):
    log = read_las(_write(tmp_path, "s0.las", LAS2_STEP0))
    with pytest.raises(SeisviewError) as err:
        elastic_logs(log)
    msg = str(err.value)
    assert "needs DTS (any of DTS, DTSM, DT4S" in msg and "RHOB (any of RHOB, DEN" in msg
    assert "found: GR, DT" in msg and "\n" not in msg


@pytest.mark.parametrize("text, words", [
    ("hello, not a LAS file\n", "cannot read bad.las as LAS"),
    (LAS2_STEP0.replace("101.5 53 320", "101.5 53"), "cannot read bad.las as LAS"),
    (LAS2_STEP0.split("~A")[0] + "~A\n", "no log data"),
])
def test_malformed_las_is_one_line_error(tmp_path, text, words):
    with pytest.raises(SeisviewError, match=words) as err:
        read_las(_write(tmp_path, "bad.las", text))
    assert "\n" not in str(err.value)


def test_utm_matches_known_values():
    e, n, zone = latlon_to_utm(45.0, -63.0)  # on zone 20's central meridian
    assert zone == 20 and e == pytest.approx(500_000.0, abs=1e-6)
    assert n == pytest.approx(0.9996 * 4_984_944.378, abs=1.0)  # k0 x meridian arc to 45°
    e, n, zone = latlon_to_utm(43.6426, -79.3871)  # CN Tower, published as 17T 630084 4833438
    assert zone == 17 and e == pytest.approx(630084, abs=15) and n == pytest.approx(4833438, abs=15)
    e, n, zone = latlon_to_utm(-33.9, 18.4)
    assert zone == 34 and n < 10_000_000 and 200_000 < e < 500_000


def test_cli_well_info_text_json_and_errors(shared_data, tmp_path, capsys):
    from seisview.cli import main

    las = shared_data / "wells" / "R-39.las"
    assert main(["well", "info", str(las)]) == 0
    out = capsys.readouterr().out
    assert "depth 2193.04-3388.16 m, step 0.1524 m, 7843 samples" in out and "DT4S" in out
    assert ("elastic logs: Vp from DT4P, Vs from DT4S, density from RHOB; "
            "samples masked (null, zero or negative): DT4S 105") in out
    assert main(["well", "info", str(_write(tmp_path, "t3.las", LAS3)), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["aliases"] == {"DT": "DTC", "DTS": "DTS", "RHOB": "DEN"} and d["depth"]["samples"] == 3
    assert d["las_version"] == "3.0" and d["depth"]["unit_in_file"] == "FT"
    assert d["elastic"]["masked"] == {"DTC": 1, "DTS": 1, "DEN": 0}
    bad = _write(tmp_path, "bad.las", "garbage\n")
    assert main(["well", "info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read bad.las as LAS" in err


def test_undeclared_common_null_is_masked_and_reported(tmp_path):
    text = LAS2_STEP0.replace("NULL. -999.25", "NULL. -9999")
    log = read_las(_write(tmp_path, "n.las", text))
    assert np.isnan(log.curve("DT")[1]) and log.info["DT"].n_null == 1
    assert any(p.startswith("DT: 1 samples equal a common null value") for p in log.problems)


def test_wrapped_las(tmp_path):
    text = (LAS2_STEP0.replace("WRAP. NO : w", "WRAP. YES : wrapped").split("~A")[0]
            + "~A\n100.0\n50 300\n100.2\n51 -999.25\n100.9\n52\n310\n101.5\n53 320\n")
    log = read_las(_write(tmp_path, "wrap.las", text))
    np.testing.assert_array_equal(log.curve("GR"), [50, 51, 52, 53])
    assert log.info["DT"].n_null == 1 and log.step is None
