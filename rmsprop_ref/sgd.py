"""Plain gradient descent, the baseline the adaptive methods are compared with."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._base import Optimizer
from ._checks import check_number

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Gradient descent without momentum: $\theta \leftarrow \theta - \eta\, g$ (``torch.optim.SGD`` defaults aside).

    Parameters
    ----------
    params
        a numpy float array, or a list of them, updated in place by `step`.
    lr
        learning rate $\eta$, `0 <= lr`.
    """

    def __init__(self, params: np.ndarray | Sequence[np.ndarray], lr: float = 1e-2) -> None:
        super().__init__(params, {"lr": check_number("lr", lr, 0, float("inf"))})

    def _update(self, param, grad, state, work, step):
        np.multiply(grad, self.hyperparams["lr"], out=work[0])
        param -= work[0]

    def effective_lr(self) -> list[np.ndarray]:
        """The same rate for every coordinate: ``lr``."""
        return [np.full_like(p, self.hyperparams["lr"]) for p in self.params]
