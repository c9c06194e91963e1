"""OpenMP threads sleep rather than spin unless the user says otherwise (issue 16).

Spinning OpenMP threads on busy cores made a 2-thread training step 3-5x slower than
passive ones and took the GUI thread's core (docs/measurements.md, "GUI stalls").
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = "import seisview, torch, os; print(os.environ['OMP_WAIT_POLICY'])"


def _policy(env_value):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    if env_value is not None:
        env["OMP_WAIT_POLICY"] = env_value
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_passive_by_default_before_torch_loads():
    assert _policy(None) == "PASSIVE"


def test_the_users_setting_wins():
    assert _policy("ACTIVE") == "ACTIVE"
