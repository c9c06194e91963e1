"""User-level settings that are not in a project: paths, RAM budget, cache folder.

Environment variables override the defaults (documented in docs/guide/cli.md).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path


def home() -> Path:
    """seisview's per-user folder (``SEISVIEW_HOME``, default ``~/.seisview``)."""
    p = Path(os.environ.get("SEISVIEW_HOME", Path.home() / ".seisview"))
    p.mkdir(parents=True, exist_ok=True)
    return p


def log_path() -> Path:
    return home() / "seisview.log"


def cache_dir() -> Path:
    """Where on-disk (zarr) caches of large surveys go (``SEISVIEW_CACHE``)."""
    p = Path(os.environ.get("SEISVIEW_CACHE", home() / "cache"))
    p.mkdir(parents=True, exist_ok=True)
    return p


def store_dir() -> Path:
    """Where the automatic store of a survey above the RAM budget goes: ``SEISVIEW_STORE_DIR``
    (a folder every cluster worker sees), else :func:`cache_dir`."""
    env = os.environ.get("SEISVIEW_STORE_DIR")
    if not env:
        return cache_dir()
    p = Path(env)
    p.mkdir(parents=True, exist_ok=True)
    return p


def ram_budget_bytes() -> int:
    """Surveys whose float32 size (x2 with the time-major copy) exceeds this go to the zarr cache.

    ``SEISVIEW_RAM_BUDGET_GB`` sets it; the default is a quarter of physical memory, at least 1 GB.
    """
    env = os.environ.get("SEISVIEW_RAM_BUDGET_GB")
    if env:
        return int(float(env) * 1024**3)
    return max(1024**3, _physical_bytes() // 4)


@functools.cache
def _physical_bytes() -> int:
    """Physical memory (asked once: readers check the budget once per block they unmap)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 1024**3
