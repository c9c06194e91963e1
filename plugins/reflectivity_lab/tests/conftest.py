"""The plugin's tests run offscreen, with seisview's settings in a temporary folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    os.environ["SEISVIEW_HOME"] = str(tmp_path_factory.mktemp("seisview_home"))
    yield


@pytest.fixture(autouse=True)
def _torch_one_thread():
    """Per-sample training: extra threads only add overhead on the shared cores."""
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    yield
