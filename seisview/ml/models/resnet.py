"""A ResNet-style encoder (basic residual blocks, ResNet-18 layout) with a facies head."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from seisview.ml.models.common import FaciesModel, pad_to_multiple, upsample_to


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True), nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c_out))
        self.skip = (nn.Identity() if stride == 1 and c_in == c_out else
                     nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                   nn.BatchNorm2d(c_out)))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.skip(x))


class ResNetFacies(FaciesModel):
    def __init__(self, n_classes: int, base: int = 32, blocks: tuple[int, ...] = (2, 2, 2, 2),
                 dropout: float = 0.3):
        super().__init__()
        self.n_classes = n_classes
        self.stem = nn.Sequential(nn.Conv2d(1, base, 5, 2, 2, bias=False), nn.BatchNorm2d(base),
                                  nn.ReLU(inplace=True))
        stages, c = [], base
        for i, n in enumerate(blocks):
            c_out = base * 2 ** i
            stride = 1 if i == 0 else 2
            stages.append(nn.Sequential(*[BasicBlock(c if j == 0 else c_out, c_out,
                                                     stride if j == 0 else 1) for j in range(n)]))
            c = c_out
        self.stages = nn.ModuleList(stages)
        self.stride = 2 ** len(blocks)
        self.context = 2 * self.stride
        self.dropout = nn.Dropout2d(dropout)
        self.head = nn.Conv2d(c, n_classes, 1)

    def named_layers(self):
        out = OrderedDict(stem=self.stem)
        out.update((f"stage{i + 1}", s) for i, s in enumerate(self.stages))
        out["head"] = self.head
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, h, w = pad_to_multiple(x, self.stride)
        y = self.stem(x)
        for s in self.stages:
            y = s(y)
        return upsample_to(self.head(self.dropout(y)), x.shape[-2:])[..., :h, :w]
