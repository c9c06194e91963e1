"""Issue 17 items 1 and 7: the survey store (xarray-readable zarr), conversion, lazy sections."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray
from make_segy import make

from seisview.cli import main
from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry
from seisview.io.cache import build_cache, open_cache
from seisview.io.segy import load, scan
from seisview.io.segy_write import write_volume_segy
from seisview.io.store import create_store, open_store
from seisview.io.store_time_major import build_time_major

REPO = Path(__file__).resolve().parents[1]


def _cube(shape, seed=3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """A 21 x 19 x 33 survey (chunks and tiles do not divide it) converted by two threads."""
    d = tmp_path_factory.mktemp("store")
    data = _cube((21, 19, 33))
    geom = SurveyGeometry.regular(21, 19, 33, dt=2.0, t0=100.0, il_first=300, xl_first=1000)
    sgy = write_volume_segy(d / "s.sgy", data, geom)
    out = build_cache(scan(sgy), d / "s.zarr", workers=2)
    build_time_major(out, workers=2)  # as `seisview convert` does after the amplitudes
    return sgy, data, out


def test_xarray_opens_the_store_with_survey_dims_and_coordinates(converted):
    sgy, data, out = converted
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # consolidated metadata: no fallback warning
        ds = xarray.open_zarr(out)
    amp = ds["amplitude"]
    assert amp.dims == ("inline", "crossline", "time") and amp.dtype == np.float32
    assert ds["inline"].values.tolist() == list(range(300, 321))
    assert ds["crossline"].values.tolist() == list(range(1000, 1019))
    assert np.allclose(ds["time"].values, 100.0 + 2.0 * np.arange(33))
    assert SurveyGeometry.from_dict(ds.attrs["seisview_geometry"]).shape == (21, 19, 33)
    assert ds.attrs["seisview_format"] == "seisview-store/2"
    assert np.array_equal(amp.sel(inline=305).values, data[5])
    assert np.array_equal(amp.sel(time=140.0).values, data[:, :, 20])
    assert ds["live"].dims == ("inline", "crossline") and bool(ds["live"].all())
    assert set(ds.data_vars) == {"amplitude", "live"}  # the time-major copy stays out of sight


def test_sections_of_the_store_equal_the_segy(converted):
    import segyio

    sgy, data, out = converted
    vol = open_cache(out)
    assert not vol.in_memory
    with segyio.open(sgy, iline=189, xline=193) as f:
        for i in (0, 7, 20):
            assert np.array_equal(vol.inline(i), f.iline[300 + i].T)
        for j in (0, 8, 18):
            assert np.array_equal(vol.crossline(j), f.xline[1000 + j].T)
        for k in (0, 9, 32):
            assert np.array_equal(vol.time_slice(k), f.depth_slice[k])
    assert np.array_equal(vol.trace(3, 4), data[3, 4])


def test_missing_traces_dead_traces_and_nan_samples(tmp_path):
    """An irregular file (dropped and duplicated traces) and NaN/Inf samples convert like load()."""
    p = make(tmp_path / "odd.sgy", n_il=12, n_xl=11, ns=24, drop=(3, 40, 77), duplicate=(5,), spikes=True)
    mem = load(p, use_cache=False)
    vol = open_cache(build_cache(scan(p), tmp_path / "odd.zarr", workers=2))
    assert np.array_equal(vol.live, mem.live) and vol.live.sum() == 12 * 11 - 3
    for i in range(12):
        assert np.array_equal(vol.inline(i), mem.inline(i))
    assert np.array_equal(vol.time_slice(4), mem.time_slice(4))
    assert any("NaN/Inf" in w for w in vol.load_warnings)


def test_results_join_the_store_with_the_survey_dims(converted, tmp_path):
    _, data, out = converted
    st = open_store(out, "r+")
    probs = st.add_variable("probability", "float32", leading={"class": [1, 2, 3]})
    assert probs.shape == (3, 21, 19, 33) and probs.chunks[0] == 1 and probs.chunks[1:] == st.chunks
    probs[1, :, :, :] = 0.5
    classes = st.add_variable("classes", "uint8", time_major=True)
    classes[:] = 2
    assert st.add_variable("classes", "uint8") is not None  # asking again returns it
    with pytest.raises(SeisviewError, match="already has 'classes'"):
        st.add_variable("classes", "float32")
    with pytest.raises(SeisviewError, match="not a usable variable name"):
        st.add_variable("../x")
    ds = xarray.open_zarr(out)
    assert ds["probability"].dims == ("class", "inline", "crossline", "time")
    assert ds["class"].values.tolist() == [1, 2, 3]
    assert float(ds["probability"].sel({"class": 2}).mean()) == 0.5
    assert sorted(open_store(out).variables()) == ["amplitude", "classes", "live", "probability"]
    assert open_cache(out).inline(2).shape == (33, 19)  # the manifest still holds after additions
    with pytest.raises(SeisviewError, match="read-only"):
        open_store(out).add_variable("envelope")
    # a results-only store for a survey that was never converted
    fresh = create_store(tmp_path / "r.zarr", SurveyGeometry.regular(4, 5, 6, domain="depth"))
    fresh.add_variable("envelope")
    assert xarray.open_zarr(tmp_path / "r.zarr")["envelope"].dims == ("inline", "crossline", "depth")


OLD_TAGS = [("format", "seisview-volume-cache/1"), ("seisview_format", "seisview-store/1")]


@pytest.mark.parametrize("tag", OLD_TAGS, ids=lambda t: t[1])
def test_an_old_cache_is_refused_in_one_line(tmp_path, tag):
    import zarr

    g = zarr.open_group(store=str(tmp_path / "old.zarr"), mode="w")
    g.attrs[tag[0]] = tag[1]
    g.create_array("amplitude", shape=(2, 2, 2), dtype="float32")  # survey amplitudes in the old layout
    with pytest.raises(SeisviewError, match="older seisview") as e:
        load(tmp_path / "old.zarr")
    assert "seisview convert" in str(e.value) and "\n" not in str(e.value)


def test_a_results_store_of_the_first_format_is_still_read(tmp_path):
    """Only the survey's amplitudes changed layout in seisview-store/2: a prediction made
    before (its results' layout unchanged) opens and a job resumes into it."""
    from seisview.io import job_store

    st = create_store(tmp_path / "r.zarr", SurveyGeometry.regular(4, 5, 6))
    job_store.add_variable(st, "classes", "uint8", (4, 5, 6))[...] = 3
    st.set_attrs(seisview_format="seisview-store/1")
    again = job_store.open_or_create(tmp_path / "r.zarr", SurveyGeometry.regular(4, 5, 6))
    assert again.variables() == ["classes"] and int(np.asarray(again.array("classes")[0, 0, 0])) == 3


def test_convert_cli_bad_paths_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("seisview.io.store_cluster.CONNECT_TIMEOUT", "2s")  # nothing will answer
    p = make(tmp_path / "s.sgy", n_il=4, n_xl=4, ns=10)
    assert main(["convert", str(p), str(tmp_path / "no" / "such" / "s.zarr")]) == 2
    err = capsys.readouterr().err.strip()
    assert "does not exist" in err and "\n" not in err
    (tmp_path / "notes").mkdir()
    assert main(["convert", str(p), str(tmp_path / "notes")]) == 2
    assert "not a seisview store" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "nothing.sgy"), str(tmp_path / "x.zarr")]) == 2
    capsys.readouterr()
    assert main(["convert", str(p), str(tmp_path / "s.zarr"), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no dask scheduler answers" in err and "\n" not in err
    assert not (tmp_path / "s.zarr").exists()
    assert main(["convert", str(p), str(tmp_path / "s.zarr")]) == 0
    assert "wrote" in capsys.readouterr().out


def test_a_killed_conversion_leaves_no_store(tmp_path):
    p = make(tmp_path / "k.sgy", n_il=260, n_xl=140, ns=300, values="seismic")  # 6 tiles
    out = tmp_path / "k.zarr"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "seisview", "convert", str(p), str(out),
                             "--workers", "1"], env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:  # the first progress line: a tile is written, five are not
        if "converting tile" in line:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    mem = load(p, use_cache=False)
    if out.exists():  # the kill came after the swap: then the store is whole
        assert np.array_equal(open_cache(out).inline(200), mem.inline(200))
    else:
        with pytest.raises(SeisviewError):
            load(out)
        assert [q for q in tmp_path.iterdir() if q.name.startswith(".k.zarr.part")]
    build_cache(scan(p), out)  # the next build clears what the killed one left
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".")]
    assert np.array_equal(open_cache(out).inline(200), mem.inline(200))


@pytest.mark.slow
def test_convert_on_a_local_cluster_matches_the_threads(converted, tmp_path):
    from distributed import LocalCluster

    sgy, data, _ = converted
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        out = build_cache(scan(sgy), tmp_path / "c.zarr", scheduler=cl.scheduler_address)
    vol = open_cache(out)
    assert np.array_equal(np.stack([vol.inline(i) for i in range(21)]), data.transpose(0, 2, 1))
    assert np.array_equal(vol.time_slice(11), data[:, :, 11])


class _Counting:
    """A zarr array that records the keys read through it."""

    def __init__(self, array):
        self.array, self.keys = array, []
        self.shape, self.dtype, self.chunks = array.shape, array.dtype, array.chunks

    def __getitem__(self, key):
        self.keys.append(key)
        return self.array[key]


def test_per_section_actions_read_only_what_they_show(converted):
    from seisview.core.section import SectionSpec
    from seisview.core.session import Session, _agc_time_slice

    sgy, data, out = converted
    vol = open_cache(out)
    mem = load(sgy, use_cache=False)
    amp, tm = _Counting(vol.data.array), _Counting(vol.time_major.array)
    vol.data.array, vol.time_major.array = amp, tm
    s = Session()
    s.open_volume(vol)
    # the cursor read-out over a shown inline, crossline or time slice reads nothing more
    vol.inline(4), vol.crossline(11), vol.time_slice(20)
    n_amp, n_tm = len(amp.keys), len(tm.keys)
    for i, j, k in ((4, 0, 0), (4, 18, 32), (0, 11, 5), (20, 11, 7), (13, 2, 20), (3, 17, 20)):
        assert s.set_cursor(i, j, k).amplitude == pytest.approx(float(data[i, j, k]))
    assert (len(amp.keys), len(tm.keys)) == (n_amp, n_tm)
    # AGC of a time slice reads the window's time-major chunks, never the trace-major cube
    s.set_display(agc_ms=20)
    got = s.display_section(SectionSpec("time", 16))
    assert len(amp.keys) == n_amp
    assert np.allclose(got, _agc_time_slice(mem, 16, s.agc_samples()), atol=1e-6)


def test_a_store_made_by_a_volume_job_opens(tmp_path):
    """Volume jobs write the geometry as JSON text; the store opens it like its own."""
    from seisview.io import job_store

    g = SurveyGeometry.regular(6, 5, 7, il_first=10)
    group = job_store.open_or_create(tmp_path / "r.zarr", g)
    job_store.add_variable(group, "envelope", "float32", (4, 4, 7))
    st = open_store(tmp_path / "r.zarr")
    assert st.geometry == g and st.variables() == ["envelope"]
    assert st.volume("envelope").inline(2).shape == (7, 5)


def test_a_cancelled_conversion_stops_and_leaves_nothing(tmp_path):
    from seisview.core.tasks import Cancelled, TaskState

    p = make(tmp_path / "c.sgy", n_il=300, n_xl=260, ns=12)  # 3 x 3 tiles
    seen: list[float] = []

    def progress(fraction, _msg):
        seen.append(fraction)
        state.cancel()  # at the first tile done

    state = TaskState(progress)
    with pytest.raises(Cancelled):
        build_cache(scan(p), tmp_path / "c.zarr", state, workers=1)
    assert len(seen) < 4
    assert not [q for q in tmp_path.iterdir() if q.suffix == ".zarr" or ".part" in q.name]


@pytest.mark.parametrize("tag", OLD_TAGS, ids=lambda t: t[1])
def test_an_old_automatic_cache_is_rebuilt_as_a_store(tmp_path, monkeypatch, caplog, tag):
    import zarr

    from seisview.io.cache import cache_path_for
    from seisview.io.store import is_store

    monkeypatch.setenv("SEISVIEW_STORE_DIR", str(tmp_path / "stores"))
    monkeypatch.setenv("SEISVIEW_RAM_BUDGET_GB", str(1e-9))
    p = make(tmp_path / "s.sgy", n_il=6, n_xl=5, ns=20)
    auto = cache_path_for(scan(p))
    assert auto.parent == tmp_path / "stores"
    g = zarr.open_group(store=str(auto), mode="w")
    g.attrs[tag[0]] = tag[1]
    g.create_array("amplitude", shape=(2, 2, 2), dtype="float32")  # survey amplitudes in the old layout
    with caplog.at_level("WARNING"):
        vol = load(p)
    assert is_store(auto) and not vol.in_memory
    assert np.array_equal(vol.inline(3), load(p, use_cache=False).inline(3))
    assert len([r for r in caplog.records if "older seisview" in r.getMessage()]) == 1


def test_the_automatic_store_goes_beside_the_survey(tmp_path, monkeypatch):
    from seisview.io.cache import cache_path_for, cached_volume

    monkeypatch.delenv("SEISVIEW_CACHE", raising=False)
    monkeypatch.delenv("SEISVIEW_STORE_DIR", raising=False)
    (tmp_path / "survey").mkdir()
    p = make(tmp_path / "survey" / "s.sgy", n_il=6, n_xl=5, ns=20)
    assert cache_path_for(scan(p)) == tmp_path / "survey" / "s.sgy.seisview.zarr"
    first = cached_volume(scan(p))
    assert np.array_equal(first.inline(2), load(p, use_cache=False).inline(2))
    make(p, n_il=7, n_xl=5, ns=20)  # the file changes: its store is made again, in the same place
    again = cached_volume(scan(p))
    assert again.shape == (7, 5, 20) and cache_path_for(scan(p)).is_dir()
    assert sorted(q.name for q in (tmp_path / "survey").iterdir()) == ["s.sgy", "s.sgy.seisview.zarr"]
    monkeypatch.setenv("SEISVIEW_STORE_DIR", str(tmp_path / "shared"))
    assert cache_path_for(scan(p)).parent == tmp_path / "shared"
