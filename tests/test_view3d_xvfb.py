"""The vispy 3-D view renders through OpenGL in a real X window (Xvfb + Mesa), checked by pixels."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(r'''
    import json, os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    import numpy as np
    from seisview.qt.app import make_app
    app = make_app()
    from seisview.core.display_layers import Layer
    from seisview.core.section import SectionSpec
    from seisview.core.session import Session
    from seisview.core.volume import Volume
    from seisview.qt.view3d import View3D

    try:  # the environment: can this display give vispy an OpenGL context at all?
        import vispy
        vispy.use(app="pyqt6")
        from vispy import scene
        probe = scene.SceneCanvas(size=(16, 16), show=False)
        probe.render()
        probe.close()
    except Exception as exc:
        print("NOGL " + f"{type(exc).__name__}: {exc}".replace("\n", " "))
        sys.exit(0)

    n_il, n_xl, n_s = 40, 50, 60
    t = np.arange(n_s)[None, None, :]
    vol = np.sin(t / 3.0 + np.arange(n_il)[:, None, None] / 8.0) * np.ones((1, n_xl, 1))
    vol[5, 5, 5] = np.nan  # must not break the texture
    s = Session()
    s.open_volume(Volume.from_array(vol.astype(np.float32)))
    v = View3D(s)
    v.resize(400, 320)
    v.show()
    def settle():
        for _ in range(10):
            app.processEvents(); time.sleep(0.01)
    settle()
    out = {}
    img = v.render_image()
    out["shape"] = list(img.shape)
    rgb = img[..., :3].astype(int)
    out["red"] = float(((rgb[..., 0] > 150) & (rgb[..., 2] < 100)).mean())
    out["blue"] = float(((rgb[..., 2] > 150) & (rgb[..., 0] < 100)).mean())
    out["white"] = float((rgb.min(-1) > 245).mean())
    # an overlay on the inline plane is drawn in 3-D too (pure green labels)
    lut = np.zeros((4, 4), np.uint8); lut[1] = (0, 255, 0, 255)
    def green(spec):
        return np.ones((n_s, n_xl), np.uint8) if spec.kind == "inline" else None
    s.layers.append(Layer("labels", "labels", source=green, colormap=lut))
    settle()
    rgb2 = v.render_image()[..., :3].astype(int)
    out["green"] = float(((rgb2[..., 1] > 200) & (rgb2[..., 0] < 60) & (rgb2[..., 2] < 60)).mean())
    s.set_position("inline", 3)  # the plane follows the session
    settle()
    rgb3 = v.render_image()[..., :3].astype(int)
    out["moved"] = float((np.abs(rgb3 - rgb2).sum(-1) > 30).mean())
    # Ctrl+drag on the crossline plane moves it along its normal (and the session with it)
    # (a point of the crossline plane not hidden behind another plane from this camera)
    picks = []
    for fy in (0.1, 0.3, 0.5, 0.7, 0.9):
        for fz in (0.1, 0.5, 0.9):
            c = np.array([[s.xl_idx + 0.5, n_il * fy, -n_s * v.z_scale * fz]])
            pos = v._scene_to_canvas(c)[0]
            hit = v.pick_plane(pos)
            picks.append(None if hit is None else hit[0])
            if picks[-1] == "crossline":
                break
        if picks[-1] == "crossline":
            break
    out["picked"] = picks[-1]
    out["off_survey"] = v.pick_plane((2, 2))  # a corner of the canvas: nothing there
    xl0 = s.xl_idx
    if v.start_drag(pos):
        screen = v._drag["screen"]
        v.drag_to(pos + 6 * screen)
        v.end_drag()
    out["dragged"] = s.xl_idx - xl0
    # painted labels: on the plane that shows the labelled section, as crossing lines on the others
    from seisview.core.palette import Palette
    from seisview.io.project import Project
    s.project = pr = Project.create(sys.argv[2], geometry=s.volume.geometry,
                                    palette=Palette([("magenta", (255, 0, 255))]))
    v.labels.set_style(1.0, True)  # the Labels panel's opacity / show switch
    def magenta():
        settle()
        rgb = v.render_image()[..., :3].astype(int)
        return float(((rgb[..., 0] > 200) & (rgb[..., 2] > 200) & (rgb[..., 1] < 60)).mean())
    out["mag_none"] = magenta()
    pr.labels.fill(SectionSpec("inline", s.il_idx), 10, 10, 1)  # the whole shown inline
    out["mag_plane"] = magenta()
    pr.labels.undo()
    out["mag_undone"] = magenta()
    pr.labels.fill(SectionSpec("inline", (s.il_idx + 15) % n_il), 10, 10, 1)  # an inline not shown
    out["mag_cross"] = magenta()
    v.labels.set_style(0.0, True)
    out["mag_transparent"] = magenta()
    v.labels.set_style(1.0, True)
    pr.labels.undo()
    out["mag_erased"] = magenta()
    pr.close()
    v.export_png(sys.argv[1])
    print("RESULT " + json.dumps(out))
''')


@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run not installed")
def test_view3d_renders_planes_in_real_window(tmp_path):
    script = tmp_path / "render3d.py"
    script.write_text(SCRIPT)
    png = tmp_path / "view3d.png"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 800x600x24", sys.executable, str(script),
                           str(png), str(tmp_path / "p.seisview")], capture_output=True, text=True,
                          timeout=120, env=env, cwd=REPO)
    nogl = [ln for ln in proc.stdout.splitlines() if ln.startswith("NOGL ")]
    if nogl:  # no OpenGL under Xvfb here (no Mesa): nothing of seisview's to test
        pytest.skip(nogl[0])
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    r = json.loads(lines[-1][7:])
    assert r["shape"][2] == 4 and r["shape"][0] > 100
    assert r["red"] > 0.02 and r["blue"] > 0.02, r  # the seismic colour map reached the screen
    assert 0.1 < r["white"] < 0.95, r  # background around the planes, planes not empty
    assert r["green"] > 0.02, r  # overlay layer blended into the inline plane
    assert r["moved"] > 0.01, r  # moving the inline moved the plane
    assert png.stat().st_size > 2000
    assert r["picked"] == "crossline" and r["dragged"] == 6, r  # Ctrl+drag moved the plane
    assert r["off_survey"] is None
    assert r["mag_none"] == 0 and r["mag_plane"] > 0.02, r  # a labelled plane takes the class colour
    assert r["mag_undone"] == 0, r  # undo takes it away (live, through LabelSet events)
    assert 0.0005 < r["mag_cross"] < r["mag_plane"] / 3, r  # a labelled inline elsewhere: crossing lines
    assert r["mag_transparent"] == 0 and r["mag_erased"] == 0, r
