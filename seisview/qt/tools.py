"""Mouse tools for the section and gather views (the hook painting and picking plug into).

A view forwards mouse events to its current tool in *pixel* coordinates of the
array it shows: ``row`` and ``col`` are fractional, pixel ``(r, c)`` covers
``[r, r+1) x [c, c+1)`` so ``int(ev.row), int(ev.col)`` is the sample under the
mouse. For a vertical section the array is ``(sample, trace)``, for a time
slice ``(il, xl)``, for a gather ``(sample, trace in display order)``.

A handler returning ``True`` consumes the event: the view then does not pan
or zoom with that drag. ``hover`` is called while no button is held.

To draw while a tool is active, add pyqtgraph items in pixel coordinates
with ``view.add_pixel_item(item)`` (remove with ``view.remove_pixel_item``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PyQt6.QtCore import Qt

from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec


@dataclass(frozen=True)
class GatherRef:
    """What a gather view shows: the gather key (FFID, CDP...) and its trace channels."""

    key: int
    channels: Any = None  # np.ndarray of channel numbers in display order


@dataclass(frozen=True)
class ToolEvent:
    """One mouse event in the pixel coordinates of the shown array."""

    spec: SectionSpec | GatherRef
    row: float
    col: float
    modifiers: frozenset[str]  # subset of {"shift", "ctrl", "alt", "meta"}
    buttons: frozenset[str]  # subset of {"left", "right", "middle"} held (or pressed)
    view: Any  # the SectionView / GatherView
    delta: float = 0.0  # wheel steps (positive = away from the user), 0 for mouse events

    @property
    def pixel(self) -> tuple[int, int]:
        return int(self.row // 1), int(self.col // 1)

    @property
    def inside(self) -> bool:
        shape = getattr(self.view, "array_shape", None)
        if not shape:
            return False
        r, c = self.pixel
        return 0 <= r < shape[0] and 0 <= c < shape[1]


class SectionTool:
    """Base class: override what you need. Also used by the gather view (``spec`` a GatherRef)."""

    name = "navigate"
    label = "Navigate"
    tooltip = "Pan with the left button, zoom with the wheel"
    cursor: Qt.CursorShape | None = None

    def activate(self, view) -> None:
        """The tool became current on ``view`` (once per view)."""

    def deactivate(self, view) -> None:
        """The tool was replaced on ``view``: remove anything it drew there."""

    def press(self, ev: ToolEvent) -> bool:
        return False

    def move(self, ev: ToolEvent) -> bool:
        """Mouse moved with a button held (a drag)."""
        return False

    def release(self, ev: ToolEvent) -> bool:
        return False

    def hover(self, ev: ToolEvent) -> None:
        """Mouse moved with no button held."""

    def wheel(self, ev: ToolEvent) -> bool:
        """Return True to take the wheel (e.g. brush size with Ctrl); default: the view zooms."""
        return False


class NavigateTool(SectionTool):
    """The default tool: the view pans and zooms."""




def modifiers_of(mods: Qt.KeyboardModifier) -> frozenset[str]:
    out = set()
    if mods & Qt.KeyboardModifier.ShiftModifier:
        out.add("shift")
    if mods & Qt.KeyboardModifier.ControlModifier:
        out.add("ctrl")
    if mods & Qt.KeyboardModifier.AltModifier:
        out.add("alt")
    if mods & Qt.KeyboardModifier.MetaModifier:
        out.add("meta")
    return frozenset(out)


def buttons_of(buttons: Qt.MouseButton) -> frozenset[str]:
    out = set()
    if buttons & Qt.MouseButton.LeftButton:
        out.add("left")
    if buttons & Qt.MouseButton.RightButton:
        out.add("right")
    if buttons & Qt.MouseButton.MiddleButton:
        out.add("middle")
    return frozenset(out)


def guarded(window, title: str, fn, *args, **kw):
    """Run an edit (labels, picks); a ``SeisviewError`` (e.g. a failed save) is shown under
    ``title`` and None returned, never raised into Qt's event loop."""
    try:
        return fn(*args, **kw)
    except SeisviewError as exc:
        window.show_error(title, str(exc))
        return None
