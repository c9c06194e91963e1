"""train(): message protocol, early snapshots, cancel/pause, NaN handling, relabel, seeds, transfer."""

import threading
import time

import numpy as np
import pytest
import torch

from seisview.core.section import SectionSpec
from seisview.core.tasks import TaskState
from seisview.core.volume import Volume
from seisview.ml.checkpoint import load_checkpoint
from seisview.ml.data import make_training_data
from seisview.ml.evaluation import thin_strokes
from seisview.ml.models.unet import UNet
from seisview.ml.progress import TrainCancelled, TrainDone, TrainFailed, TrainProgress
from seisview.ml.training import TrainConfig, train, transfer_weights
from seisview.plugins import registry

torch.set_num_threads(1)
FAST = dict(model="unet", model_cfg={"base": 4}, batch_size=2, crop=64, steps_per_epoch=3,
            report_every=1, first_snapshot_s=60.0, threads=1)


@pytest.fixture(scope="module")
def demo_small():
    from seisview.io.demo import demo_truth, demo_volume

    vol = demo_volume()
    data = np.array(vol.data[60:66, :80, :128])
    truth = np.array(demo_truth()[60:66, :80, :128])
    return Volume.from_array(data), truth


def _data(demo_small, sections=(2,), fraction=0.05):
    vol, truth = demo_small
    labels = {SectionSpec("inline", i): thin_strokes(truth[i].T, fraction) for i in sections}
    return make_training_data(vol, labels, n_classes=6)


def test_messages_snapshots_and_checkpoint(demo_small, tmp_path):
    data = _data(demo_small)
    cfg = TrainConfig(**FAST, epochs=2, checkpoint=str(tmp_path / "run"))
    msgs = list(train(cfg, data))
    assert isinstance(msgs[-1], TrainDone) and not any(isinstance(m, TrainDone) for m in msgs[:-1])
    prog = [m for m in msgs if isinstance(m, TrainProgress)]
    snaps = [m for m in prog if m.snapshot is not None]
    assert [m.snapshot_version for m in snaps] == [1, 2]
    assert [m.step for m in prog if m.snapshot is None] == [1, 2, 3, 4, 5, 6]
    assert all(np.isfinite(m.loss) for m in prog)
    assert {"train_loss", "train_acc", "val_acc", "n_labelled"} <= set(snaps[-1].metrics)
    done = msgs[-1]
    assert done.epochs == 2 and done.steps == 6 and done.reason == "epochs"
    back = load_checkpoint(done.checkpoint)
    assert back.version == done.snapshot.version
    assert 0 <= prog[-1].fraction <= 1


def test_cancel_stops_at_once_with_the_best_snapshot(demo_small):
    data = _data(demo_small)
    state = TaskState()
    gen = train(TrainConfig(**FAST, epochs=100), data, state)
    seen = []
    at_cancel = None
    for msg in gen:
        seen.append(msg)
        if isinstance(msg, TrainProgress) and msg.snapshot is not None and at_cancel is None:
            state.cancel()
            at_cancel = len(seen)
    assert isinstance(seen[-1], TrainCancelled)
    assert seen[-1].snapshot is not None and seen[-1].snapshot.version == 1
    # no training step after the cancel (counted in steps, not seconds: the machine's load varies)
    assert not [m for m in seen[at_cancel:] if isinstance(m, TrainProgress)]


def test_pause_blocks_training_and_resume_continues(demo_small):
    data = _data(demo_small)
    state = TaskState()
    steps = []

    def run():
        for msg in train(TrainConfig(**FAST, epochs=3), data, state):
            steps.append(msg)

    th = threading.Thread(target=run)
    state.pause()
    th.start()
    time.sleep(0.4)
    assert steps == []  # paused before the first step
    state.resume()
    th.join(60)
    assert not th.is_alive() and isinstance(steps[-1], TrainDone)


class NaNAfter(UNet):
    """A U-Net whose loss turns NaN after a few forward passes in training mode."""

    calls = 0

    def forward(self, x):
        out = super().forward(x)
        if self.training and out.shape[0] == 2:
            NaNAfter.calls += 1
            if NaNAfter.calls > 4:
                return out * float("nan")
        return out


def test_nan_loss_stops_with_a_message_and_keeps_the_last_good_checkpoint(demo_small, tmp_path):
    registry.register("model", "nan-unet", NaNAfter, replace=True)
    try:
        NaNAfter.calls = 0
        data = _data(demo_small)
        cfg = TrainConfig(**{**FAST, "model": "nan-unet"}, epochs=5,
                          checkpoint=str(tmp_path / "nan"))
        msgs = list(train(cfg, data))
        last = msgs[-1]
        assert isinstance(last, TrainFailed) and "nan" in last.message.lower()
        assert last.snapshot is not None and last.snapshot.version == 1
        ck = load_checkpoint(last.checkpoint)
    finally:
        registry.unregister("model", "nan-unet")
    assert all(torch.isfinite(v).all() for v in ck.state.values() if v.is_floating_point())


def test_new_labels_are_picked_up_between_epochs(demo_small):
    first = _data(demo_small, (2,))
    more = _data(demo_small, (2, 4))
    calls = []

    def relabel():
        calls.append(1)
        return more if len(calls) == 1 else None

    msgs = list(train(TrainConfig(**FAST, epochs=3), first, relabel=relabel))
    counts = [m.metrics["n_labelled"] for m in msgs
              if isinstance(m, TrainProgress) and m.snapshot is not None]
    assert counts[0] < counts[1] == counts[2] and len(calls) == 2


def test_same_seed_same_run_and_transfer_copies_weights(demo_small):
    data = _data(demo_small)
    cfg = TrainConfig(**FAST, epochs=1)
    a = [m.loss for m in train(cfg, data) if isinstance(m, TrainProgress)]
    b = [m.loss for m in train(cfg, data) if isinstance(m, TrainProgress)]
    assert a == b
    done = list(train(cfg, data))[-1]
    net = UNet(6, base=4)
    assert transfer_weights(net, done.snapshot) == len(net.state_dict())
    assert all(torch.equal(net.state_dict()[k], v) for k, v in done.snapshot.state.items())


def test_bad_input_ends_in_a_failed_message(demo_small):
    data = _data(demo_small)
    msgs = list(train(TrainConfig(**{**FAST, "model": "nope"}, epochs=1), data))
    assert len(msgs) == 1 and isinstance(msgs[0], TrainFailed) and "nope" in msgs[0].message
    msgs = list(train(TrainConfig(**{**FAST, "device": "tpu"}, epochs=1), data))
    assert isinstance(msgs[0], TrainFailed) and "device" in msgs[0].message


def test_transfer_from_self_supervised_pretraining_copies_the_encoder():
    from seisview.ml.models import build_model
    from seisview.ml.models.autoencoder import DEFAULT_WIDTHS
    from seisview.ml.snapshot import ModelSnapshot

    torch.manual_seed(3)
    ae = build_model("autoencoder", 2)
    snap = ModelSnapshot.of(ae, "autoencoder", {"widths": list(DEFAULT_WIDTHS)})
    net = UNet(6, coarse=False)
    assert transfer_weights(net, snap) == 2 * len(DEFAULT_WIDTHS)
    first = next(m for m in net.down.modules() if isinstance(m, torch.nn.Conv2d))
    assert torch.equal(first.weight, next(v for k, v in snap.state.items() if v.ndim == 4))


class OOMUNet(UNet):
    """Raises the CUDA out-of-memory error for batches larger than one."""

    def forward(self, x):
        if self.training and x.shape[0] > 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return super().forward(x)


def test_out_of_memory_halves_the_batch_and_goes_on(demo_small):
    from seisview.core.errors import SeisviewError
    from seisview.ml.device import OOMFallback

    fb = OOMFallback(torch.device("cuda"), 4)
    assert "halved to 2" in fb.on_oom() and fb.batch_size == 2
    fb.on_oom()
    assert "CPU" in fb.on_oom() and fb.device.type == "cpu"
    with pytest.raises(SeisviewError, match="even with batch 1"):
        fb.on_oom()

    registry.register("model", "oom-unet", OOMUNet, replace=True)
    try:
        cfg = TrainConfig(**{**FAST, "model": "oom-unet", "batch_size": 4}, epochs=1)
        msgs = list(train(cfg, _data(demo_small)))
    finally:
        registry.unregister("model", "oom-unet")
    notes = [m.message for m in msgs if isinstance(m, TrainProgress) and m.message]
    assert notes == ["out of memory on cpu: batch halved to 2",
                     "out of memory on cpu: batch halved to 1"]
    assert isinstance(msgs[-1], TrainDone) and msgs[-1].steps == 3


def test_default_recipe_settings_and_resuming_an_older_run():
    from seisview.ml.training import build_for, model_settings

    recipe = {"depth": 4, "refine": 4, "members": 2}
    assert model_settings("unet", {}) == recipe  # what GUI and CLI get when nothing is picked
    assert model_settings("unet", {"base": 4}) == {"base": 4}  # a choice is kept as it is
    from seisview.ml.snapshot import ModelSnapshot

    old = ModelSnapshot.of(UNet(6), "unet", {})  # a run of the earlier default (depth 3)
    net, cfg, n = build_for(TrainConfig(model="unet", init=old), 6)
    assert cfg == {} and net.depth == 3 and n == len(net.state_dict())
    coarse = ModelSnapshot.of(UNet(6, depth=4), "unet", {"depth": 4})  # the one before refine
    net, cfg, n = build_for(TrainConfig(model="unet", init=coarse), 6)
    assert cfg == {"depth": 4} and net.refine is None and n == len(net.state_dict())
    assert coarse.build().refine is None  # it predicts as it did
    fresh, cfg, n = build_for(TrainConfig(model="unet"), 6)
    assert cfg == recipe and fresh.depth == 4 and fresh.stride == 16 and n == 0
    assert fresh.n_members == 2 and fresh.members[0].refine is not None


def test_refined_unet_starts_as_the_coarse_one_and_keeps_the_shape():
    torch.manual_seed(0)
    fine = UNet(6, depth=4, refine=4).eval()
    coarse = UNet(6, depth=4).eval()
    coarse.load_state_dict(fine.state_dict(), strict=False)  # all but the correction
    x = torch.randn(2, 1, 70, 45)
    with torch.no_grad():
        a, b = fine(x), coarse(x)
    assert a.shape == b.shape == (2, 6, 70, 45)
    assert torch.allclose(a, b, atol=1e-3)  # zero correction at the start: only resampling
    assert "refine" in fine.named_layers() and "refine" not in coarse.named_layers()
    assert UNet(6, depth=4, refine=8)(x).shape == (2, 6, 70, 45)
    for bad in (dict(coarse=False, refine=4), dict(depth=4, refine=16), dict(refine=3)):
        with pytest.raises(ValueError, match="refine"):
            UNet(6, **bad)


def test_a_split_that_draws_no_held_out_block_still_holds_one_out(demo_small):
    vol, truth = demo_small
    labels = {SectionSpec("inline", 2): thin_strokes(truth[2].T, 0.05)}
    data = make_training_data(vol, labels, n_classes=6, val_fraction=1e-9)  # no block drawn
    s = data.sections[0]
    cols = np.nonzero(s.val.any(0))[0]
    assert cols.size and cols.max() - cols.min() < 24  # one block of 24 traces
    assert not (s.train.astype(bool) & s.val.astype(bool)).any()
    assert not make_training_data(vol, labels, n_classes=6, val_fraction=0.0).sections[0].val.any()


def test_no_early_stop_before_min_steps(demo_small):
    data = _data(demo_small)
    cfg = dict(FAST, epochs=8, patience=1, seed=0, self_train=0)
    early = list(train(TrainConfig(**cfg, min_steps=0), data))[-1]
    late = list(train(TrainConfig(**cfg, min_steps=21), data))[-1]
    assert early.reason == "early stop" and early.steps < 21
    assert late.steps >= 21


def test_confident_pixels_per_class_away_from_boundaries():
    from seisview.ml.self_training import select_confident

    probs = np.zeros((3, 40, 40), np.float32)
    probs[0, :20], probs[1, 20:] = 0.6, 0.6  # class 1 above row 20, class 2 below
    probs[0, :10] = 0.9  # the upper half of class 1 is surer
    probs[2] = 1 - probs[:2].sum(0)
    lab = select_confident(probs, keep=0.5, erode=3)
    assert set(np.unique(lab)) == {0, 1, 2}  # the minority of each class kept, class 3 absent
    assert not lab[17:23].any()  # nothing next to the predicted boundary
    assert (lab[3:10, 3:-3] == 1).all() and not lab[10:17].any()  # the surer half of class 1
    assert 0.3 < (lab == 2).sum() / (lab == 1).sum() < 3  # both classes, neither crowded out


def test_pseudo_labels_keep_strokes_and_leave_held_out_strokes_out(demo_small):
    from seisview.ml.self_training import pseudo_labelled

    data = _data(demo_small)
    net = UNet(6, base=4)
    pl = pseudo_labelled(net, data, "cpu", keep=0.5, erode=2)
    s, p = data.sections[0], pl.sections[0]
    assert (p.train[s.train > 0] == s.train[s.train > 0]).all()  # strokes win
    assert not p.train[s.val > 0].any() and not p.val.any()  # held-out strokes stay unseen
    assert len(pl.sections) == 1 + len(data.context)  # the unlabelled context sections too
    assert all(q.train.any() and q.quad.shape == q.image.shape for q in pl.sections[1:])


def test_self_training_round_continues_and_picks_a_snapshot_after_it(demo_small):
    data = _data(demo_small)
    cfg = TrainConfig(**FAST, epochs=10, patience=1, min_steps=0, seed=0, self_train=1,
                      self_train_after=6)
    msgs = list(train(cfg, data))
    done = msgs[-1]
    assert isinstance(done, TrainDone)
    assert done.steps >= 12  # no early stop before the round has trained its steps
    assert done.snapshot.meta["step"] > 6  # chosen among snapshots trained with pseudo-labels
    steps = [m.step for m in msgs if isinstance(m, TrainProgress) and m.snapshot is None]
    assert steps == list(range(1, done.steps + 1))  # reports keep coming through the round


def test_pseudo_labelling_checks_for_cancel_between_sections(demo_small):
    from seisview.core.tasks import Cancelled
    from seisview.ml.self_training import pseudo_labelled

    data = _data(demo_small)
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 2:
            raise Cancelled()

    with pytest.raises(Cancelled):
        pseudo_labelled(UNet(6, base=4), data, "cpu", check=check)
    assert len(calls) == 2  # stopped after one section, not after all of them


def test_a_continued_run_has_the_shorter_schedule(tmp_path):
    from seisview.ml.checkpoint import save_checkpoint
    from seisview.ml.snapshot import ModelSnapshot
    from seisview.ml.training import continued_schedule

    run = ModelSnapshot.of(UNet(6), "unet", {})
    fresh = TrainConfig(model="unet")
    assert continued_schedule(fresh) == fresh
    cont = continued_schedule(TrainConfig(model="unet", init=run))
    assert (cont.self_train_after, cont.min_steps) == (30, 50)  # half a fresh run's
    path = save_checkpoint(tmp_path / "run", run)  # `--init RUN` passes the checkpoint's path
    loaded = continued_schedule(TrainConfig(model="unet", init=str(path)))
    assert isinstance(loaded.init, ModelSnapshot) and loaded.min_steps == 50
    other = continued_schedule(TrainConfig(model="resnet", init=run))  # a transfer: full length
    assert (other.self_train_after, other.min_steps) == (60, 100)
    full = continued_schedule(TrainConfig(model="unet", init=run, continued_scale=1.0))
    assert full.min_steps == 100


def test_wrong_pixels_and_the_focus_share_of_crops(demo_small):
    from seisview.ml.training import wrong_pixels

    data = _data(demo_small)
    net = UNet(6, base=4)
    wrong = wrong_pixels(net, data, "cpu")
    s = data.sections[0]
    with torch.no_grad():
        pred = net.eval()(torch.from_numpy(s.image)[None, None])[0].argmax(0).numpy() + 1
    assert len(wrong) == 1 and wrong[0].shape == s.train.shape
    assert np.array_equal(wrong[0], (s.train > 0) & (pred != s.train))
    assert not wrong[0][s.train == 0].any()
    # each wrong pixel 4x as likely as a right one: the share follows how many are wrong
    from seisview.ml.training import focus_share

    n = int((s.train > 0).sum())
    few = [np.zeros_like(wrong[0])]
    few[0][np.argwhere(s.train > 0)[0][0], np.argwhere(s.train > 0)[0][1]] = True
    assert focus_share(few, data, 4.0) == pytest.approx(4 / (4 + n - 1))
    assert focus_share([s.train > 0], data, 4.0) == 1.0
    assert focus_share(None, data, 4.0) == 0.0
