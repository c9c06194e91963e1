"""Quality on the demo survey's ground truth (a reduced version of benchmarks/bench_ml.py quality).

Thin strokes on <= 2 % of one inline, a short run of the default recipe (the one the GUI
and `seisview train` use), scored on inlines never labelled and at least 9 lines away.
Strokes on two different inlines, so one lucky section cannot pass it. The benchmark asks
for >= 85 % accuracy and >= 60 % recall per class after a full run; this test runs 60 steps
(~1/3 of one) with one self-training round after 30 (the full recipe: two rounds after 60
and 120) and asks for >= 83.5 % / >= 65 %. Measured with the default (two U-Nets, probabilities
averaged): 0.855 / 0.714 (inline 60) and 0.883 / 0.776 (inline 140), ~13 s each on 1 thread;
one U-Net (the default before) 0.845 / 0.738 and 0.831 / 0.793 in ~6.5 s each; the default
before the 1/4 refinement 0.855 / 0.782 and
0.832 / 0.721 (the refinement's gain shows only after a full run, bench quality); without
the round 0.837 / 0.783 and 0.832 / 0.719; the default before that (1/8 logits, no time
stretch) 0.800 / 0.588 and 0.769 / 0.650.
"""

import numpy as np
import pytest
import torch

from seisview.core.section import SectionSpec
from seisview.ml.data import make_training_data
from seisview.ml.evaluation import score, thin_strokes
from seisview.ml.inference import predict_section
from seisview.ml.progress import TrainDone
from seisview.ml.training import TrainConfig, train


@pytest.mark.parametrize("painted, tests", [(60, (20, 105, 160)), (140, (25, 85, 180))])
def test_thin_strokes_on_one_inline_generalise_to_unlabelled_inlines(painted, tests):
    from seisview.io.demo import DEMO_CLASSES, demo_truth, demo_volume

    torch.set_num_threads(1)  # 2 OpenMP threads on 2 busy shared cores wait for each other
    vol, truth = demo_volume(), demo_truth()
    k = len(DEMO_CLASSES)
    strokes = thin_strokes(truth[painted].T, 0.02, width=1, strokes_per_class=4)
    assert (strokes > 0).mean() <= 0.02
    data = make_training_data(vol, {SectionSpec("inline", painted): strokes}, n_classes=k)
    cfg = TrainConfig(epochs=6, steps_per_epoch=10, patience=100, first_snapshot_s=1e9,
                      threads=1, self_train=1, self_train_after=30)
    done = list(train(cfg, data))[-1]
    assert isinstance(done, TrainDone) and done.steps == 60
    pred = np.stack([predict_section(done.snapshot, vol.inline(i)).classes for i in tests])
    s = score(pred, np.stack([truth[i].T for i in tests]), k)
    assert s["accuracy"] >= 0.835, s
    assert s["min_recall"] >= 0.65, s
