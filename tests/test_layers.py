"""DESIGN.md's layering rule, proven in fresh interpreters."""

import subprocess
import sys

import pytest

QT = ("PyQt6", "PySide6", "PyQt5", "pyqtgraph", "vispy", "superqt", "qtpy")


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


def test_core_imports_no_file_formats():
    loaded = _loaded_after_import("seisview.core")
    assert not loaded & {"segyio", "lasio", "zarr", "sqlite3", "safetensors"}
