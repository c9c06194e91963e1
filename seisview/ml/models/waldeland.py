"""The Waldeland et al. patch CNN in 2-D, applied fully convolutionally.

The network classifies the centre of a 65 x 65 patch: four 5 x 5 "valid"
convolutions (three with stride 2) with batch norm and ReLU, dropout, and a
1 x 1 classifier. Because every layer is a convolution, running it once on a
whole zero-padded section gives, at every 8th pixel, exactly the logits the
per-patch network would give for the patch centred there (zero-padded at the
borders as in the seed); the logits in between are interpolated bilinearly.
That is the dense path users wait on; :meth:`forward_patches` is the per-patch
reference used by benchmarks and tests.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from seisview.ml.models.common import FaciesModel

PATCH = 65
HALF = PATCH // 2  # 32


class WaldelandCNN(FaciesModel):
    context = HALF
    stride = 8

    def __init__(self, n_classes: int, channels: int = 50, dropout: float = 0.3):
        super().__init__()
        self.n_classes = n_classes

        def block(c_in, c_out, stride):
            return nn.Sequential(nn.Conv2d(c_in, c_out, 5, stride, 0, bias=False),
                                 nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))

        self.conv1 = block(1, channels, 2)          # 65 -> 31
        self.conv2 = block(channels, channels, 2)   # 31 -> 14
        self.conv3 = block(channels, channels, 2)   # 14 -> 5
        self.conv4 = block(channels, channels, 1)   # 5 -> 1 (the "fully connected" layer)
        self.dropout = nn.Dropout2d(dropout)
        self.classifier = nn.Conv2d(channels, n_classes, 1)

    def named_layers(self):
        return OrderedDict(conv1=self.conv1, conv2=self.conv2, conv3=self.conv3,
                           conv4=self.conv4, classifier=self.classifier)

    def grid_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits at pixels (8i, 8j) of ``x`` (``x`` zero-padded by 32 inside)."""
        x = F.pad(x, (HALF, HALF + 7, HALF, HALF + 7))  # +7 so the last grid row covers the edge
        for layer in (self.conv1, self.conv2, self.conv3, self.conv4):
            x = layer(x)
        return self.classifier(self.dropout(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        g = self.grid_logits(x)
        # grid node k sits on pixel 8k: interpolate with align_corners over 8(n-1)+1 pixels
        gh, gw = g.shape[-2:]
        full = F.interpolate(g, size=(8 * (gh - 1) + 1, 8 * (gw - 1) + 1), mode="bilinear",
                             align_corners=True)
        return full[..., :h, :w]

    def forward_patches(self, patches: torch.Tensor) -> torch.Tensor:
        """Per-patch reference: ``(N, 1, 65, 65)`` -> logits ``(N, C)`` for the centre pixels."""
        x = patches
        for layer in (self.conv1, self.conv2, self.conv3, self.conv4):
            x = layer(x)
        return self.classifier(self.dropout(x))[:, :, 0, 0]


def extract_patches(section: torch.Tensor, rows, cols) -> torch.Tensor:
    """Zero-padded 65 x 65 patches of a ``(H, W)`` tensor centred on (rows[i], cols[i])."""
    padded = F.pad(section[None, None], (HALF, HALF, HALF, HALF))[0, 0]
    out = torch.stack([padded[r:r + PATCH, c:c + PATCH] for r, c in zip(rows, cols, strict=True)])
    return out[:, None]
