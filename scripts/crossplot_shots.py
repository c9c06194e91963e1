"""Screenshots of the statistics crossplot with its noise marking, for docs/guide/introspection.md.

    python scripts/crossplot_shots.py                 # both sizes into docs/guide/img/

Trains a small U-Net on fully labelled demo sections (about a minute), computes the
statistics of same-facies pairs, out-of-phase pairs and independent noise pairs at every
layer (once; cached in the temp folder for the second size), then, for each screen size
under ``xvfb-run``, opens the demo survey in the Inspect workspace with those rows in the
crossplot (mutual information at the raw maps against the deepest encoder layer) and writes
``crossplot-noise-WxH.png``. Hollow rings are pairs whose MI is not above the noise level.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import SIZES, Shots, _reduce  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ROWS = Path(tempfile.gettempdir()) / "seisview-crossplot-rows.json"


def compute_rows() -> dict:
    import numpy as np
    import torch

    from seisview.core.section import SectionSpec
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.ml.activations import layer_names
    from seisview.ml.data import make_training_data
    from seisview.ml.introspect import facies_pairs, introspect
    from seisview.ml.training import TrainConfig, train

    torch.set_num_threads(2)
    vol, truth = demo_volume(), demo_truth()
    labels = {SectionSpec("inline", i): truth[i].T for i in (20, 70, 120, 170)}
    labels.update({SectionSpec("crossline", j): truth[:, j].T for j in (40, 110, 160)})
    data = make_training_data(vol, labels, n_classes=int(truth.max()))
    cfg = TrainConfig(model="unet", model_cfg={"base": 8}, epochs=6, steps_per_epoch=20, crop=96,
                      batch_size=8, first_snapshot_s=1e9, patience=100, seed=0)
    net = list(train(cfg, data))[-1].snapshot.build()
    layers = layer_names(net)
    maps, same, out = facies_pairs(vol, truth, max_pairs=16)
    rng = np.random.default_rng(11)
    shape = next(iter(maps.values())).shape
    noise = {f"noise{i}": rng.normal(size=shape).astype(np.float32) for i in range(8)}
    noise_pairs = [(f"noise{2 * i}", f"noise{2 * i + 1}") for i in range(4)]
    rows = introspect(net, {**maps, **noise}, layers=layers, pairs=same + out + noise_pairs,
                      single=False, random=False)
    groups = {**{f"{a}|{b}": "same facies" for a, b in same}, **{f"{a}|{b}": "out of phase" for a, b in out},
              **{f"{a}|{b}": "independent noise" for a, b in noise_pairs}}
    return {"rows": rows, "groups": groups, "deep": [n for n in layers if n.startswith("enc")][-1]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "guide" / "img")
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return shoot(args.child, args.out)
    if not ROWS.is_file():
        ROWS.write_text(json.dumps(compute_rows()))
    cache = Path(tempfile.gettempdir()) / "seisview-screenshots-cache"
    cache.mkdir(exist_ok=True)
    for size in (s.strip() for s in args.sizes.split(",")):
        home = Path(tempfile.mkdtemp(prefix="seisview-shots-"))
        env = {**os.environ, "SEISVIEW_HOME": str(home), "SEISVIEW_CACHE": str(cache), "PYTHONPATH": str(REPO)}
        env.pop("QT_QPA_PLATFORM", None)
        rc = subprocess.call(["xvfb-run", "-a", "-s", f"-screen 0 {size}x24", sys.executable, __file__,
                              "--child", size, "--out", str(args.out)], env=env)
        shutil.rmtree(home, ignore_errors=True)
        if rc:
            return rc
    return 0


def shoot(size: str, out: Path) -> int:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from seisview.qt.app import make_app
    from seisview.qt.main_window import MainWindow

    app = make_app()
    w = MainWindow()
    w.setGeometry(app.primaryScreen().availableGeometry())
    w.show()
    shots = Shots(app, w, out, size)
    w.files.open_demo()
    shots.wait_loaded()
    w.workspaces.switch("Inspect")
    shots.settle(1.0)
    saved = json.loads(ROWS.read_text())
    xp = w.panels["crossplot"].widget()
    xp.live_box.setChecked(False)
    groups = {tuple(k.split("|")): g for k, g in saved["groups"].items()}
    xp.set_rows(saved["rows"], groups)
    xp.x_stat.setCurrentText("mutual_information")
    xp.y_stat.setCurrentText("mutual_information")
    xp.x_layer.setCurrentText("raw")
    xp.y_layer.setCurrentText(saved["deep"])
    from PyQt6.QtCore import Qt

    dock = w.panels["crossplot"]
    dock.raise_()
    w.resizeDocks([dock], [int(w.height() * 0.6)], Qt.Orientation.Vertical)  # room for the points
    shots.settle(1.0)
    path = shots.save("crossplot-noise")
    crop = out / f"crossplot-noise-panel-{size}.png"
    xp.grab().save(str(crop))
    _reduce(crop)
    print(f"  wrote {path.name}, {crop.name}; {xp.info.text()}", flush=True)
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
