"""Activation panel: a page of channel maps of one layer, registered on the current section.

The capture runs in a worker (:class:`~seisview.qt.workers.LatestRunner`: a
newer request cancels the older, whose answer is dropped), for the section
the chosen view shows, with the newest model snapshot. Channel maps are
drawn at their native resolution with the image placed over the section's
pixel grid (no upsampling for the grid), so hovering a map moves the linked
crosshair to the same il/xl/time as the section. Clicking a map adds it as an
``activation`` overlay layer (own colour map and opacity in the layers
panel) that follows the section as new captures arrive.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QTimer, pyqtSignal
from PyQt6.QtGui import QTransform
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from seisview.core.section import SectionSpec
from seisview.qt.fast_image import RGBAImageItem
from seisview.qt.workers import LatestRunner, lower_thread_priority  # noqa: F401 (used by other panels)

log = logging.getLogger(__name__)
ORDERS = ("std", "mean", "max", "index", "entropy", "energy", "homogeneity", "contrast")


@dataclass(frozen=True)
class ActivationPage:
    """What the worker sends back: one layer's capture, its channel order and one page."""

    spec: SectionSpec
    layer: str
    version: int
    activations: object  # ActivationMaps (all requested layers)
    order: np.ndarray
    channels: np.ndarray
    page: int
    n_pages: int
    origin: tuple[int, int] = (0, 0)  # (row, col) of the captured patch in the section
    names: tuple[str, ...] = ()  # every layer of the model, shallow to deep
    levels: np.ndarray | None = None  # (len(channels), 2) display levels (2-98 % of the interior)
    mosaic: PageMosaic | None = None  # the page drawn as one image (made in the worker)


@dataclass(frozen=True)
class PageMosaic:
    """All channel maps of a page side by side in one RGBA image, ``columns`` tiles a row.

    Tiles are native-resolution maps ``tile`` = (rows, cols) cells apart by ``pitch``
    cells; ``rgba`` (and its ready ``qimage``) hold them coloured by their levels.
    One image in one view costs the GUI thread a single item instead of 16 plots.
    """

    rgba: np.ndarray
    qimage: object
    tile: tuple[int, int]
    pitch: tuple[int, int]
    columns: int


def page_mosaic(native: np.ndarray, channels, levels, columns: int, cmap: str = "viridis") -> PageMosaic:
    """Colour the ``channels`` of ``native`` ``(C, h, w)`` into one mosaic (any thread)."""
    from seisview.qt.colormaps import lut, to_uint8
    from seisview.qt.fast_image import rgba_qimage

    n = max(len(channels), 1)
    cols = min(columns, n)
    hn, wn = native.shape[1:]
    gap = max(1, round(0.04 * max(hn, wn)))  # white gutters between tiles
    ph, pw = hn + gap, wn + gap
    idx = np.zeros((-(-n // cols) * ph - gap, cols * pw - gap), np.uint8)
    inside = np.zeros(idx.shape, bool)
    for i, ch in enumerate(channels):
        r, c = divmod(i, cols)
        tile = np.nan_to_num(native[int(ch)].astype(np.float32), nan=float(levels[i][0]))
        idx[r * ph:r * ph + hn, c * pw:c * pw + wn] = to_uint8(tile, tuple(float(v) for v in levels[i]))
        inside[r * ph:r * ph + hn, c * pw:c * pw + wn] = True
    rgba = lut(cmap)[idx]
    rgba[~inside] = 255
    return PageMosaic(rgba, rgba_qimage(rgba), (hn, wn), (ph, pw), cols)


PATCH = "patch at cursor"
CAPTURE_NICE = 10  # captures yield to the GUI and the overlay predictions (nice 5), like training
# networks built from snapshots, per snapshot (weak keys: a dropped snapshot frees its network);
# built in the worker, never in the GUI thread (building + loading weights takes 50-100 ms)
_NETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_NETS_LOCK = threading.Lock()


def module_of(model):
    """The ``nn.Module`` of a model or snapshot, built once per snapshot (call it in a worker)."""
    from torch import nn

    from seisview.ml.activations import as_module

    if isinstance(model, nn.Module):  # nothing to build (and a module must not key its own cache)
        return model
    try:
        with _NETS_LOCK:
            net = _NETS.get(model)
            if net is None:
                net = _NETS[model] = as_module(model)
        return net
    except TypeError:  # not weak-referenceable: build every time
        return as_module(model)


def activation_job(net, array, layers, layer, spec, order_by="std", page=0, per_page=16, clip=None,
                   version=0, region=None, columns=4, threads=None, *, state=None) -> ActivationPage:
    """Capture ``layers`` for ``array`` and pick one page of ``layer`` (runs in a worker).

    ``net`` is a model or a snapshot (built here, off the GUI thread); an empty
    ``layer`` means the model's first layer. Display levels are computed here too,
    so the GUI thread only hands ready arrays to the images.
    """
    from seisview.ml.activations import capture, layer_names
    from seisview.ml.device import use_threads
    from seisview.ml.introspect import channel_order

    if state is not None:
        state.check()  # a newer request may already have replaced this one
    use_threads(threads)
    net = module_of(net)
    names = tuple(layer_names(net))
    if layer not in names:
        layer = names[0]
    layers = {lay for lay in layers if lay in names}
    norm = (lambda a: np.clip(a / clip, -1, 1).astype(np.float32)) if clip else True
    acts = capture(net, array, sorted(layers | {layer}), normalize=norm, region=region)
    if state is not None:
        state.check()
    act = acts[layer]
    order = channel_order(act, order_by)
    n_pages = max(1, -(-act.n_channels // per_page))
    page = min(max(page, 0), n_pages - 1)
    origin = (region[0], region[2]) if region is not None else (0, 0)
    channels = order[page * per_page:(page + 1) * per_page]
    levels = np.zeros((len(channels), 2), np.float32)
    for i, ch in enumerate(channels):
        lo, hi = np.percentile(act.interior(int(ch)), [2, 98]) if act.native[int(ch)].size else (0.0, 1.0)
        levels[i] = lo, (hi if hi > lo else lo + 1.0)
    mosaic = page_mosaic(act.native, channels, levels, columns)
    return ActivationPage(spec, layer, version, acts, order, channels, page, n_pages, origin, names, levels,
                          mosaic)


class ActivationPanel(QWidget):
    """Grid of channel maps of a layer; click one to overlay it on the section views."""

    page_shown = pyqtSignal(object)  # ActivationPage, after it is drawn
    content_ready = pyqtSignal(bool)  # a model to show (True), or none since a survey switch (False)

    def __init__(self, session, parent: QWidget | None = None, per_page: int = 16, columns: int = 4,
                 patch: int = 128):
        super().__init__(parent)
        self.session = session
        self.per_page, self.columns, self.patch = per_page, columns, patch
        self.snapshot = None
        self._net = None  # the model or snapshot the worker captures with
        self._stale = False  # a request came while hidden: run it when shown
        self._following = None  # (signal, slot) of the followed model slot
        self.current: ActivationPage | None = None
        self.overlays: dict[str, tuple[str, int]] = {}  # layer name -> (net layer, channel)
        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_result)
        self.runner.failed.connect(lambda _rid, f: self.info.setText(f"capture failed: {f.message}"))
        self._build()
        self._view: pg.ViewBox | None = None  # one view, one image: the page's mosaic
        self._image: RGBAImageItem | None = None
        self._labels: list[pg.TextItem] = []
        self._layout = None  # channels and tile geometry the titles were laid out for
        self._geometry = None  # (stride rows, stride cols, pitch, columns, h, w) of the shown page
        self._pending = QTimer(self, singleShot=True, interval=30, timeout=self.request)
        session.events.position.connect(self._on_position)
        self._volume = session.volume  # the survey the model and tiles belong to
        session.events.survey.connect(self._on_survey)
        session.events.cursor.connect(self._on_cursor)

    # -- widgets -----------------------------------------------------------------------
    def _build(self) -> None:
        self.model_label = QLabel("no model yet: train one, or load a checkpoint")
        load = QPushButton("Load checkpoint…")
        load.clicked.connect(self._load_dialog)
        load.setToolTip("Show the activations of a saved model (.safetensors checkpoint)")
        self.kind_box = QComboBox()
        self.kind_box.addItems(["inline", "crossline", "time", PATCH])
        self.kind_box.setToolTip("Which section (or a patch) goes through the network")
        self.layer_box = QComboBox()
        self.order_box = QComboBox()
        self.order_box.addItems(ORDERS)
        self.layer_box.setToolTip("The network layer whose channels are shown")
        self.order_box.setToolTip("Order of the channel maps, by a statistic")
        self.page_box = QSpinBox(minimum=1, maximum=1, prefix="page ")
        self.page_box.setToolTip("Page of 16 channel maps")
        for w in (self.kind_box, self.layer_box, self.order_box):
            w.currentTextChanged.connect(lambda *_: self.schedule())
        self.page_box.valueChanged.connect(lambda *_: self.schedule())
        self.grid = pg.GraphicsLayoutWidget()
        self.grid.setBackground("w")
        self.info = QLabel("")
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        row1.addWidget(self.model_label, 1)
        row1.addWidget(load)
        for label, w in (("section", self.kind_box), ("layer", self.layer_box), ("order", self.order_box)):
            row2.addWidget(QLabel(label))
            row2.addWidget(w)
        row2.addWidget(self.page_box)
        lay = QVBoxLayout(self)
        lay.addLayout(row1)
        lay.addLayout(row2)
        lay.addWidget(self.grid, 1)
        lay.addWidget(self.info)

    def _load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Model checkpoint", "", "Checkpoints (*.safetensors)")
        if path:
            self.load_checkpoint(path)

    def load_checkpoint(self, path) -> None:
        from seisview.ml.checkpoint import load_checkpoint

        try:
            self.set_snapshot(load_checkpoint(path))
        except Exception as exc:  # a bad file is reported in the panel, never fatal
            self.info.setText(str(exc))

    # -- model and requests ----------------------------------------------------------------
    def set_snapshot(self, snapshot) -> None:
        """Use a new model snapshot (or any nn.Module); the shown page is recomputed.

        Cheap in the GUI thread: the network is built (and its layers listed) by
        the capture worker, and only while the panel is visible.
        """
        first = self._net is None
        self.snapshot = snapshot
        self._net = snapshot
        if first:
            self.content_ready.emit(True)
        version = getattr(snapshot, "version", 0)
        self.model_label.setText(f"{getattr(snapshot, 'model', type(snapshot).__name__)} v{version}")
        if self.runner.busy:  # while training: let the running capture finish, then take the newest
            self._stale = True
        else:
            self.schedule()

    def _set_layer_names(self, names) -> None:
        if [self.layer_box.itemText(i) for i in range(self.layer_box.count())] == list(names):
            return
        keep = self.layer_box.currentText()
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItems(list(names))
        self.layer_box.setCurrentText(keep if keep in names else names[0])
        self.layer_box.blockSignals(False)

    def _on_survey(self, _session=None) -> None:
        """Another survey is a clean slate: no model, no tiles, no activation layers of the old one
        (gathers opened beside the same volume change nothing)."""
        if self.session.volume is self._volume:
            return self.schedule()
        self._volume = self.session.volume
        self.clear()

    def clear(self) -> None:
        """Forget the model, the shown page and the activation overlays."""
        self.runner.cancel_all(wait=None)
        self._pending.stop()
        had = self._net is not None
        self.snapshot = self._net = self.current = None
        self._stale = False
        for name in list(self.overlays):
            if name in self.session.layers:
                self.session.layers.remove(name)
        self.overlays.clear()
        if self._image is not None:
            self._image.setVisible(False)
        for t in self._labels:
            t.setVisible(False)
        self._layout = self._geometry = None
        self.model_label.setText("no model yet: train one, or load a checkpoint")
        self.info.setText("")
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.blockSignals(False)
        if had:
            self.content_ready.emit(False)

    def _on_position(self, kind: str, _index: int) -> None:
        if kind == self.kind_box.currentText():
            self.schedule()

    def _on_cursor(self, cur) -> None:
        if self.kind_box.currentText() == PATCH and cur is not None and cur.origin != "activation":
            self.schedule()

    def _patch(self, vol):
        """Spec and region of the patch under the cursor (the section's centre without one)."""
        cur = self.session.cursor
        kind = cur.origin if cur is not None and cur.origin in ("inline", "crossline", "time") else "inline"
        spec = self.session.spec(kind)
        h, w = vol.section_shape(spec)
        if cur is None or cur.origin != kind:
            row, col = h // 2, w // 2
        else:
            row, col = {"inline": (cur.sample, cur.xl_idx), "crossline": (cur.sample, cur.il_idx),
                        "time": (cur.il_idx, cur.xl_idx)}[kind]
        ph, pw = min(self.patch, h), min(self.patch, w)
        r0 = int(np.clip(round(row) - ph // 2, 0, h - ph))
        c0 = int(np.clip(round(col) - pw // 2, 0, w - pw))
        return spec, (r0, r0 + ph, c0, c0 + pw)

    def schedule(self) -> None:
        """Coalesce bursts (slider drags, combo changes) into one request."""
        self._pending.start()

    def request(self) -> int | None:
        """Submit a capture for the current section, layer, order and page (only when visible)."""
        vol = self.session.volume
        layer = self.layer_box.currentText()  # empty before the first capture: the first layer
        if self._net is None or vol is None:
            return None
        if not self.isVisible():  # a hidden tab does no work; showEvent catches up
            self._stale = True
            return None
        self._stale = False
        region = None
        if self.kind_box.currentText() == PATCH:
            spec, region = self._patch(vol)
        else:
            spec = self.session.spec(self.kind_box.currentText())
        array = vol.section_array(spec)
        wanted = {lay for lay, _ in self.overlays.values()}
        from seisview.ml.device import background_threads

        return self.runner.submit(activation_job, self._net, array, wanted, layer, spec,
                                  self.order_box.currentText(), self.page_box.value() - 1, self.per_page,
                                  getattr(self.snapshot, "clip", None), getattr(self.snapshot, "version", 0),
                                  region, self.columns, background_threads(), name="activations",
                                  nice=CAPTURE_NICE)

    # -- results -----------------------------------------------------------------------------
    def _on_result(self, _rid: int, page: ActivationPage) -> None:
        self.current = page
        if page.names:
            self._set_layer_names(page.names)
        if self._stale and self.isVisible():  # a snapshot arrived meanwhile
            self.schedule()
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(page.n_pages)
        self.page_box.setValue(page.page + 1)
        self.page_box.blockSignals(False)
        self._draw(page)
        self._image.setVisible(True)
        for name in self.overlays:
            if name in self.session.layers:
                self.session.layers[name].refresh()
        act = page.activations[page.layer]
        self.info.setText(f"{page.layer} on {self.session.geometry.describe(page.spec)}: "
                          f"{act.n_channels} channels, stride {act.stride[0]:g}, "
                          f"page {page.page + 1}/{page.n_pages}, ordered by {self.order_box.currentText()}"
                          f"{'' if act.pad_ok else ' (receptive field wider than the padding)'}")
        self.page_shown.emit(page)

    def _ensure_view(self) -> None:
        if self._view is not None:
            return
        # one view and one image for the whole page (16 plots cost ~100 ms to build on busy cores)
        vb = self.grid.addViewBox(row=0, col=0, enableMenu=False)
        vb.setMouseEnabled(False, False)
        vb.invertY(True)
        img = RGBAImageItem()
        vb.addItem(img)
        img.mouseClickEvent = self._clicked
        vb.scene().sigMouseMoved.connect(self._hover)
        self._view, self._image = vb, img

    def _titles(self, n: int) -> list:
        while len(self._labels) < n:
            t = pg.TextItem("", color="k", anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 200))
            self._view.addItem(t, ignoreBounds=True)
            self._labels.append(t)
        return self._labels

    def _draw(self, page: ActivationPage) -> None:
        act = page.activations[page.layer]
        m = page.mosaic or page_mosaic(act.native, page.channels, page.levels, self.columns)
        self._ensure_view()
        top, left, h, w = act.box
        (sr, sc), (orr, oc) = act.stride, act.origin
        # tile cells placed on section pixels by the measured registration; tile i's section
        # pixel (row, col) sits at view (row + r_i * pitch_rows * sr, col + c_i * pitch_cols * sc)
        self._geometry = (sr, sc, m.pitch, m.columns, h, w)
        tf = QTransform(sc, 0, 0, sr, oc - sc / 2 - left, orr - sr / 2 - top)
        self._image.set_rgba(m.rgba, m.qimage)
        if tf != self._image.transform():  # re-setting it re-indexes the scene
            self._image.setTransform(tf)
        layout = (tuple(int(c) for c in page.channels), m.columns, m.pitch, sr, sc, h, w)
        if layout == self._layout:
            return  # same tiles: titles and range stand (re-laying them out costs ms)
        self._layout = layout
        rows = -(-len(page.channels) // m.columns)
        self._view.setRange(xRange=(0, (m.columns - 1) * m.pitch[1] * sc + w),
                            yRange=(0, (rows - 1) * m.pitch[0] * sr + h), padding=0.01)
        titles = self._titles(len(page.channels))
        for i, t in enumerate(titles):
            t.setVisible(i < len(page.channels))
            if i < len(page.channels):
                r, c = divmod(i, m.columns)
                t.setText(f"#{int(page.channels[i])}")
                t.setPos(c * m.pitch[1] * sc, r * m.pitch[0] * sr)

    def tile_at(self, x: float, y: float):
        """``(tile index, section row, section col)`` under view point ``(x, y)``, or None."""
        if self._geometry is None or self.current is None:
            return None
        sr, sc, (ph, pw), cols, h, w = self._geometry
        c, r = int(x // (pw * sc)), int(y // (ph * sr))
        col, row = x - c * pw * sc, y - r * ph * sr
        i = r * cols + c
        if not (0 <= c < cols and 0 <= i < len(self.current.channels) and 0 <= row < h and 0 <= col < w):
            return None
        return i, row, col

    # -- interaction -----------------------------------------------------------------------------
    def _hover(self, scene_pos) -> None:
        if self._view is None or not self._view.sceneBoundingRect().contains(scene_pos):
            return
        p = self._view.mapSceneToView(scene_pos)
        hit = self.tile_at(p.x(), p.y())
        if hit is not None:
            i, row, col = hit
            self.hover_at(row, col, int(self.current.channels[i]))

    def hover_at(self, row: float, col: float, channel: int) -> None:
        """Linked crosshair and read-out at section pixel ``(row, col)`` of a channel map."""
        page = self.current
        act = page.activations[page.layer]
        h, w = act.shape
        if not (0 <= row < h and 0 <= col < w):
            return
        s, spec = self.session, page.spec
        row, col = row + page.origin[0], col + page.origin[1]  # patch -> section pixels
        s.set_cursor(*spec.volume_point(row - 0.5, col - 0.5), origin="activation")
        value = act.native[(channel, *act.cell_at(row - page.origin[0], col - page.origin[1]))]
        where = s.geometry.describe_point(*spec.volume_point(int(row), int(col)))
        self.info.setText(f"{page.layer} #{channel} at {where}: {value:.4g}")

    def _clicked(self, ev) -> None:
        p = self._image.mapToView(ev.pos())
        hit = self.tile_at(p.x(), p.y())
        if hit is not None:
            ev.accept()
            self.add_overlay(self.current.layer, int(self.current.channels[hit[0]]))

    def add_overlay(self, layer: str, channel: int, colormap: str = "inferno", opacity: float = 0.6):
        """An ``activation`` layer showing one channel on every view of the captured kind."""
        from seisview.core.display_layers import Layer

        name = f"activation: {layer} #{channel}"
        if name in self.session.layers:
            return self.session.layers[name]
        self.overlays[name] = (layer, channel)
        lay = Layer(name, "activation", source=lambda spec: self._overlay(spec, layer, channel),
                    colormap=colormap, opacity=opacity, meta={"layer": layer, "channel": channel})
        self.session.layers.append(lay)
        if self.current is None or layer not in self.current.activations.layers:
            self.schedule()  # capture that layer too
        return lay

    def _overlay(self, spec, layer: str, channel: int):
        page = self.current
        if page is None or spec.key() != page.spec.key() or layer not in page.activations.layers:
            return None
        up = page.activations[layer].upsampled([channel])[0]
        if page.origin == (0, 0) and page.activations.meta.get("region") is None:
            return up
        vol = self.session.volume
        full = np.full(vol.section_shape(spec), np.nan, np.float32)  # NaN: transparent outside the patch
        r0, c0 = page.origin
        full[r0:r0 + up.shape[0], c0:c0 + up.shape[1]] = up
        return full

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        if self._stale:  # snapshots or moves arrived while hidden: one capture of the newest
            self.schedule()

    def shutdown(self) -> None:
        unfollow_model(self)
        self._pending.stop()
        self.runner.cancel_all()

    def closeEvent(self, ev) -> None:
        self.shutdown()
        super().closeEvent(ev)


def follow_model(panel, session) -> None:
    """Show each new current facies model of the session (``session.models``), and the one
    trained before the panel existed; :func:`unfollow_model` (the panel's shutdown) ends it."""
    def on_model(task: str, snapshot) -> None:
        if task == "facies" and snapshot is not None:
            panel.set_snapshot(snapshot)

    unfollow_model(panel)
    session.models.events.changed.connect(on_model)
    panel._following = (session.models.events.changed, on_model)
    if session.models.get("facies") is not None:
        panel.set_snapshot(session.models.get("facies"))


def unfollow_model(panel) -> None:
    held, panel._following = getattr(panel, "_following", None), None
    if held is not None:
        sig, slot = held
        sig.disconnect(slot, missing_ok=True)


def make_panel(main_window) -> ActivationPanel:
    panel = ActivationPanel(main_window.session, main_window)
    if hasattr(main_window, "menu"):  # attribute layers come with the introspection panels
        from seisview.qt.attribute_layers import install_menu

        install_menu(main_window)
    follow_model(panel, main_window.session)
    if hasattr(main_window, "destroyed"):
        main_window.destroyed.connect(lambda *_: panel.shutdown())
    return panel
