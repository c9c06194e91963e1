"""3-D view (vispy): the inline, crossline and time slice at the session's positions.

Each plane is an RGBA texture made with the same colour map and clip as the 2-D
views, with every visible overlay layer blended on top, so prediction,
uncertainty and activation layers appear here too. Painted labels are blended
last, with the Labels panel's opacity: a plane that shows a labelled section
gets its mask, and every plane gets the lines where other labelled sections
cross it (``label_display.section_ids``). A label edit recomposes only the
planes it can touch, from the cached seismic-plus-layers texture. The planes follow the 2-D views
(session positions), and Ctrl+drag on a plane moves it (and the 2-D views)
along its normal; an orbit (turntable) camera turns the scene. Needs
OpenGL: the main window creates it on demand and reports a failure.
"""

from __future__ import annotations

import logging

import numpy as np
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from seisview.core.section import SectionSpec
from seisview.core.session import Session
from seisview.qt.colormaps import blend, colorize, lut, to_uint8
from seisview.qt.label_display import affected_rect, blend_ids, display_for, section_ids, union
from seisview.qt.signals import disconnect_all
from seisview.qt.workers import LatestRunner

log = logging.getLogger(__name__)


def plane_matrix(kind: str, index: int, z_scale: float) -> np.ndarray:
    """vispy (row-vector) matrix taking image pixels (x=col, y=row) to scene (x=xl, y=il, z=-time)."""
    m = np.eye(4)
    if kind == "inline":  # (sample, xl) at il = index
        m[0, :3], m[1, :3], m[2, :3] = (1, 0, 0), (0, 0, -z_scale), (0, 1, 0)
        m[3, :3] = (0, index + 0.5, 0)
    elif kind == "crossline":  # (sample, il) at xl = index
        m[0, :3], m[1, :3], m[2, :3] = (0, 1, 0), (0, 0, -z_scale), (1, 0, 0)
        m[3, :3] = (index + 0.5, 0, 0)
    else:  # (il, xl) at sample = index
        m[0, :3], m[1, :3], m[2, :3] = (1, 0, 0), (0, 1, 0), (0, 0, 1)
        m[3, :3] = (0, 0, -(index + 0.5) * z_scale)
    return m


def seismic_u8(session: Session, spec: SectionSpec, state=None) -> np.ndarray:
    """Colour indices of the seismic plane (from the display cube when there is one)."""
    u8 = session.section_u8(spec)
    if u8 is None:
        u8 = to_uint8(session.display_section(spec), session.display_levels())
    return u8


def _read_plane(session: Session, spec: SectionSpec, *, state=None):
    return spec, seismic_u8(session, spec)


def plane_rgba(session: Session, spec: SectionSpec, u8: np.ndarray | None = None) -> np.ndarray:
    """The RGBA texture of one plane: seismic plus visible overlays, as in the 2-D views."""
    table = lut(session.colormap)
    rgba = table[seismic_u8(session, spec) if u8 is None else u8]
    if not session.seismic_layer.visible:
        rgba[..., :3] = 255
    h, w = rgba.shape[:2]
    for layer in session.layers.overlays():
        if not layer.visible:
            continue
        try:
            arr = layer.data_for(spec)
        except Exception as exc:
            log.warning("layer %s failed in 3-D: %s", layer.name, exc)
            continue
        if arr is None:
            continue
        over = colorize(arr, layer.colormap, layer.levels, layer.categorical)
        if over.shape[:2] != (h, w):  # coarse overlay: nearest-neighbour stretch
            ri = (np.arange(h) * over.shape[0] // h)
            ci = (np.arange(w) * over.shape[1] // w)
            over = over[ri][:, ci]
        blend(rgba, over, layer.opacity)
    return rgba


class View3D(QWidget):
    KINDS = ("inline", "crossline", "time")

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        import vispy

        vispy.use(app="pyqt6")
        from vispy import scene

        self._scene = scene
        self.session = session
        self.canvas = scene.SceneCanvas(keys=None, bgcolor="white", parent=self, size=(600, 500))
        self.view = self.canvas.central_widget.add_view()
        self.view.camera = scene.cameras.TurntableCamera(fov=30, elevation=25, azimuth=-50)
        self.planes: dict[str, object] = {}
        self._base: dict[str, tuple[SectionSpec, np.ndarray]] = {}  # texture before labels, per plane
        self._shown: dict[str, np.ndarray] = {}  # texture with labels, as uploaded
        self.labels = display_for(session)
        self.labels.restyled.connect(self._relabel_all)
        self.labels.edited.connect(self._on_label_edits)
        self.loaders = {k: LatestRunner(self) for k in self.KINDS}
        for r in self.loaders.values():
            r.result.connect(lambda _rid, res: self._show_plane(*res))
        self.box = None
        self.z_scale = 1.0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.canvas.native)
        self._drag: dict | None = None
        self.canvas.events.mouse_press.connect(self._on_mouse_press)
        self.canvas.events.mouse_move.connect(self._on_mouse_move)
        self.canvas.events.mouse_release.connect(self._on_mouse_release)
        ev = session.events
        self._handles = [(ev.survey, self._on_survey), (ev.position, self._on_position),
                         (ev.display, lambda _w: self.update_planes()),
                         (session.layers.events.changed, lambda *_a: self.update_planes()),
                         (session.layers.events.inserted, lambda *_a: self.update_planes()),
                         (session.layers.events.removed, lambda *_a: self.update_planes())]
        for sig, slot in self._handles:
            sig.connect(slot)
        self._on_survey(session)

    def detach(self) -> None:
        for r in self.loaders.values():
            r.cancel_all()
        self.labels.restyled.disconnect(self._relabel_all)
        self.labels.edited.disconnect(self._on_label_edits)
        self._handles = disconnect_all(self._handles)

    def _on_survey(self, s: Session) -> None:
        for p in self.planes.values():
            p.parent = None
        self.planes = {}
        self._base, self._shown = {}, {}
        if self.box is not None:
            self.box.parent = None
            self.box = None
        if s.volume is None:
            self.canvas.update()
            return
        n_il, n_xl, n_s = s.volume.shape
        # time axis drawn about half as tall as the wider map side
        self.z_scale = 0.5 * max(n_il, n_xl) / max(n_s, 1)
        for kind in self.KINDS:
            img = self._scene.visuals.Image(np.zeros((2, 2, 4), np.uint8), parent=self.view.scene,
                                            interpolation="nearest")
            img.transform = self._scene.transforms.MatrixTransform()
            img.set_gl_state("opaque", depth_test=True, cull_face=False)
            self.planes[kind] = img
        zb = -n_s * self.z_scale
        corners = np.array([[x, y, z] for z in (0, zb) for y in (0, n_il) for x in (0, n_xl)], float)
        edges = [(0, 1), (1, 3), (3, 2), (2, 0), (4, 5), (5, 7), (7, 6), (6, 4), (0, 4), (1, 5), (2, 6), (3, 7)]
        seg = np.array([corners[i] for e in edges for i in e])
        self.box = self._scene.visuals.Line(seg, color=(0.3, 0.3, 0.3, 1), connect="segments",
                                            parent=self.view.scene)
        self.view.camera.set_range(x=(0, n_xl), y=(0, n_il), z=(zb, 0), margin=0.08)
        self.update_planes()

    def _on_position(self, kind: str, _index: int) -> None:
        if kind in self.planes:
            self.update_plane(kind)
            self.canvas.update()

    def update_plane(self, kind: str) -> None:
        s = self.session
        spec = s.spec(kind)
        if not s.volume.in_memory:  # on-disk: read in a worker, draw when it arrives
            self.loaders[kind].submit(_read_plane, s, spec)
            return
        self._show_plane(spec, None)

    def _show_plane(self, spec: SectionSpec, u8) -> None:
        img = self.planes.get(spec.kind)
        if img is None or spec != self.session.spec(spec.kind):
            return  # stale
        base = plane_rgba(self.session, spec, u8)
        self._base[spec.kind] = (spec, base)
        self._shown[spec.kind] = self._with_labels(spec, base)
        img.set_data(self._shown[spec.kind])
        img.transform.matrix = plane_matrix(spec.kind, spec.index, self.z_scale)
        self.canvas.update()

    # -- painted labels ---------------------------------------------------------------------
    def label_width(self, shape) -> int:
        """Crossing lines about 1/100 of the plane wide: seen at an angle, thinner ones vanish."""
        return max(2, int(np.ceil(max(shape) / 100)))

    def _with_labels(self, spec: SectionSpec, base: np.ndarray) -> np.ndarray:
        """The plane's texture: the cached base with the labels blended (the base when none)."""
        d = self.labels
        if not d.shown():
            return base
        ids = section_ids(d.labels, spec, self.label_width(base.shape[:2]))
        if ids is None or ids.shape != base.shape[:2]:  # nothing, or a survey change in flight
            return base
        return blend_ids(base.copy(), ids, d.lut(), d.opacity)

    def _relabel(self, kind: str, rect=None) -> None:
        """Recompose a plane's labels, only inside ``rect`` when given (a brush stamp's area)."""
        img, held = self.planes.get(kind), self._base.get(kind)
        if img is None or held is None or held[0] != self.session.spec(kind):
            return
        spec, base = held
        shown = self._shown.get(kind)
        d = self.labels
        if rect is None or shown is None or shown is base or not d.shown():
            self._shown[kind] = self._with_labels(spec, base)
        else:  # redo just the edited part of the texture already shown
            r0, r1, c0, c1 = rect
            ids = section_ids(d.labels, spec, self.label_width(base.shape[:2]), rect)
            sub = base[r0:r1, c0:c1].copy()
            if ids is not None:
                blend_ids(sub, ids, d.lut(), d.opacity)
            shown[r0:r1, c0:c1] = sub
        img.set_data(self._shown[kind])

    def _relabel_all(self) -> None:
        for kind in list(self._base):
            self._relabel(kind)
        self.canvas.update()

    def _on_label_edits(self, edits: dict) -> None:
        if self.session.volume is None:
            return
        hit = False
        for kind, (spec, base) in list(self._base.items()):
            shape, rect = base.shape[:2], None
            for s, r in edits.items():
                a = affected_rect(s, r, spec, self.label_width(shape), shape)
                if a is not None:
                    rect = union(rect, a)
            if rect is not None:
                self._relabel(kind, rect)
                hit = True
        if hit:
            self.canvas.update()

    def update_planes(self) -> None:
        if self.session.volume is None or not self.planes:
            return
        for kind in self.KINDS:
            self.update_plane(kind)
        self.canvas.update()

    # -- Ctrl+drag moves a plane along its normal (the camera ignores Ctrl+drag) ------
    def _scene_to_canvas(self, pts: np.ndarray) -> np.ndarray:
        tr = self.view.scene.node_transform(self.canvas.scene)
        out = tr.map(np.c_[pts, np.ones(len(pts))])
        return out[:, :2] / out[:, 3:4]

    def _ray(self, pos) -> tuple[np.ndarray, np.ndarray]:
        tr = self.view.scene.node_transform(self.canvas.scene)
        a = tr.imap([pos[0], pos[1], -1, 1])
        b = tr.imap([pos[0], pos[1], 1, 1])
        a, b = a[:3] / a[3], b[:3] / b[3]
        return a, b - a

    def pick_plane(self, pos) -> tuple[str, np.ndarray] | None:
        """The plane under canvas position ``pos`` nearest the eye, with the hit point."""
        if self.session.volume is None:
            return None
        n_il, n_xl, n_s = self.session.volume.shape
        s, zs = self.session, self.z_scale
        o, d = self._ray(pos)
        best = None
        for kind, axis, value in (("inline", 1, s.il_idx + 0.5), ("crossline", 0, s.xl_idx + 0.5),
                                  ("time", 2, -(s.t_idx + 0.5) * zs)):
            if abs(d[axis]) < 1e-12:
                continue
            t = (value - o[axis]) / d[axis]
            p = o + t * d
            inside = (0 <= p[0] <= n_xl) and (0 <= p[1] <= n_il) and (-n_s * zs <= p[2] <= 0)
            if inside and (best is None or t < best[0]):
                best = (t, kind, p)
        return None if best is None else (best[1], best[2])

    def start_drag(self, pos) -> bool:
        hit = self.pick_plane(pos)
        if hit is None:
            return False
        kind, p = hit
        normal = {"inline": (0, 1, 0), "crossline": (1, 0, 0), "time": (0, 0, -self.z_scale)}[kind]
        a, b = self._scene_to_canvas(np.array([p, p + np.array(normal, float)]))
        self._drag = {"kind": kind, "pos": np.asarray(pos[:2], float), "index": self.session.position(kind),
                      "screen": b - a}
        self.view.camera.interactive = False
        return True

    def drag_to(self, pos) -> None:
        d = self._drag
        if d is None:
            return
        sv = d["screen"]
        n2 = float(sv @ sv)
        if n2 < 1e-9:
            return
        steps = float((np.asarray(pos[:2], float) - d["pos"]) @ sv) / n2
        self.session.set_position(d["kind"], d["index"] + int(round(steps)))

    def end_drag(self) -> None:
        self._drag = None
        self.view.camera.interactive = True

    def _on_mouse_press(self, ev) -> None:
        from vispy.util import keys

        if ev.button == 1 and keys.CONTROL in ev.modifiers and self.start_drag(ev.pos):
            ev.handled = True

    def _on_mouse_move(self, ev) -> None:
        if self._drag is not None:
            self.drag_to(ev.pos)

    def _on_mouse_release(self, ev) -> None:
        if self._drag is not None:
            self.end_drag()

    def render_image(self) -> np.ndarray:
        """Render the scene offscreen-to-array (RGBA uint8) through OpenGL (tests, export)."""
        return np.asarray(self.canvas.render())

    def export_png(self, path) -> None:
        from PyQt6.QtGui import QImage

        rgba = np.ascontiguousarray(self.render_image())
        h, w = rgba.shape[:2]
        QImage(rgba.data, w, h, w * 4, QImage.Format.Format_RGBA8888).save(str(path), "PNG")

    def auto_range(self) -> None:
        self._on_survey(self.session)
