"""Run a test script in a real X window (xvfb-run) and read back the JSON it prints as ``RESULT {...}``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_script(script: str, args, tmp_path: Path, *, screen: str = "1366x768", timeout: int = 240) -> dict:
    """Write ``script`` to ``tmp_path`` and run it with this checkout's seisview first on the path, under
    a fresh Xvfb screen of ``screen`` (WxH); returns its last ``RESULT`` object."""
    path = tmp_path / "xvfb_script.py"
    path.write_text(script)
    env = {**os.environ, "SEISVIEW_HOME": str(tmp_path / "home"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("QT_QPA_PLATFORM", None)  # the X platform, not offscreen
    proc = subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {screen}x24", sys.executable, str(path),
                           *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=REPO)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])
