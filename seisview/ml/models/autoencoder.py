"""Convolutional encoder shared by the self-supervised models and the first-break U-Net,
and the autoencoder that pretrains it on unlabelled sections or gathers.

The :class:`Encoder` is the unit of transfer: the autoencoder, the GAN's
discriminator and the first-break U-Net all build one with the same widths, so
its weights move between them by name (``blocks.<level>.<layer>``). Inputs are
``(batch, 1, time, trace)`` patches; each level halves both axes.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

DEFAULT_WIDTHS = (16, 32, 64, 128)


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "group":
        # GroupNorm, not BatchNorm: batches are tiny (a few gathers) and GAN-trained
        # weights must transfer without batch statistics.
        return nn.GroupNorm(max(1, channels // 8), channels)
    return nn.Identity()


class ConvBlock(nn.Module):
    """Two 3×3 convolutions, each followed by a norm and a leaky ReLU."""

    def __init__(self, cin: int, cout: int, norm: str = "group", spectral: bool = False):
        super().__init__()
        wrap = spectral_norm if spectral else (lambda m: m)
        self.conv1 = wrap(nn.Conv2d(cin, cout, 3, padding=1))
        self.norm1 = _norm(norm, cout)
        self.conv2 = wrap(nn.Conv2d(cout, cout, 3, padding=1))
        self.norm2 = _norm(norm, cout)
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.norm1(self.conv1(x)))
        return self.act(self.norm2(self.conv2(x)))


class Encoder(nn.Module):
    """Levels of :class:`ConvBlock` with 2×2 max-pooling between them.

    ``forward`` returns the feature map of every level (finest first), which the
    U-Net uses as skip connections and the autoencoder/discriminator only at the end.
    """

    def __init__(self, in_channels: int = 1, widths=DEFAULT_WIDTHS, norm: str = "group",
                 spectral: bool = False):
        super().__init__()
        self.widths = tuple(int(w) for w in widths)
        chans = (in_channels, *self.widths)
        self.blocks = nn.ModuleList(
            ConvBlock(chans[i], chans[i + 1], norm, spectral) for i in range(len(self.widths))
        )
        self.pool = nn.MaxPool2d(2)

    @property
    def factor(self) -> int:
        """Input sizes must be multiples of this (the total downsampling)."""
        return 2 ** (len(self.widths) - 1)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        for i, block in enumerate(self.blocks):
            if i:
                x = self.pool(x)
            x = block(x)
            feats.append(x)
        return feats


class ConvAutoencoder(nn.Module):
    """Encoder → 1×1 bottleneck → upsampling decoder, no skip connections.

    The bottleneck (``latent_channels`` at 1/``factor`` resolution) holds far
    fewer numbers than the patch, so the encoder must learn a compact
    description of the data. Output is linear (patches are normalised, not
    bounded), trained with a mean-squared reconstruction loss.
    """

    def __init__(self, in_channels: int = 1, widths=DEFAULT_WIDTHS, latent_channels: int = 8,
                 n_classes: int = 2):
        super().__init__()
        self.n_classes = n_classes  # accepted for build_model; an autoencoder has no classes
        self.encoder = Encoder(in_channels, widths)
        w = self.encoder.widths
        self.to_latent = nn.Conv2d(w[-1], latent_channels, 1)
        self.from_latent = nn.Conv2d(latent_channels, w[-1], 1)
        ups = []
        for i in range(len(w) - 1, 0, -1):
            ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                     ConvBlock(w[i], w[i - 1])))
        self.decoder = nn.Sequential(*ups)
        self.head = nn.Conv2d(w[0], in_channels, 1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_latent(self.encoder(x)[-1])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.head(self.decoder(torch.nn.functional.leaky_relu(self.from_latent(z), 0.1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def encoder_state(module: nn.Module) -> dict[str, torch.Tensor]:
    """Plain ``Encoder`` weights of ``module.encoder`` (spectral norm folded in), CPU copies.

    Keys are relative to the encoder (``blocks.0.conv1.weight`` ...), so any
    model with an ``encoder`` attribute of the same widths can load them.
    """
    enc = getattr(module, "encoder", module)
    out: dict[str, torch.Tensor] = {}
    for name, sub in enc.named_modules():
        if isinstance(sub, nn.Conv2d):
            # `sub.weight` is the normalised weight when a spectral-norm parametrization is on
            out[f"{name}.weight"] = sub.weight.detach().cpu().clone()
            if sub.bias is not None:
                out[f"{name}.bias"] = sub.bias.detach().cpu().clone()
        elif isinstance(sub, nn.GroupNorm):
            out[f"{name}.weight"] = sub.weight.detach().cpu().clone()
            out[f"{name}.bias"] = sub.bias.detach().cpu().clone()
    return out


def load_encoder(model: nn.Module, state: dict[str, torch.Tensor], prefix: str = "encoder.") -> int:
    """Copy encoder weights into ``model`` where names and shapes match; returns tensors copied.

    ``state`` keys may carry ``prefix`` or not. Tensors whose shape differs (other
    widths or input channels) are skipped, so a partial transfer never fails.
    """
    own = model.state_dict()
    n = 0
    with torch.no_grad():
        for key, value in state.items():
            name = key if key.startswith(prefix) else prefix + key
            if name in own and own[name].shape == value.shape:
                own[name].copy_(value)
                n += 1
    return n
