"""Quality on the demo survey's ground truth (a reduced version of benchmarks/bench_ml.py).

Thin strokes on <= 2 % of one inline, a short U-Net run, scored on inlines never labelled.
The benchmark asks for >= 85 % accuracy and >= 60 % recall per class after a full run; this
test runs ~40 steps and asks for a margin above what the first strokes alone would give.
"""

import numpy as np
import torch

from seisview.core.section import SectionSpec
from seisview.ml.data import make_training_data
from seisview.ml.evaluation import score, thin_strokes
from seisview.ml.inference import predict_section
from seisview.ml.progress import TrainDone
from seisview.ml.training import TrainConfig, train


def test_thin_strokes_on_one_inline_generalise_to_unlabelled_inlines():
    from seisview.io.demo import DEMO_CLASSES, demo_truth, demo_volume

    torch.set_num_threads(2)
    vol, truth = demo_volume(), demo_truth()
    k = len(DEMO_CLASSES)
    strokes = thin_strokes(truth[100].T, 0.02, width=1, strokes_per_class=4)
    assert (strokes > 0).mean() <= 0.02
    data = make_training_data(vol, {SectionSpec("inline", 100): strokes}, n_classes=k)
    cfg = TrainConfig(model="unet", model_cfg={"depth": 3}, epochs=4, steps_per_epoch=10,
                      first_snapshot_s=1e9, threads=2)
    done = list(train(cfg, data))[-1]
    assert isinstance(done, TrainDone)
    test = [20, 60, 160]
    pred = np.stack([predict_section(done.snapshot, vol.inline(i)).classes for i in test])
    s = score(pred, np.stack([truth[i].T for i in test]), k)
    assert s["accuracy"] >= 0.70, s
    assert s["min_recall"] >= 0.40, s
