"""The same 7-300-1 network in torch, trained the same way (batch size 1, SGD, lr 0.001).

Starts from the numpy network's weights so the two can be compared step for step;
float64 by default so that the comparison is exact to rounding.
"""

from __future__ import annotations

import numpy as np


class TorchMLP:
    kind = "torch"

    def __init__(self, n_in: int = 7, units: int = 300, seed: int = 0, dtype=None):
        import torch

        from .numpy_net import NumpyMLP

        self.torch = torch
        self.dtype = dtype or torch.float64
        start = NumpyMLP(n_in, units, seed)
        self.model = torch.nn.Sequential(torch.nn.Linear(n_in, units), torch.nn.Sigmoid(),
                                         torch.nn.Linear(units, 1)).to(self.dtype)
        with torch.no_grad():
            self.model[0].weight.copy_(torch.from_numpy(start.W1))
            self.model[0].bias.copy_(torch.from_numpy(start.b1))
            self.model[2].weight.copy_(torch.from_numpy(start.W2[None, :]))
            self.model[2].bias.copy_(torch.from_numpy(start.b2))

    def predict(self, X: np.ndarray) -> np.ndarray:
        with self.torch.no_grad():
            return self.model(self.torch.as_tensor(X, dtype=self.dtype))[:, 0].numpy().astype(float)

    def train_epoch(self, X: np.ndarray, y: np.ndarray, lr: float = 1e-3, order=None, **_) -> float:
        """Per-sample SGD: autograd gives the gradients, the update is p -= lr·grad.

        (``torch.autograd.grad`` plus in-place updates is ~2x faster per sample than
        ``loss.backward()`` + ``torch.optim.SGD``, and computes the same step.)
        """
        torch = self.torch
        params = list(self.model.parameters())
        Xt = torch.as_tensor(X, dtype=self.dtype)
        yt = torch.as_tensor(y, dtype=self.dtype)
        sq = torch.zeros((), dtype=self.dtype)
        for i in range(len(y)) if order is None else order:
            err = self.model(Xt[i])[0] - yt[i]
            loss = 0.5 * err * err  # gradient with respect to the output = err, as in the tutorial
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads, strict=True):
                    p.sub_(g, alpha=lr)
                sq += err * err
        return float(sq) / len(y)
