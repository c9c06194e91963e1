"""The user's viewer settings: recent files, workspaces, window layout."""

from __future__ import annotations

from PyQt6.QtCore import QSettings

from seisview.config import home


def settings() -> QSettings:
    """The user's viewer settings (an ini file under ``seisview.config.home()``)."""
    return QSettings(str(home() / "viewer.ini"), QSettings.Format.IniFormat)
