"""A small dense U-Net for facies from sparse strokes.

``coarse=True`` (the default) puts the classifier on the deepest level
(1/8 resolution with the default depth 3) and upsamples the logits: measured here, a
full-resolution head trained on a few thin strokes labels reflectors by
their phase instead of layers by their texture (DESIGN.md, "Lessons
measured"). ``coarse=False`` gives the classic full-resolution decoder.
``refine=4`` adds a small residual correction of the coarse logits at 1/4
resolution from the 1/4-level features (zero at the start): the texture decision stays coarse, but a
class boundary can move by less than one coarse cell (measured on thin strokes,
benchmarks/bench_ml.py quality: the coarse head alone puts boundaries 5-10 samples
off, with the textured class bleeding into its neighbour).
``members=2`` makes an ensemble of independently initialised U-Nets: in training each
member learns from its own share of the batch, in prediction their class probabilities
are averaged (a single run on thin strokes varies a lot with its random seed; the average
of two is steadier and better, bench quality). ``envelope=True`` adds the instantaneous
amplitude along time as a second input channel (vertical sections; measured no better).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
from torch import nn

from seisview.ml.models.common import FaciesModel, conv_bn_relu, pad_to_multiple, upsample_to


def envelope(x: torch.Tensor) -> torch.Tensor:
    """Instantaneous amplitude |x + i H(x)| along time (dim -2) of ``(B, 1, H, W)`` sections.

    It does not change under a phase rotation of the input, so the network sees the
    texture (strong / weak / chaotic energy) that random phase rotation hides in the
    amplitudes themselves.
    """
    n = x.shape[-2]
    spec = torch.fft.fft(x.float(), dim=-2)
    h = torch.zeros(n, dtype=spec.real.dtype, device=x.device)
    h[0] = 1
    h[1:(n + 1) // 2] = 2
    if n % 2 == 0:
        h[n // 2] = 1
    return torch.fft.ifft(spec * h[:, None], dim=-2).abs().to(x.dtype)


def double_conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(conv_bn_relu(c_in, c_out), conv_bn_relu(c_out, c_out))


class UNet(FaciesModel):
    def __init__(self, n_classes: int, base: int = 16, depth: int = 3, coarse: bool = True,
                 dropout: float = 0.2, refine: int = 0, envelope: bool = False,
                 members: int = 1):
        super().__init__()
        self.members = None
        if int(members) > 1:  # an ensemble of independently initialised U-Nets
            nets = [UNet(n_classes, base, depth, coarse, dropout, refine, envelope)
                    for _ in range(int(members))]
            self.members = nn.ModuleList(nets)
            one = nets[0]
            self.n_classes, self.depth, self.coarse = n_classes, depth, coarse
            self.stride, self.context = one.stride, one.context
            return
        self.n_classes, self.depth, self.coarse = n_classes, depth, coarse
        self.envelope = bool(envelope)
        c_in = 2 if self.envelope else 1
        self.stride = 2 ** depth if coarse else 1
        self.context = 2 ** depth
        chans = [base * 2 ** i for i in range(depth + 1)]
        # The coarse variant never needs full-resolution features: its first block works at
        # half resolution (a strided 5x5 stem), which makes a training step ~3x cheaper.
        first = (nn.Sequential(conv_bn_relu(c_in, chans[0], 5, 2), conv_bn_relu(chans[0], chans[0]))
                 if coarse else double_conv(c_in, chans[0]))
        self.down = nn.ModuleList([first] +
                                  [double_conv(chans[i], chans[i + 1]) for i in range(depth - coarse)])
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout2d(dropout)
        if coarse:
            self.up = nn.ModuleList()
            self.dec = nn.ModuleList()
            self.head = nn.Conv2d(chans[depth - 1], n_classes, 1)
        else:
            self.up = nn.ModuleList([nn.ConvTranspose2d(chans[i + 1], chans[i], 2, 2)
                                     for i in reversed(range(depth))])
            self.dec = nn.ModuleList([double_conv(2 * chans[i], chans[i])
                                      for i in reversed(range(depth))])
            self.head = nn.Conv2d(chans[0], n_classes, 1)
        self.refine, self.refine_level = None, 0
        if refine:
            level = int(refine).bit_length() - 2  # 1/refine resolution = self.down[level]
            if not coarse or refine != 2 ** (level + 1) or not 0 <= level < depth - 1:
                raise ValueError(f"refine must be 0 or 2, 4, ... < {2 ** depth} with the coarse "
                                 f"head, not {refine!r}")
            # a small correction of the coarse logits from the features at 1/refine
            # resolution, so class boundaries can move by less than one coarse cell
            self.refine_level = level
            c = chans[level]
            last = nn.Conv2d(c, n_classes, 1)
            nn.init.zeros_(last.weight)
            if last.bias is not None:
                nn.init.zeros_(last.bias)
            self.refine = nn.Sequential(nn.Conv2d(c + n_classes, c, 3, padding=1),
                                        nn.ReLU(inplace=True), last)

    @property
    def n_members(self) -> int:
        return len(self.members) if self.members is not None else 1

    def named_layers(self):
        if self.members is not None:  # the first member's layers, under the same names
            return self.members[0].named_layers()
        layers = OrderedDict((f"enc{i}", m) for i, m in enumerate(self.down))
        layers.update((f"dec{i}", m) for i, m in enumerate(self.dec))
        layers["head"] = self.head
        if self.refine is not None:
            layers["refine"] = self.refine
        return layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.members is not None:
            return self._ensemble(x)
        if self.envelope:
            x = torch.cat([x, envelope(x)], 1)
        x, h, w = pad_to_multiple(x, 2 ** self.depth)
        size = x.shape[-2:]
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else self.pool(x))
            skips.append(x)
        x = self.dropout(x)
        if not self.coarse:
            for up, dec, skip in zip(self.up, self.dec, reversed(skips[:-1]), strict=True):
                x = dec(torch.cat([up(x), skip], dim=1))
        logits = self.head(x)
        if self.refine is not None:
            fine = skips[self.refine_level]
            logits = upsample_to(logits, fine.shape[-2:])
            logits = logits + self.refine(torch.cat([fine, logits], 1))
        return upsample_to(logits, size)[..., :h, :w]

    def _ensemble(self, x: torch.Tensor) -> torch.Tensor:
        """Training: sample ``i`` of the batch goes to member ``i % n`` alone, so the batch
        loss is the mean of the members' own losses on their own crops (independent members).
        Evaluation: the log of the members' mean class probabilities (a softmax of it gives
        the ensemble's probabilities)."""
        assert self.members is not None
        n = len(self.members)
        if self.training:
            out = None
            for k, m in enumerate(self.members):
                if k >= x.shape[0]:
                    break
                y = m(x[k::n])
                if out is None:
                    out = y.new_empty((x.shape[0], *y.shape[1:]))
                out[k::n] = y
            assert out is not None  # a batch has at least one sample
            return out
        # in log space: exact for tiny probabilities, and gradients do not vanish where a
        # softmax saturates (the receptive field is measured through this forward)
        logp = torch.stack([torch.log_softmax(m(x).float(), 1) for m in self.members])
        return (torch.logsumexp(logp, 0) - math.log(n)).to(x.dtype)

    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities ``(n, C, H, W)`` in float32 (evaluation): the members' mean for
        an ensemble. Prediction asks for these directly: the ensemble's logits go through a
        log and a softmax again, which took as long as the convolutions on a CPU."""
        if self.members is None:
            return torch.softmax(self(x).float(), 1)
        total = torch.softmax(self.members[0](x).float(), 1)
        for m in self.members[1:]:  # not in place: receptive fields are found by autograd
            total = total + torch.softmax(m(x).float(), 1)
        return total / len(self.members)
