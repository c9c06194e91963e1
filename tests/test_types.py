"""mypy over the headless layers (core, io, ml), configured in pyproject.toml ``[tool.mypy]``."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mypy", reason="pip install -e .[test] (mypy)")


def test_core_io_ml_type_check():
    # the incremental cache beside the sources keeps a re-run to a few seconds
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache")],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "Success" in out.stdout
