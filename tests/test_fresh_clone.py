"""A fresh clone runs its data tests with nothing beside it; an installed wheel has its sample data.

What the clone test covers: the README's test command (`python3 -m pytest -q`) run inside a
`git clone` of this repository in an empty temporary folder (so no `../shared` beside it), with
the clone's own code first on the path, on the tests that read real data (SEG-Y, labels, picks,
wells). Every file opened or listed by that run and the processes it starts is recorded by an
audit hook; the test fails if any lies in this checkout, in its `../shared`, or in the installed
seisview. It does not run `scripts/install.sh` (system packages and pip installs are too heavy
for a test): `.ci/run` runs that command on a fresh machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA_TESTS = ["tests/test_segy_real.py", "tests/test_wells.py", "tests/test_labels_formats.py",
              "tests/test_picks.py"]

# sitecustomize for the child interpreters: logs every open/listdir under the forbidden roots
AUDIT = '''
import os, sys
_log = os.environ.get("SEISVIEW_AUDIT_LOG")
_roots = [r for r in os.environ.get("SEISVIEW_AUDIT_FORBID", "").split(os.pathsep) if r]
_busy = []
def _hook(event, args):
    if _busy or event not in ("open", "os.listdir", "os.scandir") or not args:
        return
    path = args[0]
    if not isinstance(path, (str, bytes, os.PathLike)):
        return
    _busy.append(1)
    try:
        p = os.path.abspath(os.fsdecode(path))
        if any(p == r or p.startswith(r + os.sep) for r in _roots):
            with open(_log, "a", encoding="utf-8") as f:
                f.write(f"{event} {p}\\n")
    finally:
        _busy.pop()
if _log and _roots:
    sys.addaudithook(_hook)
'''


def _installed_seisview() -> Path | None:
    """The seisview package a plain `python3` imports (the editable or wheel install)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-c", "import seisview; print(seisview.__file__)"],
                       capture_output=True, text=True, env=env, cwd="/")
    return Path(r.stdout.strip()).parent if r.returncode == 0 and r.stdout.strip() else None


def _child_env(tmp_path: Path, first_on_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(PYTHONPATH=str(first_on_path), QT_QPA_PLATFORM="offscreen",
               SEISVIEW_HOME=str(tmp_path / "home"), SEISVIEW_CACHE=str(tmp_path / "cache"))
    return env


@pytest.mark.slow
def test_fresh_clone_runs_its_data_tests_reading_nothing_outside(tmp_path):
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: nothing to clone")
    where = tmp_path / "empty"
    where.mkdir()
    clone = where / "seisview"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)], check=True)
    assert not (where / "shared").exists() and (clone / "tests" / "data").is_dir()

    audit = tmp_path / "audit"
    audit.mkdir()
    (audit / "sitecustomize.py").write_text(AUDIT)
    log = tmp_path / "outside.log"
    forbid = [REPO, REPO.parent / "shared"]
    installed = _installed_seisview()
    if installed is not None and not installed.is_relative_to(clone):
        forbid += [installed, installed.parent / "tests", installed.parent.parent / "shared"]
    env = _child_env(tmp_path, clone)
    # the bundled plugins too: the registry imports them (install.sh installs them from this checkout)
    plugins = sorted(str(d) for d in (clone / "plugins").iterdir() if (d / "pyproject.toml").is_file())
    env["PYTHONPATH"] = os.pathsep.join([str(audit), str(clone), *plugins])
    env["SEISVIEW_AUDIT_LOG"] = str(log)
    env["SEISVIEW_AUDIT_FORBID"] = os.pathsep.join(str(p) for p in forbid)

    which = subprocess.run([sys.executable, "-c", "import seisview; print(seisview.__file__)"],
                           capture_output=True, text=True, env=env, cwd=clone)
    assert Path(which.stdout.strip()).is_relative_to(clone), which.stdout + which.stderr

    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *DATA_TESTS],
                       capture_output=True, text=True, env=env, cwd=clone, timeout=900)
    tail = (r.stdout + r.stderr)[-3000:]
    assert r.returncode == 0, tail
    assert " passed" in tail and "skipped" not in tail, tail
    outside = log.read_text() if log.exists() else ""
    assert outside == "", f"the clone's tests read outside it:\n{outside[:2000]}"


@pytest.mark.slow
def test_installed_wheel_finds_its_sample_data(tmp_path):
    pytest.importorskip("setuptools")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "seisview", src / "seisview",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                        "--no-build-isolation", "-w", str(dist), str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    (wheel,) = dist.glob("seisview-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    shutil.rmtree(src)  # nothing of the source tree is left to fall back on

    probe = '''
import importlib.resources, sys
from pathlib import Path
import seisview
from seisview.io import demo
from seisview.io.segy import scan
site = Path(sys.argv[1])
assert Path(seisview.__file__).is_relative_to(site), seisview.__file__
res = importlib.resources.files("seisview") / "resources" / "sample_data"
assert (res / "F3_very_small.sgy").is_file() and (res / "LICENSE.seisplot").is_file()
paths = demo.sample_data_paths()
assert paths and all(p.is_file() and p.is_relative_to(site) for p in paths.values()), paths
rep = scan(paths["F3 (very small)"])
print("f3", rep.n_traces, rep.n_samples)
p = demo.demo_survey_path()
print("demo", p.stat().st_size > 0, scan(p).n_traces)
'''
    env = _child_env(tmp_path, site)
    r = subprocess.run([sys.executable, "-c", probe, str(site)], capture_output=True, text=True,
                       env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "f3 121 463" in r.stdout and "demo True 40000" in r.stdout, r.stdout
