"""Shared fixtures. Qt runs offscreen in-process; real-window (OpenGL) tests spawn xvfb-run."""

from __future__ import annotations

import gc
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"  # copied from ../shared/data with the licences (see its README)


@pytest.fixture(autouse=True, scope="session")
def _gc_in_main_thread_only():
    """Cyclic garbage is collected in the main thread only, between tests.

    Python's cyclic collector runs in whichever thread happens to allocate; when a
    worker thread triggers it, it can finalise Qt objects of closed views off the
    GUI thread and crash Qt (seen as a rare segfault in the suite). The app does
    the same with pyqtgraph's GarbageCollector (seisview.qt.app.make_app).
    """
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _pyqtgraph_configured(request):
    """pyqtgraph's options as the application sets them at start-up (qt.app.make_app)."""
    if {"qtbot", "qapp"} & set(request.fixturenames):
        from seisview.qt.app import configure_pyqtgraph

        configure_pyqtgraph()


@pytest.fixture(autouse=True)
def _collect_after_test(request):
    yield
    # A full collection costs ~0.2 s with torch loaded: only after tests that made Qt
    # objects; the young generations (cheap) after the others.
    uses_qt = {"qtbot", "qapp"} & set(request.fixturenames)
    gc.collect() if uses_qt else gc.collect(1)


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    """Keep settings, logs and caches of the test run out of the user's home."""
    home = tmp_path_factory.mktemp("seisview_home")
    os.environ["SEISVIEW_HOME"] = str(home)
    # automatic survey stores go beside the survey unless a cache folder is named: not into tests/data
    os.environ["SEISVIEW_CACHE"] = str(home / "cache")
    yield home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``tests/data``: real SEG-Y, labels, wells and picks carried by the repository."""
    if not TEST_DATA.is_dir():
        pytest.fail(f"real test data not found at {TEST_DATA} (the repository's tests/data is missing)")
    return TEST_DATA


@pytest.fixture
def temp_plugin(tmp_path):
    """Register temporary plugins: ``temp_plugin.add(manifest)``, ``.module(name, source)``
    (an importable module in tmp_path), ``.entry_point(name, "mod:manifest")``; undone after."""
    from seisview.plugins import registry

    with registry.temporary(tmp_path / "plugin_modules") as tmp:
        yield tmp


@pytest.fixture(autouse=True)
def no_live_workers():
    """Fail a test that leaves a seisview worker thread running (cancel and wait in teardown)."""
    yield
    import sys
    import time

    workers = sys.modules.get("seisview.qt.workers")
    if workers is None:
        return
    deadline = time.monotonic() + 5.0
    while workers.jobs_running() and time.monotonic() < deadline:
        time.sleep(0.02)
    if workers.jobs_running():
        alive = [t.name for t in workers.live_threads()]
        pytest.fail(f"worker job(s) still running at teardown: {alive}")


@pytest.fixture
def labels_window(qtbot):
    """A main window with only the Labels & picks dock (``w.labels_panel_for_test``), shown."""
    from seisview.qt.labels_panel import make_panel
    from seisview.qt.main_window import MainWindow

    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    panel = make_panel(w)
    w.add_panel("labels", panel, "Labels & picks")
    w.resize(1300, 850)
    w.show()
    qtbot.waitExposed(w)
    w.labels_panel_for_test = panel
    yield w
    if w.session.project is not None:
        w.session.project.close()
    w.files.shutdown()
    w.close()
