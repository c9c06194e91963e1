"""Issue 15, class 6: the on-disk cache verifies itself and is replaced atomically.

Every way a cache folder is damaged on disk (chunk files missing as after an interrupted
copy, the dead-trace mask chunk missing, a chunk truncated, no manifest) is refused in one
line when opened by hand and rebuilt when it is a survey's own cache; never served. A
``convert`` killed with SIGKILL while it replaces an existing cache leaves the old or the new
cache, usable; the hidden folders of killed builds are removed by the next build.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from make_segy import make

from seisview.cli import main
from seisview.core.errors import SeisviewError
from seisview.io.cache import build_cache, cache_path_for, open_cache
from seisview.io.cache_files import MANIFEST, clean_leftovers
from seisview.io.segy import load, scan
from seisview.io.store_time_major import build_time_major, wait_for_background

REPO = Path(__file__).resolve().parents[1]


def _chunks(cache: Path, array: str) -> list[Path]:
    return sorted(p for p in (cache / array).rglob("*") if p.is_file() and p.name != "zarr.json")


def _drop_chunks(c: Path) -> None:  # an interrupted copy: a fifth of the chunk files
    for p in _chunks(c, "amplitude")[::5]:
        p.unlink()


def _drop_mask(c: Path) -> None:
    for p in _chunks(c, "live"):
        p.unlink()


def _truncate_one(c: Path) -> None:
    p = _chunks(c, "time_major/amplitude")[0]  # one shard file per array on this small survey
    p.write_bytes(p.read_bytes()[:100])


def _grow_one(c: Path) -> None:
    p = _chunks(c, "amplitude")[-1]
    p.write_bytes(p.read_bytes() + b"\0" * 8)


def _no_manifest(c: Path) -> None:
    (c / MANIFEST).unlink()


def _bad_manifest(c: Path) -> None:
    (c / MANIFEST).write_text('{"sizes": [')


DAMAGE = [_drop_chunks, _drop_mask, _truncate_one, _grow_one, _no_manifest, _bad_manifest]


@pytest.fixture(scope="module")
def survey(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("cache")
    p = make(d / "s.sgy", n_il=20, n_xl=20, ns=40)
    out = build_cache(scan(p), d / "good.zarr")
    build_time_major(out)  # damage to the copy built after the conversion is caught too
    return p, out


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__.strip("_"))
def test_a_damaged_cache_is_refused_in_one_line(survey, tmp_path, damage, capsys):
    src, good = survey
    c = tmp_path / "c.zarr"
    shutil.copytree(good, c)
    assert np.array_equal(open_cache(c).inline(3), load(src, use_cache=False).inline(3))
    damage(c)
    with pytest.raises(SeisviewError, match="damaged or incomplete") as e:
        load(c)
    assert "\n" not in str(e.value) and "seisview convert" in str(e.value)
    capsys.readouterr()
    assert main(["info", str(c)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("seisview: error:") and "\n" not in err and "damaged" in err


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__.strip("_"))
def test_a_damaged_survey_cache_is_rebuilt_not_served(survey, tmp_path, damage, monkeypatch):
    src, _ = survey
    monkeypatch.setenv("SEISVIEW_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SEISVIEW_RAM_BUDGET_GB", str(1e-9))
    mem = load(src, use_cache=False)
    load(src)
    auto = cache_path_for(scan(src))
    build_time_major(auto)  # as the first time slice would have, in the background
    damage(auto)
    again = load(src)
    assert not again.in_memory and again.live.all()
    for i in range(20):
        assert np.array_equal(again.inline(i), mem.inline(i))
    assert np.array_equal(again.time_slice(7), mem.time_slice(7))
    assert wait_for_background(auto, timeout=60)
    assert not [p for p in auto.parent.iterdir() if p.name.startswith(".")]


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_leftovers_of_dead_builds_are_removed_and_live_ones_kept(survey, tmp_path):
    src, good = survey
    out = tmp_path / "s.zarr"
    dead, live = _dead_pid(), os.getppid()
    for name in (f".s.zarr.part{dead}", f".s.zarr.old{dead}", f".s.zarr.part{live}"):
        shutil.copytree(good, tmp_path / name)
    (tmp_path / ".other.zarr.part1").mkdir()  # another cache's: not ours to touch
    build_cache(scan(src), out)
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert left == [".other.zarr.part1", f".s.zarr.part{live}"]
    assert open_cache(out).geometry.shape == (20, 20, 40)


def test_an_old_cache_orphaned_between_two_renames_goes_back(survey, tmp_path):
    """Where the system cannot exchange two folders in one rename, the old cache is moved
    aside first; a kill right then leaves it there, and it is put back, not deleted."""
    _, good = survey
    out = tmp_path / "s.zarr"
    shutil.copytree(good, tmp_path / f".s.zarr.old{_dead_pid()}")
    clean_leftovers(out)
    assert open_cache(out).geometry.shape == (20, 20, 40)


def test_swap_without_the_exchange_rename(survey, tmp_path, monkeypatch):
    import seisview.io.cache_files as cf

    src, _ = survey
    small = make(tmp_path / "small.sgy", n_il=3, n_xl=4, ns=10)
    out = build_cache(scan(small), tmp_path / "s.zarr")
    monkeypatch.setattr(cf, "_exchange", lambda a, b: False)
    build_cache(scan(src), out)
    assert open_cache(out).geometry.shape == (20, 20, 40)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_kill_9_while_convert_replaces_a_cache_leaves_old_or_new(tmp_path):
    """SIGKILL at random moments of a `convert` over an existing cache (in the build, the
    manifest, the swap or the deletion of the old one): the cache opens every time and is
    the old survey or the new one; the next build clears what the killed ones left."""
    old_src = make(tmp_path / "old.sgy", n_il=6, n_xl=5, ns=30)
    new_src = make(tmp_path / "new.sgy", n_il=120, n_xl=40, ns=200)
    out = tmp_path / "c.zarr"
    build_cache(scan(old_src), out)
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    cmd = [sys.executable, "-m", "seisview", "convert", str(new_src), str(out)]
    t0 = time.monotonic()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    full = time.monotonic() - t0
    shutil.rmtree(out)
    build_cache(scan(old_src), out)
    rng = random.Random(15)
    seen = {"old": 0, "new": 0}
    for k in range(6):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.4, 1.0) * full)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        shape = open_cache(out).geometry.shape  # never damaged, never missing
        assert shape in ((6, 5, 30), (120, 40, 200)), shape
        seen["old" if shape == (6, 5, 30) else "new"] += 1
        if shape != (6, 5, 30) and k < 5:
            build_cache(scan(old_src), out)  # back to the old one for the next kill
    build_cache(scan(old_src), out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert sum(seen.values()) == 6
    print("kills left", seen)
