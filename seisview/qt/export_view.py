"""Export view: the plot itself, with its axes, colour bars and legend, as PNG, SVG or PDF.

What is written is the pane's pyqtgraph plot (``pane.plot``), never the widget
row above it (title, slider, spin box), and without the items that only follow
the mouse: the linked crosshair, the map's cursor marker and a tool's brush
ring. PNGs are rendered at a chosen width in pixels (everything scales with it,
text included); SVG (Qt's writer) and PDF are vector, with the seismic as an embedded image.
Files are written beside the target and renamed over it when complete.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PyQt6.QtCore import QMarginsF, QRectF, QSizeF
from PyQt6.QtGui import QPageLayout, QPageSize, QPainter
from PyQt6.QtWidgets import QGraphicsEllipseItem

from seisview.core.errors import SeisviewError
from seisview.io.atomic import atomic_path

FORMATS = {".png": "PNG image (*.png)", ".svg": "SVG vector (*.svg)", ".pdf": "PDF (*.pdf)"}
MAX_WIDTH = 12000  # pixels: a 40 cm figure at 750 dpi


def default_width(pane) -> int:
    """Twice the plot's width on screen, at least 1600 px (print quality for a column figure)."""
    return max(1600, 2 * int(pane.plot.sceneBoundingRect().width()))


def cursor_items(pane) -> list:
    """The items of ``pane`` that only show where the mouse is."""
    items = list(getattr(pane, "cross", []) or [])
    marker = getattr(pane, "marker", None)
    if marker is not None:
        items.append(marker)
    items += [it for it in getattr(pane, "_pixel_items", []) if isinstance(it, QGraphicsEllipseItem)]
    return items


@contextmanager
def _without(items):
    shown = [it for it in items if it.isVisible()]
    for it in shown:
        it.hide()
    try:
        yield
    finally:
        for it in shown:
            it.show()


def export_plot(pane, path, width: int | None = None) -> Path:
    """Write ``pane``'s plot to ``path`` (.png, .svg or .pdf); ``width`` in pixels for PNG."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise SeisviewError(f"cannot export a view as {suffix or 'a file without extension'}",
                            hint="name the file .png, .svg or .pdf")
    plot = pane.plot
    _settle(plot)
    if width is not None and not 16 <= int(width) <= MAX_WIDTH:
        raise SeisviewError(f"width {width} px is outside 16..{MAX_WIDTH}", hint="choose a width in that range")
    with _without(cursor_items(pane)), atomic_path(path, suffix=".tmp" + suffix) as tmp:
        if suffix == ".png":
            _png(plot, tmp, width or default_width(pane))
        elif suffix == ".svg":
            _svg(plot, tmp)
        else:
            _pdf(plot, tmp)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise OSError(f"could not write {path}")
    return path


def _settle(plot) -> None:
    """Lay out a colour bar added since the last event loop pass before drawing the picture."""
    plot.layout.activate()
    for i in range(plot.layout.count()):
        inner = getattr(plot.layout.itemAt(i), "layout", None)
        if inner is not None and hasattr(inner, "activate"):
            inner.activate()


def _png(plot, path: Path, width: int) -> None:
    from pyqtgraph.exporters import ImageExporter

    exp = ImageExporter(plot)
    exp.parameters()["width"] = int(width)  # the height follows the plot's aspect
    exp.export(str(path))


def _svg(plot, path: Path) -> None:
    """Qt's own SVG writer: pyqtgraph's SVGExporter fails on the paths Qt 6 writes."""
    from PyQt6.QtCore import QSize
    from PyQt6.QtSvg import QSvgGenerator

    source = plot.sceneBoundingRect()
    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(QSize(int(source.width()), int(source.height())))
    gen.setViewBox(QRectF(0, 0, source.width(), source.height()))
    gen.setTitle("seisview view")
    _render(plot, gen, source)


def _render(plot, device, source: QRectF) -> None:
    painter = QPainter(device)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        plot.scene().render(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()


def _pdf(plot, path: Path) -> None:
    """One page the size of the plot (1 screen pixel = 1 point), drawn as vectors."""
    from PyQt6.QtGui import QPdfWriter

    source = plot.sceneBoundingRect()
    writer = QPdfWriter(str(path))
    writer.setResolution(72)
    size = QPageSize(QSizeF(source.width(), source.height()), QPageSize.Unit.Point, "view")
    writer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    _render(plot, writer, source)
