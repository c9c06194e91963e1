"""A small GAN for self-supervised pretraining on seismic patches (seed 001).

Two tricks keep it stable on a CPU budget, both from the seed: spectral
normalisation on every discriminator layer, and no sigmoid on the
discriminator's output: it returns a logit and the loss is
``BCEWithLogits`` (a sigmoid followed by BCE saturates and clips gradients).
The discriminator's body is the shared :class:`Encoder` (no norm layers,
spectral-normalised convolutions), so after training its weights transfer to
the first-break U-Net or a facies model like the autoencoder's do.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from seisview.ml.models.autoencoder import DEFAULT_WIDTHS, Encoder


class Generator(nn.Module):
    """Latent vector ``z`` → patch ``(1, H, W)`` by nearest upsampling and convolutions.

    The output is linear: training patches are normalised amplitudes in about
    [-1, 1], not probabilities.
    """

    def __init__(self, latent_dim: int = 64, patch=(64, 32), widths=DEFAULT_WIDTHS,
                 out_channels: int = 1):
        super().__init__()
        self.latent_dim = int(latent_dim)
        self.patch = (int(patch[0]), int(patch[1]))
        w = tuple(reversed(tuple(widths)))
        f = 2 ** (len(w) - 1)
        if self.patch[0] % f or self.patch[1] % f:
            raise ValueError(f"patch {self.patch} must be a multiple of {f}")
        self.start = (self.patch[0] // f, self.patch[1] // f)
        self.fc = nn.Linear(self.latent_dim, w[0] * self.start[0] * self.start[1])
        self.w0 = w[0]
        layers: list[nn.Module] = []
        for a, b in zip(w[:-1], w[1:], strict=True):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(a, b, 3, padding=1),
                       nn.BatchNorm2d(b), nn.LeakyReLU(0.1)]
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv2d(w[-1], out_channels, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.fc(z).view(z.shape[0], self.w0, *self.start)
        return self.head(self.body(F.leaky_relu(x, 0.1)))

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.latent_dim, generator=generator)


class Discriminator(nn.Module):
    """Spectral-normalised :class:`Encoder` → global average → one logit per patch (no sigmoid)."""

    def __init__(self, widths=DEFAULT_WIDTHS, in_channels: int = 1):
        super().__init__()
        self.encoder = Encoder(in_channels, widths, norm="none", spectral=True)
        self.head = spectral_norm(nn.Linear(self.encoder.widths[-1], 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(x)[-1].mean(dim=(2, 3))
        return self.head(h).squeeze(1)


class PatchGAN(nn.Module):
    """Generator and discriminator together, so one snapshot holds both."""

    def __init__(self, latent_dim: int = 64, patch=(64, 32), widths=DEFAULT_WIDTHS,
                 n_classes: int = 2, in_channels: int = 1):
        super().__init__()
        self.n_classes = n_classes  # accepted for build_model; real/fake is the only output
        self.generator = Generator(latent_dim, patch, widths, in_channels)
        self.discriminator = Discriminator(widths, in_channels)

    @property
    def encoder(self) -> Encoder:
        """The discriminator's body: the part that transfers."""
        return self.discriminator.encoder

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.discriminator(x)


def discriminator_loss(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """BCE on logits: real patches → 1, generated → 0."""
    return (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
            + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))


def generator_loss(d_fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss: make the discriminator call fakes real."""
    return F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
