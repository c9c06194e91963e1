"""Self-supervised pretraining: the GAN recipe of seed 001, autoencoder learning, messages,
encoder transfer to the first-break U-Net and to a facies U-Net, checkpoints, CLI."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seisview.core.errors import SeisviewError
from seisview.core.tasks import TaskState
from seisview.core.volume import Volume
from seisview.ml.models.autoencoder import ConvAutoencoder, Encoder, load_encoder
from seisview.ml.models.fb_unet import FirstBreakUNet
from seisview.ml.models.gan import Discriminator, discriminator_loss
from seisview.ml.pretrain import (
    PretrainConfig,
    encoder_from_snapshot,
    pretrain,
    run_pretrain,
    transfer_encoder,
)
from seisview.ml.progress import TrainCancelled, TrainDone, TrainProgress

torch.set_num_threads(1)
TINY = dict(widths=(4, 8, 16), patch=(32, 16), batch_size=4, threads=1)


def layered_volume(seed=0) -> Volume:
    """Dipping sinusoidal reflectors: lateral continuity an autoencoder can learn."""
    rng = np.random.default_rng(seed)
    il, xl, t = np.meshgrid(np.arange(6), np.arange(24), np.arange(48), indexing="ij")
    data = np.sin(2 * np.pi * (t + 0.3 * xl + 0.2 * il) / 9.0) + 0.05 * rng.normal(size=t.shape)
    return Volume.from_array(data.astype(np.float32))


def test_discriminator_is_spectral_normalised_and_returns_logits():
    d = Discriminator(widths=(4, 8))
    layers = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    assert not any(isinstance(m, torch.nn.Sigmoid) for m in d.modules())
    with torch.no_grad():
        d.head.parametrizations.weight.original.fill_(50.0)
        d.head.bias.fill_(-5.0)
        out = d(torch.randn(3, 1, 16, 8))
    assert out.shape == (3,) and (out < 0).all()  # a raw logit, not a probability
    for _ in range(20):  # power iterations converge in training mode
        d(torch.randn(2, 1, 16, 8))
    w = d.encoder.blocks[1].conv2.weight.detach().reshape(8, -1)
    assert torch.linalg.matrix_norm(w, ord=2) == pytest.approx(1.0, abs=0.05)


def test_gan_losses_are_bce_on_logits():
    real, fake = torch.tensor([3.0, -1.0]), torch.tensor([0.5, -2.0])
    expect = (F.binary_cross_entropy(torch.sigmoid(real), torch.ones(2))
              + F.binary_cross_entropy(torch.sigmoid(fake), torch.zeros(2)))
    assert float(discriminator_loss(real, fake)) == pytest.approx(float(expect), rel=1e-5)
    big = torch.tensor([200.0])  # a sigmoid would saturate to exactly 1 and give log(0)
    assert torch.isfinite(discriminator_loss(-big, big))


def test_autoencoder_learns_and_reports():
    vol = layered_volume()
    msgs = list(pretrain(PretrainConfig(model="autoencoder", steps=60, report_every=10,
                                        snapshot_every=30, lr=3e-3, **TINY), vol))
    prog = [m for m in msgs if isinstance(m, TrainProgress)]
    assert isinstance(msgs[-1], TrainDone) and len(prog) == 6
    assert [m.snapshot_version for m in prog if m.snapshot] == [1, 2]
    assert prog[-1].metrics["loss"] < 0.5 * prog[0].metrics["loss"]
    assert msgs[-1].snapshot.meta["task"] == "pretrain"


def test_gan_trains_on_gathers_and_transfers_to_picker():
    from tests.test_ml_firstbreak import synthetic_gathers

    gs, _ = synthetic_gathers(n_gathers=2)
    done = run_pretrain(PretrainConfig(model="gan", steps=6, report_every=3, **TINY), gs)
    hist = done.history
    assert all(np.isfinite([h["d_loss"], h["g_loss"]]).all() for h in hist)
    enc = encoder_from_snapshot(done.snapshot)
    assert not any("parametrizations" in k for k in enc)  # spectral norm folded in
    net = FirstBreakUNet(2, widths=(4, 8, 16))  # gathers: linear + log-compressed channels
    assert load_encoder(net, enc) == len(enc)
    assert torch.equal(net.encoder.blocks[2].conv1.weight, enc["blocks.2.conv1.weight"])


def test_autoencoder_encoder_loads_into_picker_by_name():
    ae = ConvAutoencoder(widths=(4, 8, 16))
    net = FirstBreakUNet(widths=(4, 8, 16))
    from seisview.ml.models.autoencoder import encoder_state

    n = load_encoder(net, encoder_state(ae))
    assert n == 24  # 3 blocks x (2 convs + 2 norms) x (weight, bias)
    assert torch.equal(net.encoder.blocks[0].conv2.weight, ae.encoder.blocks[0].conv2.weight)
    other = FirstBreakUNet(widths=(8, 16, 32))  # other widths: nothing fits, nothing breaks
    assert load_encoder(other, encoder_state(ae)) == 0


def test_transfer_to_facies_unet():
    from seisview.ml.models.unet import UNet

    enc = {k: v for k, v in Encoder(1, (16, 32, 64, 128)).state_dict().items()}
    full = UNet(n_classes=4, coarse=False)
    assert transfer_encoder(full, enc) == 8  # the whole encoder
    first = [m for m in full.down.modules() if isinstance(m, torch.nn.Conv2d)][0]
    assert torch.equal(first.weight, enc["blocks.0.conv1.weight"])
    # the coarse U-Net: everything but its strided 5x5 stem, each layer from its level
    coarse = UNet(n_classes=4, coarse=True, depth=4)
    assert transfer_encoder(coarse, enc) == 7
    convs = [m for m in coarse.down.modules() if isinstance(m, torch.nn.Conv2d)]
    assert not torch.equal(convs[0].weight[:, :, 1:4, 1:4], enc["blocks.0.conv1.weight"])
    assert torch.equal(convs[1].weight, enc["blocks.0.conv2.weight"])
    assert torch.equal(convs[-1].weight, enc["blocks.3.conv2.weight"])


def test_transfer_to_other_facies_models_or_a_clear_refusal():
    from seisview.ml.models import build_model

    enc = {k: v for k, v in Encoder(1, (16, 32, 64, 128)).state_dict().items()}
    for name, cfg in (("vgg16", {"width": 0.25}), ("resnet", {"base": 16})):
        net = build_model(name, 4, **cfg)
        before = {k: v.clone() for k, v in net.state_dict().items()}
        n = transfer_encoder(net, enc)
        changed = [k for k, v in net.state_dict().items() if not torch.equal(v, before[k])]
        assert n >= 4 and len(changed) == n, (name, n, changed)  # reported = copied
    with pytest.raises(SeisviewError, match="no convolution of the pretrained encoder"):
        transfer_encoder(build_model("waldeland", 4), enc)  # 5x5 / 3x3 widths 50: none fits


def test_cancel_and_bad_input():
    vol = layered_volume()
    state = TaskState()
    msgs = []
    for m in pretrain(PretrainConfig(steps=100, report_every=1, **TINY), vol, state):
        msgs.append(m)
        state.cancel()
    assert isinstance(msgs[-1], TrainCancelled)
    with pytest.raises(SeisviewError, match="unknown pretraining model"):
        list(pretrain(PretrainConfig(model="vae"), vol))
    with pytest.raises(SeisviewError, match="2-D sections"):
        list(pretrain(PretrainConfig(**TINY), [np.zeros(5)]))


def test_checkpoint_round_trip_and_cli(tmp_path, capsys):
    from seisview.cli import main
    from seisview.io.project import Project
    from seisview.io.segy import write_gathers_segy
    from seisview.ml.checkpoint import load_checkpoint, save_checkpoint
    from tests.test_ml_firstbreak import synthetic_gathers

    done = run_pretrain(PretrainConfig(steps=2, **TINY), layered_volume())
    back = load_checkpoint(save_checkpoint(tmp_path / "ae", done.snapshot))
    assert back.model == "autoencoder" and back.config == done.snapshot.config
    assert all(torch.equal(back.state[k], v) for k, v in done.snapshot.state.items())

    gs, _ = synthetic_gathers(n_gathers=2)
    write_gathers_segy(tmp_path / "shots.sgy", gs)
    proj = tmp_path / "p.seisview"
    Project.create(proj, tmp_path / "shots.sgy").close()
    assert main(["pretrain", str(proj), "--model", "gan", "--steps", "2", "--quiet"]) == 0
    run = int(capsys.readouterr().out.strip().splitlines()[-1])
    with Project.open(proj) as p:
        r = p.get_run(run)
        assert r.task == "pretrain" and r.status == "done" and r.checkpoint
        assert load_checkpoint(r.checkpoint).model == "gan"


def test_cli_train_init_from_a_pretraining_run_says_what_it_transferred(tmp_path, capsys):
    """`seisview pretrain` on the survey, then `seisview train --init RUN` into the default
    facies model (the coarse U-Net), and a clear refusal for a model nothing fits."""
    from seisview.cli import main
    from seisview.core.section import SectionSpec
    from seisview.io.project import Project
    from seisview.io.segy import write_volume_segy
    from seisview.ml.evaluation import thin_strokes

    vol = layered_volume()
    write_volume_segy(tmp_path / "v.sgy", np.asarray(vol.data, np.float32), vol.geometry)
    truth = np.where(np.arange(48)[:, None] < 20, 1, 2) * np.ones((1, 24), np.uint8)
    proj = tmp_path / "p.seisview"
    with Project.create(proj, tmp_path / "v.sgy") as p:
        strokes = thin_strokes(truth.astype(np.uint8), fraction=0.1)
        idx = np.flatnonzero(strokes)
        p.labels.apply({SectionSpec("inline", 2): (idx, strokes.ravel()[idx])})
    assert main(["pretrain", str(proj), "--steps", "2", "--quiet"]) == 0
    run = capsys.readouterr().out.strip().splitlines()[-1]
    rc = main(["train", str(proj), "--init", run, "--epochs", "1", "--steps-per-epoch", "1",
               "--batch-size", "2", "--quiet"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    # 7 into each of the default's two U-Nets
    assert f"--init {run}: 14 tensors of the autoencoder run transferred into unet" in err
    assert main(["train", str(proj), "--init", run, "--model", "waldeland", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "no convolution of the pretrained encoder" in err and "waldeland" not in out


def test_default_autoencoder_restores_masked_traces_of_a_real_section():
    """The default recipe on band-limited seismic (period ~7 samples) must not settle on
    the all-zero output, whose loss equals the patches' variance (it did at lr 1e-3)."""
    from seisview.io.demo import demo_volume
    from seisview.ml.pretrain import PatchSampler, sections_of

    vol = demo_volume()
    cfg = PretrainConfig(steps=200, batch_size=8, report_every=50, snapshot_every=1000, threads=1)
    msgs = list(pretrain(cfg, vol))
    last = [m for m in msgs if isinstance(m, TrainProgress)][-1]
    var = float(PatchSampler(sections_of(vol, cfg), cfg.patch, 1).batch(256).var())
    assert last.metrics["masked_mse"] < 0.8 * var
