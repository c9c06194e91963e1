"""The tutorial's network written out in numpy: 7 inputs, 300 sigmoid units, 1 linear output.

Training is per-sample gradient descent on ½(ŷ − y)², exactly the tutorial's loop:
forward one sample, update the output layer, then the hidden layer. The tutorial
computes the hidden error with the output weights *already updated*
(``w2_first=True``); ``w2_first=False`` uses the weights before the update, which
is what autograd (and :mod:`torch_net`) does.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class NumpyMLP:
    kind = "numpy"

    def __init__(self, n_in: int = 7, units: int = 300, seed: int = 0):
        rs = np.random.RandomState(seed)  # 0.1·randn weights, zero biases, as the tutorial
        self.W1 = 0.1 * rs.randn(units, n_in)
        self.b1 = np.zeros(units)
        self.W2 = 0.1 * rs.randn(units)
        self.b2 = np.zeros(1)

    def params(self) -> dict[str, np.ndarray]:
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    def predict(self, X: np.ndarray) -> np.ndarray:
        return sigmoid(X @ self.W1.T + self.b1) @ self.W2 + self.b2[0]

    def train_epoch(self, X: np.ndarray, y: np.ndarray, lr: float = 1e-3, w2_first: bool = True,
                    order: np.ndarray | None = None) -> float:
        """One pass of per-sample updates; returns the mean squared error seen during the pass."""
        W1, b1, W2, b2 = self.W1, self.b1, self.W2, self.b2
        hidden_err = np.empty_like(b1)
        sq = 0.0
        for i in range(len(y)) if order is None else order:
            xi = X[i]
            a1 = sigmoid(W1 @ xi + b1)
            err = float(W2 @ a1 + b2[0]) - y[i]
            sq += err * err
            deriv = a1 * (1.0 - a1)
            if not w2_first:
                np.multiply(deriv, W2, out=hidden_err)
            W2 -= (lr * err) * a1
            b2 -= lr * err
            if w2_first:
                np.multiply(deriv, W2, out=hidden_err)
            hidden_err *= err
            W1 -= lr * np.outer(hidden_err, xi)
            b1 -= lr * hidden_err
        return sq / len(y)
