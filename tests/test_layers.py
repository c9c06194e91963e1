"""DESIGN.md's layering rule: import contracts over every import statement, and fresh interpreters.

The contracts live in pyproject.toml (``[tool.importlinter]``) and are checked by
import-linter, whose graph (grimp) reads every import statement of the source,
those inside functions included. The fresh-interpreter checks below prove what
is actually loaded at run time, which a static graph cannot see (``importlib``).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT = ("PyQt6", "PySide6", "PyQt5", "pyqtgraph", "vispy", "superqt", "qtpy")

pytest.importorskip("importlinter", reason="pip install -e .[test] (import-linter)")


def _lint_imports(root: Path, cache: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the package under ``root`` with its pyproject's contracts."""
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename='pyproject.toml', cache_dir={str(cache)!r}, "
            "no_logo=True))")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(cache)}
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)


def test_import_contracts_hold(tmp_path):
    out = _lint_imports(ROOT, tmp_path / "cache")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("seisview/core/volume.py", "from seisview.attributes.seismic import compute", "layers"),
    ("seisview/io/project.py", "import torch", "no Qt and no torch"),
    ("seisview/ml/data.py", "from PyQt6 import QtCore", "ml imports no Qt"),
    ("seisview/config.py", "from seisview.ml import training", "nothing above io"),
])
def test_a_function_level_import_across_a_contract_breaks_it(tmp_path, module, line, contract):
    """The same check on a copy with one forbidden import inside a function: it must fail."""
    shutil.copytree(ROOT / "seisview", tmp_path / "seisview",
                    ignore=shutil.ignore_patterns("__pycache__", "resources"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n\ndef _smuggled():\n    {line}\n")
    out = _lint_imports(tmp_path, tmp_path / "cache")
    assert out.returncode == 1, out.stdout[-3000:]
    broken = [ln for ln in out.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(contract in b for b in broken), out.stdout[-3000:]


IMPORT_NAMES = {"scikit-image": "skimage", "pillow": "PIL", "google-crc32c": "google_crc32c"}


def test_every_dependency_is_imported():
    """A library is declared when seisview imports it, and not before."""
    import re
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0] for d in deps]
    source = "\n".join(p.read_text() for p in (ROOT / "seisview").rglob("*.py"))
    unused = [n for n in names
              if not re.search(rf"^\s*(import|from) {IMPORT_NAMES.get(n, n)}\b", source, re.M)]
    assert not unused, f"declared in pyproject.toml but imported nowhere in seisview: {unused}"


def _loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}, pkgutil, importlib\n" \
           f"pkg = {module}\n" \
           "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n" \
           "    importlib.import_module(m.name)\n" \
           "print('\\n'.join(sorted({n.split('.')[0] for n in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", ["seisview.core", "seisview.io"])
def test_core_and_io_load_no_qt_and_no_torch(module):
    loaded = _loaded_after_import(module)
    assert not loaded & set(QT), f"{module} pulled in {loaded & set(QT)}"
    assert "torch" not in loaded


def test_ml_loads_no_qt():
    loaded = _loaded_after_import("seisview.ml")
    assert not loaded & set(QT), f"seisview.ml pulled in {loaded & set(QT)}"
