"""Issue 17 item 7: the conversion writes the amplitudes only; the time-major copy comes later.

Until the copy is complete, time slices are read (right) from the trace-major chunks and the
first one starts its build in the background; the build is resumable shard by shard; a copy
appears under the name readers look for only once whole; `seisview convert` builds it right
after the amplitudes unless told to defer it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray
import zarr

from seisview.cli import main
from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry
from seisview.core.tasks import TaskState
from seisview.io.cache import build_cache, open_cache
from seisview.io.cache_files import MANIFEST
from seisview.io.segy import scan
from seisview.io.segy_write import write_volume_segy
from seisview.io.store import TIME_MAJOR, open_store
from seisview.io.store_time_major import BUILDING, build_time_major, copy_state, wait_for_background


def _survey(tmp_path, shape=(130, 250, 24)):
    """Enough traces for several shards (112 x 128-trace shards: 2 x 2 of them)."""
    rng = np.random.default_rng(5)
    data = np.cumsum(rng.standard_normal(shape), axis=2).astype(np.float32)
    geom = SurveyGeometry.regular(*shape, dt=4.0, il_first=10, xl_first=20)
    return write_volume_segy(tmp_path / "s.sgy", data, geom), data


def test_the_store_is_usable_before_its_copy_and_takes_it_when_built(tmp_path):
    sgy, data = _survey(tmp_path)
    out = build_cache(scan(sgy), tmp_path / "s.zarr", workers=2)
    assert copy_state(open_store(out)) == "none"
    assert not (out / TIME_MAJOR).exists()  # nothing a reader could take for a copy
    assert np.array_equal(xarray.open_zarr(out)["amplitude"].values, data)
    vol = open_cache(out)
    assert not vol.time_major_ready
    assert np.array_equal(vol.inline(70), data[70].T) and np.array_equal(vol.crossline(3), data[:, 3].T)
    assert np.array_equal(vol.time_slice(7), data[:, :, 7])  # from the trace-major chunks; starts the build
    assert wait_for_background(out, timeout=120)
    assert copy_state(open_store(out)) == "complete" and vol.time_major_ready
    for k in (0, 7, 23):
        assert np.array_equal(vol.time_slice(k), data[:, :, k])
    copy = zarr.open_group(str(out), mode="r")[f"{TIME_MAJOR}/amplitude"]
    assert np.array_equal(copy[...], data.transpose(2, 0, 1))
    sizes = json.loads((out / MANIFEST).read_text())["sizes"]
    assert any(k.startswith(f"{TIME_MAJOR}/amplitude/c/") for k in sizes)  # the copy is checked on open
    shard = next(p for p in (out / TIME_MAJOR / "amplitude").rglob("*") if p.is_file() and p.name != "zarr.json")
    shard.write_bytes(shard.read_bytes()[:50])
    with pytest.raises(SeisviewError, match="damaged"):
        open_store(out)


def test_a_cancelled_build_resumes_with_the_shards_it_left(tmp_path):
    sgy, data = _survey(tmp_path)
    out = build_cache(scan(sgy), tmp_path / "s.zarr", workers=1)
    calls = []

    def progress(frac, msg):
        calls.append(msg)
        state.cancel()  # after the first shard

    state = TaskState(progress)
    with pytest.raises(Exception):  # noqa: B017 (the cancel's own type)
        build_time_major(out, state=state, workers=1)
    assert copy_state(open_store(out)) == "partial"
    assert not (out / TIME_MAJOR / "amplitude").exists()  # readers see no copy yet
    building = out / TIME_MAJOR / f"{BUILDING}amplitude"
    first = [p for p in building.rglob("*") if p.is_file() and p.name != "zarr.json"]
    assert len(first) == 1 and len(calls) == 1
    stamp = first[0].stat().st_mtime_ns
    dead = first[0].with_name(f".{first[0].name}x.999999999-1")  # half a shard of a killed build
    dead.write_bytes(b"partial")
    seen = []
    assert build_time_major(out, state=TaskState(lambda f, m: seen.append(m)), workers=2)
    assert len(seen) == 3 and not building.exists()  # the three shards left, then renamed into place
    again = out / TIME_MAJOR / "amplitude" / first[0].relative_to(building)
    assert again.stat().st_mtime_ns == stamp  # kept, not written again
    assert not [p for p in (out / TIME_MAJOR).rglob(".*")]  # the killed build's temporary is gone
    vol = open_cache(out)
    assert vol.time_major_ready and np.array_equal(vol.time_slice(11), data[:, :, 11])


def test_convert_cli_builds_the_copy_unless_deferred(tmp_path, capsys):
    sgy, data = _survey(tmp_path, (20, 30, 16))
    assert main(["convert", str(sgy), str(tmp_path / "a.zarr")]) == 0
    out = capsys.readouterr().out
    assert "usable" in out and "time-major copy" in out
    assert copy_state(open_store(tmp_path / "a.zarr")) == "complete"
    assert main(["convert", str(sgy), str(tmp_path / "b.zarr"), "--defer-time-major"]) == 0
    assert "time-major copy" not in capsys.readouterr().out
    assert copy_state(open_store(tmp_path / "b.zarr")) == "none"
