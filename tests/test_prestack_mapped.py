"""Pre-stack files above the RAM budget: gathers indexed once, read from the file by gather,
first breaks over all gathers as a job in batches (issue 17 item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet
from seisview.core.tasks import Cancelled, TaskState
from seisview.io.segy import load, write_gathers_segy
from seisview.io.segy_gathers import MappedTraces, index_path, is_mapped

REFRAPY = "firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _picker_snapshot(dt_ms: float):
    """A small first-break U-Net with seeded random weights: its picks are arbitrary but
    deterministic, which is all a comparison of two reading paths needs."""
    from seisview.ml.fb_data import input_channels
    from seisview.ml.fb_predict import build_picker
    from seisview.ml.snapshot import ModelSnapshot

    torch.manual_seed(0)
    config = {"widths": [8, 16, 32], "in_channels": input_channels(20.0)}
    net = build_picker(config)
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    return ModelSnapshot("fb-unet", 2, config, state,
                         meta={"task": "firstbreak", "window_ms": 128 * dt_ms,
                               "factor_dt_ms": 2 * dt_ms, "compress": 20.0})


def test_mapped_gathers_equal_the_in_memory_ones_and_reopen_reads_the_index(shared_data, monkeypatch):
    path = shared_data / REFRAPY
    mem = load(path, use_cache=False)
    mapped = load(path, use_cache=True)
    assert isinstance(mapped.data, MappedTraces) and not isinstance(mem.data, MappedTraces)
    assert np.array_equal(mapped.gather_ids, mem.gather_ids)
    for key in mem.gather_ids:
        a, b = mem.gather(key), mapped.gather(key)
        assert np.array_equal(a.data, b.data) and np.array_equal(a.channels, b.channels)
        assert np.array_equal(a.offsets, b.offsets)
    assert sorted(mapped.headers) == sorted(mem.headers)
    assert np.array_equal(mapped.headers["fb_us"], mem.headers["fb_us"])
    assert np.array_equal(mapped.data[5:9], mem.data[5:9]) and np.array_equal(np.asarray(mapped.data), mem.data)
    assert np.array_equal(mapped.data[[7, 3], 10:20], mem.data[[7, 3], 10:20])
    assert index_path(path, {}).is_file()

    import seisview.io.segy_load as segy_load

    def no_scan(*a, **k):
        raise AssertionError("the file was scanned again")

    monkeypatch.setattr(segy_load, "scan", no_scan)
    again = load(path, use_cache=True)  # the saved index: no scan
    assert is_mapped(again) and np.array_equal(again.gather(mem.gather_ids[-1]).data,
                                               mem.gather(mem.gather_ids[-1]).data)
    assert not is_mapped(load(path))  # within the budget the index serves an in-memory set
    monkeypatch.setenv("SEISVIEW_RAM_BUDGET_GB", str(1e-6))
    assert is_mapped(load(path))  # above it, the mapped one


def test_a_changed_file_is_indexed_again(tmp_path):
    gs = GatherSet(np.arange(48 * 50, dtype=np.float32).reshape(48, 50), np.repeat([1, 2], 24),
                   np.tile(np.arange(1, 25), 2), np.zeros(48), 1.0)
    p = write_gathers_segy(tmp_path / "g.sgy", gs)
    assert np.array_equal(load(p, use_cache=True).gather(2).data, gs.gather(2).data)
    gs.data[30] = -1
    os.utime(write_gathers_segy(p, gs), ns=(1, 1))  # same size, other contents and mtime
    again = load(p, use_cache=True)
    assert np.array_equal(again.gather(2).data, gs.gather(2).data)


def test_all_gathers_job_gives_the_in_memory_picks_in_every_format(shared_data, tmp_path):
    from seisview.io.pick_formats import read_csv, read_json, read_segy_header
    from seisview.ml.fb_job import predict_all_gathers
    from seisview.ml.fb_predict import predict_picks

    path = shared_data / REFRAPY
    mem = load(path, use_cache=False)
    mapped = load(path, use_cache=True)
    snap = _picker_snapshot(mem.dt_ms)
    torch.set_num_threads(1)
    want = predict_picks(snap, mem)
    steps = []
    job = predict_all_gathers(snap, mapped, tmp_path / "p.json", batch=4,
                              state=TaskState(lambda f, m: steps.append(f)))
    assert job.n_traces == len(mem.keys) == len(want) and job.n_gathers == len(mem)
    assert steps[-1] == 1.0 and len(steps) == len(mem)
    got = read_json(tmp_path / "p.json")
    assert got == want  # the same picks and confidences, to the bit
    csv = read_csv(predict_all_gathers(snap, mapped, tmp_path / "p.csv").out)
    assert all(abs(csv[k][0] - want[k][0]) < 1e-4 for k in want) and csv.keys() == want.keys()
    job = predict_all_gathers(snap, mapped, tmp_path / "p.sgy", source=path, accept=0.0,
                              skip=lambda k: k[1] == 1)
    hdr = read_segy_header(job.out)
    assert {k: round(v[0] * 1000) for k, v in hdr.items()} == {k: round(v[0] * 1000) for k, v in want.items()}
    assert len(job.accepted) == len(want) - len(mem) and np.array_equal(
        np.asarray(load(job.out, use_cache=False).data), mem.data)  # samples copied unchanged


def test_cancelled_job_leaves_no_file(shared_data, tmp_path):
    from seisview.ml.fb_job import predict_all_gathers

    path = shared_data / REFRAPY
    mapped = load(path, use_cache=True)
    snap = _picker_snapshot(mapped.dt_ms)
    state = TaskState()
    state.set_progress = lambda f, m="": state.cancel() if f > 0.3 else None  # cancel mid-way
    for out in ("c.csv", "c.sgy"):
        with pytest.raises(Cancelled):
            predict_all_gathers(snap, mapped, tmp_path / out, source=path, state=state, batch=2)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SeisviewError, match="header"):
        predict_all_gathers(snap, mapped, tmp_path / "x.sgy")  # no survey to copy
    with pytest.raises(SeisviewError, match="cannot be written"):
        predict_all_gathers(snap, mapped, tmp_path / "x.sgt")


_CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np

    def status(name):
        for line in open("/proc/self/status"):
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    from seisview.io.segy import load
    base = status("VmHWM")  # everything imported: what is left is the file's
    gs = load(sys.argv[1])
    total = 0.0
    for key in gs.gather_ids:  # page through every gather as the gather view does
        total += float(np.abs(gs.gather(key).data).sum())
    print(json.dumps({"grown": status("VmHWM") - base, "mapped": type(gs.data).__name__,
                      "gathers": len(gs), "total": total}))
""")


class _SyntheticTraces:
    """Rows made on demand, so the test writes a large file without holding it."""

    def __init__(self, n, ns):
        self.shape = (n, ns)

    def __getitem__(self, sl):
        rows = np.arange(*sl.indices(self.shape[0]))[:, None]
        return np.sin(rows * 0.01 + np.arange(self.shape[1]) * 0.05).astype(np.float32)


def test_prestack_file_far_above_the_budget_opens_and_pages_in_bounded_memory(tmp_path):
    n_gathers, per, ns = 250, 96, 2000  # 192 MB of samples, 8x a budget of 24 MiB
    n = n_gathers * per
    gs = GatherSet(_SyntheticTraces(n, ns), np.repeat(np.arange(1, n_gathers + 1), per),
                   np.tile(np.arange(1, per + 1), n_gathers), np.tile(np.arange(per) * 5.0, n_gathers), 0.5)
    p = write_gathers_segy(tmp_path / "big.sgy", gs)
    budget = 24 * 1024**2
    assert p.stat().st_size > 7.5 * budget
    env = {**os.environ, "SEISVIEW_RAM_BUDGET_GB": str(budget / 1024**3),
           "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", ""), "OMP_NUM_THREADS": "1"}
    for _ in ("first open (scan + index)", "reopen (index)"):
        r = subprocess.run([sys.executable, "-c", _CHILD, str(p)], capture_output=True, text=True,
                           env=env, timeout=300, check=True)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        assert res["mapped"] == "MappedTraces" and res["gathers"] == n_gathers
        # the header index and a gather or two (measured 10-17 MB), not the file (192 MB)
        assert res["grown"] < budget, res
    ref = sum(float(np.abs(gs.data[i * per:(i + 1) * per]).sum()) for i in range(n_gathers))
    assert res["total"] == pytest.approx(ref, rel=1e-5)


def test_gather_view_pages_a_mapped_file_opened_from_the_menu(labels_window, qtbot, shared_data, tmp_path,
                                                              monkeypatch):
    """File → Open of a shot file above the budget: the gather view shows and pages its gathers."""
    import shutil

    from PyQt6.QtCore import Qt

    from seisview.qt.workers import jobs_running

    path = tmp_path / "shots.sgy"
    shutil.copy(shared_data / REFRAPY, path)
    mem = load(path, use_cache=False)
    monkeypatch.setenv("SEISVIEW_RAM_BUDGET_GB", str(1e-4))  # 107 kB: the 3.5 MB file is 33x that
    w = labels_window
    w.files.open_path(path)
    qtbot.waitUntil(lambda: w.session.gathers is not None and not jobs_running(), timeout=60000)
    assert is_mapped(w.session.gathers)
    gv = w.gather_view
    w.gather_dock.show()
    first = w.session.gather_key
    assert np.array_equal(gv.gather.data, mem.gather(first).data)
    gv.setFocus()
    for key in mem.gather_ids[1:4]:
        qtbot.keyClick(gv.plot_widget, Qt.Key.Key_PageDown)
        qtbot.waitUntil(lambda k=key: w.session.gather_key == k, timeout=5000)
        assert np.array_equal(gv.gather.data, mem.gather(key).data)
    # opened again: the saved report and index, no scan of the file
    import seisview.io.segy as segy
    import seisview.io.segy_load as segy_load

    def no_scan(*a, **k):
        raise AssertionError("the file was scanned again")

    monkeypatch.setattr(segy, "scan", no_scan)
    monkeypatch.setattr(segy_load, "scan", no_scan)
    w.session.gathers = None
    w.files.open_path(path)
    qtbot.waitUntil(lambda: w.session.gathers is not None and not jobs_running(), timeout=60000)
    assert is_mapped(w.session.gathers) and w.session.scan.gathers["byte"] == 9
    assert np.array_equal(w.gather_view.gather.data, mem.gather(first).data)


def test_file_menu_picks_every_gather_of_a_mapped_file(labels_window, qtbot, shared_data, tmp_path,
                                                        monkeypatch):
    """File → Export ▸ First breaks of every gather…: the job in a worker, a progress dialog,
    Cancel leaves no file, the finished CSV has one row per trace."""
    from seisview.qt import fb_picks_job
    from seisview.qt.workers import TaskCancelled, TaskDone

    monkeypatch.setenv("SEISVIEW_RAM_BUDGET_GB", str(1e-4))
    w = labels_window
    path = shared_data / REFRAPY
    gs = load(path)
    assert is_mapped(gs)
    w.session.open_gathers(gs, path=path)
    assert w._fb_job_action.isEnabled()
    assert fb_picks_job.start(w, tmp_path / "none.csv") is None  # no first-break model yet
    w.session.models.set("firstbreak", _picker_snapshot(gs.dt_ms))
    job = fb_picks_job.start(w, tmp_path / "cancelled.sgy")
    job.cancel()
    with qtbot.waitSignal(job.finished, timeout=60000) as end:
        pass
    assert isinstance(end.args[0], (TaskCancelled, TaskDone))
    if isinstance(end.args[0], TaskCancelled):
        assert not (tmp_path / "cancelled.sgy").exists()
    job = fb_picks_job.start(w, tmp_path / "all.csv")
    with qtbot.waitSignal(job.finished, timeout=120000) as end:
        pass
    assert isinstance(end.args[0], TaskDone), end.args[0]
    rows = (tmp_path / "all.csv").read_text().splitlines()
    assert rows[0] == "ffid,channel,time_ms,confidence" and len(rows) == 1 + len(gs.keys)
    assert "gathers picked into all.csv" in w.statusBar().currentMessage()
