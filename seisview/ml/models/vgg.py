"""A VGG16-style encoder with a new facies head (transfer learning as in seed 004).

The encoder's layout is torchvision's ``vgg16().features`` (13 3x3
convolutions in five blocks with max pooling), so a torchvision-format state
dict (``features.N.weight``/``bias``) loads unchanged; the grey section is
repeated into three channels. The first ``freeze`` convolutions keep their
weights (default: 4 when ``pretrained`` weights are loaded, else none); a new head on
block ``head_block`` (4 = stride 8) is trained.
``width`` < 1 narrows every layer for CPU experiments (then pretrained files
do not fit and loading one says so).
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn

from seisview.core.errors import SeisviewError
from seisview.ml.models.common import FaciesModel, pad_to_multiple, upsample_to

VGG16_CFG: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG16Facies(FaciesModel):
    def __init__(self, n_classes: int, width: float = 1.0, freeze: int | None = None,
                 head_block: int = 4,
                 dropout: float = 0.5, pretrained: str | None = None):
        super().__init__()
        self.n_classes, self.width = n_classes, width
        layers: list[nn.Module] = []
        c_in, blocks = 3, 0
        for v in VGG16_CFG:
            if isinstance(v, str):  # "M": a max-pool
                blocks += 1
                if blocks >= head_block:
                    break
                layers.append(nn.MaxPool2d(2, 2))
            else:
                c_out = max(4, int(round(v * width)))
                layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True)]
                c_in = c_out
        self.features = nn.Sequential(*layers)
        self.stride = 2 ** (head_block - 1)
        self.context = 2 * self.stride
        self.dropout = nn.Dropout2d(dropout)
        self.head = nn.Sequential(nn.Conv2d(c_in, c_in, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(c_in, n_classes, 1))
        for m in self.modules():  # torchvision's VGG initialisation (deep plain stacks need it)
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        if pretrained:
            load_torchvision_vgg(self, pretrained)
        # freezing only makes sense for learned weights: random frozen filters just hurt
        self.freeze((4 if pretrained else 0) if freeze is None else freeze)

    def freeze(self, n_convs: int) -> None:
        convs = [m for m in self.features if isinstance(m, nn.Conv2d)]
        for i, conv in enumerate(convs):
            for p in conv.parameters():
                p.requires_grad = i >= n_convs

    def named_layers(self):
        out, k = OrderedDict(), 0
        for m in self.features:
            if isinstance(m, nn.Conv2d):
                k += 1
                out[f"conv{k}"] = m
        out["head"] = self.head
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, h, w = pad_to_multiple(x, self.stride)
        logits = self.head(self.dropout(self.features(x.expand(-1, 3, -1, -1))))
        return upsample_to(logits, x.shape[-2:])[..., :h, :w]


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """A state dict from a local ``.safetensors`` or torch file, loaded without running code."""
    path = Path(path)
    if not path.is_file():
        raise SeisviewError(f"pretrained weights file {path} not found", hint="give a local file path")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file
        try:
            return load_file(str(path))
        except Exception as exc:
            raise SeisviewError(f"{path.name} is not a readable safetensors file ({exc})",
                                hint="re-export the weights") from None
    try:
        sd = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise SeisviewError(f"{path.name} cannot be loaded safely ({type(exc).__name__})",
                            hint="only plain tensor state dicts are accepted; "
                                 "convert it to .safetensors") from None
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise SeisviewError(f"{path.name} does not hold a state dict of tensors",
                            hint="save model.state_dict(), not the model")
    return sd


def load_torchvision_vgg(model: VGG16Facies, path: str | Path) -> list[str]:
    """Copy ``features.*`` tensors of a torchvision VGG16 state dict into ``model``; returns
    the loaded names. Shapes must match (``width=1``)."""
    sd = read_state_dict(path)
    own = model.state_dict()
    feats = {k: v for k, v in sd.items() if k.startswith("features.") and k in own}
    if not feats:
        raise SeisviewError(f"{Path(path).name} has no VGG16 'features.N' weights",
                            hint="use a torchvision vgg16 state dict")
    bad = [k for k, v in feats.items() if v.shape != own[k].shape]
    if bad:
        raise SeisviewError(f"pretrained VGG16 weights do not fit this model ({bad[0]}: "
                            f"{tuple(feats[bad[0]].shape)} vs {tuple(own[bad[0]].shape)})",
                            hint="use width=1.0 with ImageNet weights")
    model.load_state_dict(feats, strict=False)
    return sorted(feats)
