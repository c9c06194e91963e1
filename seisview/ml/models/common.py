"""Small pieces shared by the facies models."""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn_relu(c_in: int, c_out: int, k: int = 3, stride: int = 1, padding: int | None = None):
    pad = k // 2 if padding is None else padding
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, stride, pad, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def upsample_to(logits: torch.Tensor, size: tuple[int, int] | torch.Size) -> torch.Tensor:
    if tuple(logits.shape[-2:]) == tuple(size):
        return logits
    return F.interpolate(logits, size=size, mode="bilinear", align_corners=False)


def pad_to_multiple(x: torch.Tensor, m: int, mode: str = "reflect") -> tuple[torch.Tensor, int, int]:
    """Pad H and W up to a multiple of ``m`` (bottom/right); returns the padded tensor and
    the original H, W so the caller can crop back."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    if ph or pw:
        # reflect needs pad < size; fall back to replicate for tiny inputs
        mode = mode if (ph < h and pw < w) else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, h, w


class FaciesModel(nn.Module):
    """Base class: ``forward(x) -> logits (B, C, H, W)``, ``named_layers()``, ``context``."""

    context: int = 0
    stride: int = 1  # resolution of the logits before upsampling

    def named_layers(self) -> OrderedDict[str, nn.Module]:
        raise NotImplementedError
