"""Files from users we have never met: pick tables, point files, LAS, SEG-Y and projects that
are odd but legitimate are read right; broken ones are refused in one line (SeisviewError)."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.io import pick_formats as pf

sys.path.insert(0, str(Path(__file__).parent))
from make_segy import make  # noqa: E402

PICKS = {(1, 1): (12.5, None), (1, 2): (13.0, None)}


# -- pick tables ---------------------------------------------------------------------------
@pytest.mark.parametrize("name,data", [
    ("excel_eu", "ffid;channel;time_ms\r\n1;1;12,5\r\n1;2;13\r\n".encode("cp1252")),
    ("tabs", b"ffid\tchannel\ttime_ms\n1\t1\t12.5\n1\t2\t13.0\n"),
    ("utf16", "ffid,channel,time_ms\r\n1,1,12.5\r\n1,2,13.0\r\n".encode("utf-16")),
    ("latin1_note", "ffid,channel,time_ms,note\n1,1,12.5,d\xe9j\xe0\n1,2,13,\n".encode("latin-1")),
    ("blank_first", b"\n\nffid,channel,time_ms\n1,1,12.5\n\n1,2,13.0\n"),
    ("same_row_twice", b"ffid,channel,time_ms\n1,1,12.5\n1,2,13.0\n1,2,13.0\n"),
])
def test_pick_tables_from_other_tools_read_the_same(tmp_path, name, data):
    f = tmp_path / f"{name}.csv"
    f.write_bytes(data)
    assert pf.read_csv(f) == PICKS


@pytest.mark.parametrize("body,words", [
    ("1,1,0.0125\n1,2,0.013\n", "look like seconds"),  # seconds under a _ms name
    ("1,1,12.5\n1,1,40\n", "twice with different times"),
    ("1.7,1,12\n", "line 2"),  # a key that is not a whole number
    ("99999999999999999999,1,12\n", "line 2"),  # does not fit a header word
    ("1,1,inf\n", "line 2"),
    ("1,1,12,5\n", "line 2 has 4 columns"),  # decimal comma in a comma file: was 12 ms
])
def test_pick_tables_that_would_import_wrong_numbers_are_refused(tmp_path, body, words):
    f = tmp_path / "p.csv"
    f.write_text("ffid,channel,time_ms\n" + body)
    with pytest.raises(SeisviewError, match=words) as ei:
        pf.read_csv(f)
    assert "\n" not in str(ei.value)


def test_pick_json_with_bom_and_sgt_with_fractional_index(tmp_path):
    from seisview.io.pick_sgt import read_sgt

    j = tmp_path / "p.json"
    j.write_bytes(b'\xef\xbb\xbf{"picks": [[1, 1, 12.5, null], [1, 2, 13.0, null]]}')
    assert pf.read_json(j) == PICKS
    s = tmp_path / "p.sgt"
    s.write_text("2\n0 0\n5 0\n1\n1.5 2 0.01\n")
    with pytest.raises(SeisviewError, match="whole numbers"):
        read_sgt(s)


# -- point files and LAS ---------------------------------------------------------------------
@pytest.mark.parametrize("data", [
    "\ufeff339\t300\t1200\t0\n340\t300\t1204\t0\n".encode(),  # BOM: first point was lost
    "339;300;1200,0\r\n340;300;1204,0\r\n".encode("cp1252"),
    "inline xline time\n339 300 1200\n340 300 1204\n".encode("utf-16"),
])
def test_point_files_in_any_encoding_keep_every_point(tmp_path, data):
    from seisview.io.label_formats import read_points

    f = tmp_path / "multi_salt_ilxl.pts"
    f.write_bytes(data)
    np.testing.assert_array_equal(read_points(f), [[339, 300, 1200], [340, 300, 1204]])


LAS = """~VERSION INFORMATION
 VERS.   2.0 : CWLS LAS
 WRAP.   NO  :
~WELL INFORMATION
 STRT.M  100.0 :
 STOP.M  100.4 :
 STEP.M  0.1 :
 NULL.   -999.25 :
 WELL.   TEST :
~CURVE INFORMATION
 DEPT.M   : depth
 DT  .US/M : sonic
 RHOB.G/CC : density
~A
100.0 300 2.3
100.1 -999.25 2.4
100.2 abc 2.45
-999.25 320 2.5
100.4 330 2.6
"""


def test_las_with_text_samples_and_a_null_depth(tmp_path):
    from seisview.io.wells import read_las

    f = tmp_path / "w.las"
    f.write_text(LAS)
    log = read_las(f)  # was: ValueError traceback on 'abc'; the null depth was kept as -999.25 m
    np.testing.assert_allclose(log.depth, [100.0, 100.1, 100.2, 100.4])
    np.testing.assert_array_equal(np.isnan(log.curves["DT"]), [False, True, True, False])
    assert any("not numbers" in p for p in log.problems)
    assert any("without a depth" in p for p in log.problems)
    f.write_text(LAS.split("~A")[0] + "~A\n-999.25 300 2.3\n-999.25 310 2.4\n")
    with pytest.raises(SeisviewError, match="no data row has a depth"):
        read_las(f)  # was: an empty log whose display raised IndexError in the well panel


# -- projects whose survey moved --------------------------------------------------------------
def test_project_moved_with_its_survey_finds_it_and_relink_checks_the_survey(tmp_path, shared_data, capsys):
    import shutil

    from seisview.cli import main
    from seisview.core.section import SectionSpec
    from seisview.io.project import Project

    src = tmp_path / "disk A" / "projets é"
    (src / "data").mkdir(parents=True)
    shutil.copy(shared_data / "segy/segyio/small.sgy", src / "data" / "petit relevé.sgy")
    with Project.create(src / "p.seisview", src / "data" / "petit relevé.sgy") as pr:
        pr.labels.apply({SectionSpec("inline", 2): (np.arange(3), np.ones(3, np.uint8))}, tool="test")
    dst = tmp_path / "disk B" / "copy"
    shutil.move(src, dst)  # project and data moved together
    with Project.open(dst / "p.seisview") as pr:
        assert pr.survey.path == str((dst / "data" / "petit relevé.sgy").resolve())
        assert any("found the same file" in w for w in pr.warnings)
    with Project.open(dst / "p.seisview") as pr:  # remembered: no warning the second time
        assert pr.warnings == [] and pr.labels.class_counts() == {1: 3}
    (dst / "data" / "petit relevé.sgy").rename(tmp_path / "elsewhere.sgy")
    with Project.open(dst / "p.seisview") as pr:
        assert any("project relink" in w for w in pr.warnings)
    other = shared_data / "segy/segyio/f3.sgy"
    assert main(["project", "relink", str(dst / "p.seisview"), "--survey", str(other)]) == 2
    assert "not this project's survey" in capsys.readouterr().err
    assert main(["project", "relink", str(dst / "p.seisview"), "--survey", str(tmp_path / "elsewhere.sgy")]) == 0
    with Project.open(dst / "p.seisview") as pr:
        assert pr.warnings == [] and pr.survey.path.endswith("elsewhere.sgy")


# -- SEG-Y ---------------------------------------------------------------------------------------
def _as_int24(p: Path, code: int, endian: str, ns: int = 50) -> np.ndarray:
    """Rewrite a big-endian IEEE test file with 3-byte integer samples (x 1000); returns the ints."""
    b = p.read_bytes()
    n = (len(b) - 3600) // (240 + 4 * ns)
    tr = np.frombuffer(b[3600:], np.uint8).reshape(n, 240 + 4 * ns)
    ints = np.rint(tr[:, 240:].copy().view(">f4").astype(np.float64) * 1000).astype(np.int64)
    ints[0, :3] = [-1, -8_388_608, 8_388_607] if code == 7 else [0, 16_777_215, 1]
    word = (ints & 0xFFFFFF).astype(">u4").view(np.uint8).reshape(n, ns, 4)[..., 1:]
    if endian == "<":
        word = word[..., ::-1]
    head = bytearray(b[:3600])
    head[3224:3226] = struct.pack(">h", code)
    hdrs = tr[:, :240].copy()
    if endian == "<":  # flip every 2- and 4-byte header word we and the reader use
        head = bytearray(make(p.with_suffix(".lsb"), endian="<", ns=ns).read_bytes()[:3600])
        head[3224:3226] = struct.pack("<h", code)
        hdrs = np.frombuffer(p.with_suffix(".lsb").read_bytes()[3600:], np.uint8).reshape(n, -1)[:, :240]
    p.write_bytes(bytes(head) + np.concatenate([hdrs, word.reshape(n, -1)], axis=1).tobytes())
    return ints


@pytest.mark.parametrize("code,endian", [(7, ">"), (7, "<"), (15, ">")])
def test_24_bit_integer_samples_are_read(tmp_path, code, endian):
    from seisview.io.segy import load, scan

    p = make(tmp_path / "i24.sgy")
    ints = _as_int24(p, code, endian)
    r = scan(p)  # was: "the file is too short for one trace ... truncated"
    assert r.sample_format == ("int24" if code == 7 else "uint24") and r.geometry.shape == (5, 5, 50)
    v = load(p, report=r)
    np.testing.assert_array_equal(v.data.reshape(25, 50), ints.astype(np.float32))
    with pytest.raises(SeisviewError, match="read-only"):
        from seisview.io.segy import write_volume_segy

        write_volume_segy(tmp_path / "o.sgy", v.data, v.geometry, sample_format=code)


def _cdp_gathers(path: Path, n_cdp: int, fold: int, ns: int = 20) -> Path:
    """CDP gathers numbered only at byte 21 (no FFID, nothing at 189/193), offsets at byte 37."""
    out = bytearray(make(path, n_il=1, n_xl=1, ns=ns).read_bytes()[:3600])
    for t in range(n_cdp * fold):
        c, k = divmod(t, fold)
        h = bytearray(240)
        h[0:4] = struct.pack(">i", t + 1)  # trace sequence numbers: with CDP at 21 they once formed a "grid"
        h[4:8] = struct.pack(">i", t + 1)
        h[20:24] = struct.pack(">i", 100 + c)
        h[36:40] = struct.pack(">i", 50 * (k + 1))
        h[114:118] = struct.pack(">HH", ns, 4000)
        out += h + np.full(ns, t, ">f4").tobytes()
    path.write_bytes(bytes(out))
    return path


@pytest.mark.parametrize("n_cdp,fold", [(3, 10), (6, 4)])
def test_cdp_gathers_without_ffid_are_gathers_not_a_grid_or_a_flat_line(tmp_path, n_cdp, fold):
    from seisview.io.segy import load, scan

    p = _cdp_gathers(tmp_path / "cdp.sgy", n_cdp, fold)
    r = scan(p)  # was: 3 CDPs -> "post-stack 30 x 3 grid" from bytes 5/21; 6 CDPs -> unstructured
    assert r.kind == "prestack" and r.gathers == {"key": "cdp", "byte": 21, "count": n_cdp}
    g = load(p, report=r)
    assert g.data.shape == (n_cdp * fold, 20) and np.array_equal(g.data[:, 7], np.arange(n_cdp * fold))
    assert np.array_equal(np.unique(g.keys), 100 + np.arange(n_cdp))
    np.testing.assert_allclose(g.offsets[:fold], 50.0 * np.arange(1, fold + 1))


@pytest.mark.parametrize("kw", [{"iline": 241, "xline": 193}, {"iline": 189, "xline": -5},
                                {"gather_key": 0}, {"gather_key": 239}])
def test_header_bytes_outside_the_trace_header_are_refused(tmp_path, kw):
    from seisview.io.segy import scan

    p = make(tmp_path / "a.sgy", ns=4)
    with pytest.raises(SeisviewError, match="not inside the 240-byte trace header"):
        scan(p, **kw)  # was: ValueError from numpy (a traceback; exit 1 in the CLI)


def test_pick_byte_past_the_header_never_overwrites_samples(tmp_path):
    from seisview.core.picks import Pick

    src = make(tmp_path / "a.sgy", ns=4)
    with pytest.raises(SeisviewError, match="not inside"):
        pf.write_segy_header(src, tmp_path / "out.sgy", {(0, 0): Pick(1.0)}, byte=241)
    assert not (tmp_path / "out.sgy").exists()
    with pytest.raises(SeisviewError, match="not inside"):
        pf.read_segy_header(src, byte=300)


def test_survey_replaced_by_another_layout_is_named_in_the_warning(tmp_path, shared_data):
    import shutil

    from seisview.io.project import Project

    survey = tmp_path / "s.sgy"
    shutil.copy(shared_data / "segy/segyio/small.sgy", survey)
    with Project.create(tmp_path / "p.seisview", survey) as pr:
        path = pr.path
    shutil.copy(shared_data / "segy/segyio/f3.sgy", survey)  # same name, another survey
    with Project.open(path) as pr:
        assert any("layout differs" in w and "inlines 111-133" in w for w in pr.warnings)
        assert pr.geometry.il.count == 5  # the project keeps its own geometry and labels


def test_variable_length_traces_are_refused_not_misread(tmp_path):
    from seisview.io.segy import scan

    a = make(tmp_path / "a.sgy", n_il=2, ns=50).read_bytes()
    b = make(tmp_path / "b.sgy", n_il=2, il0=3, ns=60).read_bytes()
    p = tmp_path / "var.sgy"
    p.write_bytes(a + b[3600:])
    with pytest.raises(SeisviewError, match="different lengths \\(50-60 samples"):
        scan(p)  # was: read as 20 'pre-stack' traces of garbage, 'IBM' by the format check


# -- exports never destroy the user's work ----------------------------------------------------
def test_exports_never_overwrite_the_project_its_survey_or_a_read_only_file(tmp_path, shared_data, capsys):
    import shutil

    from seisview.cli import main
    from seisview.io.project import Project

    survey = tmp_path / "s.sgy"
    shutil.copy(shared_data / "segy/segyio/small.sgy", survey)
    proj = tmp_path / "p.seisview"
    main(["project", "new", str(proj), "--survey", str(survey)])
    pts = tmp_path / "multi_salt_ilxl.pts"
    pts.write_text("2 21 8\n")
    assert main(["labels", "import", str(proj), str(pts), "--format", "malenov"]) == 0
    before = survey.read_bytes()
    ro = tmp_path / "ro.npy"
    ro.write_bytes(b"keep")
    ro.chmod(0o444)
    other = tmp_path / "other.seisview"  # another project, not the open one
    shutil.copy(proj, other)
    capsys.readouterr()
    for out, fmt in ((survey, "segy"), (proj, "npy"), (ro, "npy"), (other, "npy")):
        # were: the survey replaced by a label cube, the project by a .npy (all labels lost)
        assert main(["labels", "export", str(proj), str(out), "--format", fmt]) == 2, out
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and ("will not write" in err or "left untouched" in err), err
    assert survey.read_bytes() == before and ro.read_bytes() == b"keep"
    with Project.open(proj) as pr:
        assert pr.labels.class_counts() == {pr.palette.by_name("salt").id: 1}


def test_convert_never_deletes_a_folder_or_file_that_is_not_a_cache(tmp_path, shared_data):
    from seisview.cli import main

    keep = tmp_path / "results"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    survey = shared_data / "segy/segyio/small.sgy"
    assert main(["convert", str(survey), str(keep)]) == 2  # was: rmtree of the folder
    assert (keep / "notes.txt").read_text() == "mine"
    assert main(["convert", str(survey), str(tmp_path / "s.zarr")]) == 0
    assert main(["convert", str(survey), str(tmp_path / "s.zarr")]) == 0  # a cache is replaced


def test_cli_commands_that_used_to_end_in_internal_errors_exit_2_with_one_line(tmp_path, shared_data, capsys):
    import shutil

    from seisview.cli import main

    survey = tmp_path / "s.sgy"
    shutil.copy(shared_data / "segy/segyio/small.sgy", survey)
    proj = tmp_path / "p.seisview"
    shots = tmp_path / "fb.seisview"
    assert main(["project", "new", str(proj), "--survey", str(survey)]) == 0
    assert main(["project", "new", str(shots), "--survey",
                 str(shared_data / "firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy")]) == 0
    bad_csv = tmp_path / "p.csv"
    bad_csv.write_bytes("ffid,channel,time_ms\n1,1,5\n1,2,x\n".encode("utf-16"))
    capsys.readouterr()
    for argv in (["labels", "import", str(proj), str(tmp_path), "--format", "malenov"],
                 ["picks", "import", str(shots), str(bad_csv)],
                 ["info", str(survey), "--iline", "300"],
                 ["convert", str(survey), str(survey)]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("seisview: error:") and "\n" not in err, (argv, err)
    assert survey.read_bytes() == (shared_data / "segy/segyio/small.sgy").read_bytes()


@pytest.mark.parametrize("byte,value", [(189, 99999), (193, -1)])
def test_one_trace_with_a_wild_line_number_does_not_wreck_the_grid(tmp_path, byte, value):
    from seisview.io.segy import load, scan

    p = make(tmp_path / "s.sgy", n_il=10, n_xl=10, ns=20)
    b = bytearray(p.read_bytes())
    at = 3600 + 37 * (240 + 80) + byte - 1
    b[at:at + 4] = struct.pack(">i", value)
    p.write_bytes(bytes(b))
    r = scan(p)  # was: unstructured (99999) or a 10 x 31 grid of mostly dead bins (-1)
    assert r.geometry.shape == (10, 10, 20) and r.missing_traces == 1
    assert any("far outside the survey" in w for w in r.warnings) and r.geometry.affine is not None
    v = load(p, report=r)
    assert v.live.sum() == 99 and v.data[5, 5, 0] == pytest.approx(6 + 25 / 100)


def test_damaged_caches_are_one_line_and_the_automatic_one_is_rebuilt(tmp_path, monkeypatch, capsys):
    import shutil

    from seisview.cli import main
    from seisview.io.cache import build_cache, cache_path_for
    from seisview.io.segy import load, scan

    p = make(tmp_path / "s.sgy")
    mem = load(p, use_cache=False)
    out = build_cache(scan(p), tmp_path / "c.zarr")
    shutil.rmtree(out / "amplitude")
    with pytest.raises(SeisviewError, match="damaged"):
        load(out)  # was: KeyError (the amplitude array)
    (out / "zarr.json").write_text("{broken")
    assert main(["info", str(out)]) == 2  # was: internal error (JSONDecodeError)
    assert "damaged" in capsys.readouterr().err
    monkeypatch.setenv("SEISVIEW_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SEISVIEW_RAM_BUDGET_GB", str(1e-9))
    first = load(p)
    auto = cache_path_for(scan(p))
    from seisview.io.store_time_major import build_time_major

    build_time_major(auto)  # as the first time slice would have, in the background
    shutil.rmtree(auto / "time_major")  # the survey's own cache damaged on disk
    again = load(p)
    assert not again.in_memory and np.array_equal(again.time_slice(7), mem.time_slice(7))
    assert np.array_equal(first.inline(2), mem.inline(2))


@pytest.mark.parametrize("mask,null", [("below_a_horizon", np.nan), ("every_other_trace", np.nan),
                                       ("below_a_horizon", -1e30), ("every_other_trace", 1e30),
                                       ("below_a_horizon", -999.25)])
def test_ieee_volume_masked_with_nan_or_a_null_value_stays_ieee(tmp_path, mask, null):
    from make_segy import seismic_values

    from seisview.io.segy import load, scan

    p = make(tmp_path / "m.sgy", values="seismic")
    b = bytearray(p.read_bytes())
    truth = seismic_values(25, 50).astype(np.float32)
    keep = np.ones_like(truth, bool)
    if mask == "below_a_horizon":
        keep[:, 21:] = False
    else:
        keep[1::2] = False
    vals = np.where(keep, truth, null).astype(">f4")
    for t in range(25):
        o = 3600 + t * 440 + 240
        b[o:o + 200] = vals[t].tobytes()
    p.write_bytes(bytes(b))
    r = scan(p)  # was: re-read as int32 ("NaN or absurd"): values of 2e9 on screen; -999.25 kept as data
    assert r.sample_format == "ieee32" and any("(a mask)" in w for w in r.warnings)
    assert (r.null_value is None) == bool(np.isnan(null))
    v = load(p, report=r)
    np.testing.assert_allclose(v.data.reshape(25, 50), np.where(keep, truth, 0), rtol=1e-6)
    assert v.live.sum() == (25 if mask == "below_a_horizon" else 13)  # all-null traces are dead


def test_picks_with_0_based_channels_get_a_hint(shared_data):
    survey = shared_data / "firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy"
    keys, chans, ns, dt = pf.trace_table(survey)
    picks = {(int(k), int(c) - 1): (10.0, None) for k, c in zip(keys[:30], chans[:30], strict=True)}
    with pytest.raises(SeisviewError, match="look 0-based"):
        pf.check_against_survey(picks, keys, chans, ns, dt, source="p.csv")


def test_pick_check_uses_the_trace_sampling_and_delay_of_the_survey(tmp_path):
    from seisview.core.gathers import GatherSet
    from seisview.io.segy import write_gathers_segy

    n = 2 * 12
    gs = GatherSet(np.zeros((n, 200), np.float32), np.repeat([1, 2], 12), np.tile(np.arange(1, 13), 2),
                   np.tile(np.arange(12) * 10.0, 2), 1.0, 100.0, "ffid", {})
    p = write_gathers_segy(tmp_path / "shots.sgy", gs)
    b = bytearray(p.read_bytes())
    b[3216:3218] = b"\x00\x00"  # sample interval only in the trace headers
    p.write_bytes(bytes(b))
    keys, chans, ns, dt, t0 = pf.survey_traces(p)
    assert (ns, dt, t0) == (200, 1.0, 100.0)  # was: dt 0 from the binary header, t0 ignored
    pf.check_against_survey({(1, 3): (150.0, None), (2, 12): (299.0, None)}, keys, chans, ns, dt, t0)
    with pytest.raises(SeisviewError, match="times 100-299 ms"):
        pf.check_against_survey({(1, 3): (50.0, None)}, keys, chans, ns, dt, t0)


def test_header_picks_of_a_shot_file_without_channel_numbers_keep_every_trace(tmp_path):
    from seisview.core.gathers import GatherSet
    from seisview.io.segy import load, write_gathers_segy

    gs = GatherSet(np.zeros((24, 50), np.float32), np.repeat([7, 8], 12), np.tile(np.arange(1, 13), 2),
                   np.zeros(24), 1.0, 0.0, "ffid", {"fb_us": np.arange(24) * 1000 + 5000})
    p = write_gathers_segy(tmp_path / "shots.sgy", gs)
    b = bytearray(p.read_bytes())
    for t in range(24):  # wipe the channel numbers (byte 13)
        b[3600 + t * 440 + 12:3600 + t * 440 + 16] = bytes(4)
    p.write_bytes(bytes(b))
    picks = pf.read_segy_header(p)  # was: 2 picks, (7, 0) and (8, 0): 22 lost
    assert len(picks) == 24 and picks[(8, 12)][0] == pytest.approx(28.0)
    assert set(picks) == set(zip(load(p).keys.tolist(), load(p).channels.tolist(), strict=True))


def test_channel_numbers_repeated_within_a_gather_do_not_merge_traces(tmp_path):
    from seisview.core.gathers import GatherSet
    from seisview.io.segy import load, scan, write_gathers_segy

    chans = np.tile(np.r_[np.arange(1, 7), np.arange(1, 7)], 2)  # two cables, channels 1-6 each
    gs = GatherSet(np.zeros((24, 50), np.float32), np.repeat([7, 8], 12), chans,
                   np.zeros(24), 1.0, 0.0, "ffid", {"fb_us": np.arange(24) * 1000 + 5000})
    p = write_gathers_segy(tmp_path / "shots.sgy", gs)
    assert any("repeat within gathers" in w for w in scan(p).warnings)
    g = load(p)
    assert len(set(zip(g.keys.tolist(), g.channels.tolist(), strict=True))) == 24
    assert len(pf.read_segy_header(p)) == 24  # was 12: the second cable's picks overwrote the first's


def test_petrel_points_with_negative_time_are_read_positive_down(tmp_path, capsys):
    from seisview.cli import main

    survey = make(tmp_path / "s.sgy", ns=50)  # times 0-196 ms
    proj = tmp_path / "p.seisview"
    assert main(["project", "new", str(proj), "--survey", str(survey)]) == 0
    pts = tmp_path / "multi_salt_ilxl.pts"
    pts.write_text("Inline Crossline Z\n2 21 -40\n3 22 -100\n")
    capsys.readouterr()
    assert main(["labels", "import", str(proj), str(pts), "--format", "malenov"]) == 0  # was: refused
    assert "positive down" in capsys.readouterr().out
    pts.write_text("2 21 -40\n3 22 40\n")  # mixed signs: no guessing
    assert main(["labels", "import", str(proj), str(pts), "--format", "malenov"]) == 2


def test_a_transposed_label_image_is_refused_not_smeared(tmp_path):
    from PIL import Image

    from seisview.io.label_formats import read_label_image

    img = np.zeros((30, 50, 3), np.uint8)  # 50 wide x 30 high; the section is 50 samples x 30 traces
    img[:, :25] = (255, 0, 0)
    f = tmp_path / "inline_3.png"
    Image.fromarray(img).save(f)
    with pytest.raises(SeisviewError, match="looks transposed"):
        read_label_image(f, {(255, 0, 0): 1}, (50, 30))
    assert read_label_image(f, {(255, 0, 0): 1}, (30, 50))[:, :25].all()  # the right way round
