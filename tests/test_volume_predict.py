"""The block kernel of volume prediction (seisview.ml.volume_predict): a block's core equals
the whole survey's prediction there, no inline-by-inline stripes on the demo survey without
losing accuracy, weights built once per process, one-line refusals."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from seisview.core.errors import SeisviewError
from seisview.core.tasks import Cancelled, TaskState
from seisview.core.volume import Volume
from seisview.ml.models import build_model
from seisview.ml.snapshot import ModelSnapshot
from seisview.ml.volume_predict import (
    BLEND_SIGMA,
    DIRECTIONS,
    BlockPrediction,
    blend_reach,
    block_halo,
    default_directions,
    load_net,
    net_geometry,
    predict_block,
    required_halo,
    stripe_index,
)

torch.set_num_threads(1)
CFG = {"base": 4, "depth": 3, "refine": 4}


@pytest.fixture(scope="module")
def snap():
    torch.manual_seed(0)
    net = build_model("unet", 4, **CFG)
    return ModelSnapshot.of(net, "unet", CFG, version=3, clip=2.0,
                            meta={"section_kinds": ["crossline", "inline"]})


@pytest.fixture(scope="module")
def survey():
    rng = np.random.default_rng(0)
    # smooth along the traces so the networks see something like reflections
    x = rng.standard_normal((90, 100, 56)).astype(np.float32)
    return np.cumsum(x, axis=2) / 4


def _cut(data, core, halo):
    """The block around ``core`` (slices) with ``halo`` (one, or per axis) each side, clipped
    to the survey."""
    halo = [halo] * 3 if isinstance(halo, int) else halo
    lo = [max(0, c.start - h) for c, h in zip(core, halo, strict=True)]
    hi = [min(n, c.stop + h) for c, n, h in zip(core, data.shape, halo, strict=True)]
    pairs = [(c.start - a, b - c.stop) for c, a, b in zip(core, lo, hi, strict=True)]
    return data[tuple(slice(a, b) for a, b in zip(lo, hi, strict=True))], pairs, lo


def test_an_ensemble_reaches_as_far_as_its_members(snap):
    """The receptive field is measured through the ensemble's forward: a combination whose
    gradient vanishes (a saturated softmax) would shrink every block's halo and show seams."""
    torch.manual_seed(0)
    pair = build_model("unet", 4, members=2, **CFG)
    two = ModelSnapshot.of(pair, "unet", {**CFG, "members": 2}, version=3, clip=2.0)
    assert net_geometry(two) == net_geometry(snap)
    assert required_halo(two) == required_halo(snap)


def test_a_block_core_is_what_the_whole_survey_gives_there(snap, survey):
    geo = net_geometry(snap)
    halo = required_halo(snap)
    assert geo.period == 8 and 0 < geo.half <= halo - geo.period + 1 and halo % 16 == 0
    whole = predict_block(snap, survey)
    assert isinstance(whole, BlockPrediction) and whole.n_classes == 4 and whole.version == 3
    assert whole.probability.shape == (4, 90, 100, 56) and whole.probability.dtype == np.float32
    assert whole.classes.dtype == np.uint8 and whole.uncertainty.dtype == np.float32
    assert np.allclose(whole.probability.sum(0), 1, atol=1e-5)
    assert np.array_equal(whole.classes, whole.probability.argmax(0) + 1)
    assert 0 <= whole.uncertainty.min() and whole.uncertainty.max() <= 1
    # cores off the pooling grid, cut along all three axes (time too), inner and edge sides
    both = predict_block(snap, survey, directions=DIRECTIONS)
    worst = 0.0
    for core in [(slice(41, 49), slice(45, 60), slice(19, 37)),
                 (slice(0, 13), slice(83, 100), slice(0, 56))]:
        block, pairs, origin = _cut(survey, core, halo)
        for ref, kw in ((whole, {}), (both, {"directions": DIRECTIONS})):
            part = predict_block(snap, block, pairs, origin=origin, **kw)
            expect = ref.probability[(slice(None), *core)]
            assert part.probability.shape == expect.shape
            worst = max(worst, float(np.abs(part.probability - expect).max()))
            assert np.array_equal(part.classes, ref.classes[core])
    assert worst < 1e-5
    # the halo the default needs: the networks' reach along the traces, the blending across
    assert block_halo(snap) == (blend_reach(BLEND_SIGMA), halo, halo)
    assert block_halo(snap, DIRECTIONS) == (halo, halo, halo)
    assert block_halo(snap, shape=(90, 1, 56)) == (halo, blend_reach(BLEND_SIGMA), halo)
    core = (slice(41, 49), slice(45, 60), slice(0, 56))
    block, pairs, origin = _cut(survey, core, block_halo(snap))
    assert block.shape[0] == 8 + 2 * blend_reach(BLEND_SIGMA)
    part = predict_block(snap, block, pairs, origin=origin)
    assert np.abs(part.probability - whole.probability[(slice(None), *core)]).max() < 1e-5
    # a halo shorter than the networks' reach shows at the seams
    block, pairs, origin = _cut(survey, (slice(41, 49), slice(45, 60), slice(19, 37)), 4)
    short = predict_block(snap, block, pairs, origin=origin)
    seam = float(np.abs(short.probability - whole.probability[:, 41:49, 45:60, 19:37]).max())
    assert seam > max(100 * worst, 1e-5), (seam, worst)


def test_weights_are_built_once_per_process_whatever_copy_arrives(snap, tmp_path):
    from seisview.ml.checkpoint import save_checkpoint

    _, net = load_net(snap, "cpu")
    copy = pickle.loads(pickle.dumps(snap))  # what a dask worker unpickles for each task
    assert copy is not snap and load_net(copy, "cpu")[1] is net
    path = save_checkpoint(tmp_path / "m.safetensors", snap)
    from_file = load_net(path, "cpu")[1]
    assert load_net(str(path), "cpu")[1] is from_file
    block = np.random.default_rng(1).standard_normal((6, 20, 24)).astype(np.float32)
    assert np.allclose(predict_block(path, block).probability,
                       predict_block(snap, block).probability, atol=1e-6)


def test_predict_volume_runs_on_the_kernel_and_cancels(snap, survey):
    from seisview.ml.inference import predict_volume

    vol = Volume.from_array(survey[:40, :, :32].copy())
    seen = []
    classes, conf = predict_volume(snap, vol, TaskState(on_progress=lambda f, m: seen.append(f)))
    whole = predict_block(snap, vol.data)
    assert np.array_equal(classes, whole.classes) and seen[-1] == 1.0
    assert np.allclose(conf, whole.probability.max(0), atol=1e-5)
    state = TaskState()
    state.cancel()
    with pytest.raises(Cancelled):
        predict_block(snap, vol.data, state=state)


def test_wrong_model_or_block_is_one_clear_line(snap, tmp_path):
    from seisview.ml.checkpoint import save_checkpoint

    fb = ModelSnapshot("fb-unet", 2, {}, {}, meta={"task": "firstbreak"})
    block = np.zeros((8, 70, 32), np.float32)
    cases = [(fb, block, 0, "firstbreak model"),
             (snap, block, 4, "too small for its halo"),
             (snap, block[0], 0, "(inline, crossline, sample)"),
             (snap, block, (1, 2), "halo needs 3 entries"),
             (str(tmp_path / "missing.safetensors"), block, 0, "cannot read checkpoint")]
    for model, b, halo, words in cases:
        with pytest.raises(SeisviewError) as err:
            predict_block(model, b, halo)
        assert words in str(err.value) and "\n" not in str(err.value) and err.value.hint
    with pytest.raises(SeisviewError, match="directions"):
        predict_block(snap, block, directions=("time",))
    save_checkpoint(tmp_path / "ok.safetensors", snap)  # a good file loads
    assert predict_block(tmp_path / "ok.safetensors", block).classes.shape == (8, 70, 32)


def test_no_inline_stripes_on_the_demo_and_no_loss_of_accuracy():
    """Strokes on one inline of a cut of the demo survey, a short run; the section loop
    (inline after inline) against the default kernel, on the demo's ground truth."""
    from seisview.core.section import SectionSpec
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.ml.data import make_training_data
    from seisview.ml.evaluation import score, thin_strokes
    from seisview.ml.inference import predict_volume
    from seisview.ml.training import TrainConfig, train

    cut = (slice(40, 88), slice(40, 136), slice(0, 192))
    vol = Volume.from_array(np.ascontiguousarray(demo_volume().data[cut]))
    truth = demo_truth()[cut]
    labels = {SectionSpec("inline", 20): thin_strokes(truth[20].T, 0.03, width=1,
                                                      strokes_per_class=4)}
    cfg = TrainConfig(epochs=3, steps_per_epoch=10, patience=100, first_snapshot_s=1e9,
                      threads=1, self_train=0)
    model = list(train(cfg, make_training_data(vol, labels, n_classes=6)))[-1].snapshot
    assert model.meta["section_kinds"] == ["inline"]
    assert default_directions(model) == ("inline",)
    loop, _ = predict_volume(model, vol, kind="inline")
    old = predict_block(model, vol.data, directions=("inline",), blend=0)
    assert np.array_equal(old.classes, loop)  # the section loop, batched
    new = predict_block(model, vol.data)
    slices = range(8, 192, 16)
    before, after = stripe_index(old.probability, slices), stripe_index(new.probability, slices)
    assert after < 0.5 * before and after < 1.5, (before, after)
    acc_old = score(old.classes, truth, 6)["accuracy"]
    acc_new = score(new.classes, truth, 6)["accuracy"]
    assert acc_new >= acc_old - 0.005, (acc_old, acc_new)
