r"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients.

Reference: J. Duchi, E. Hazan, Y. Singer, *Adaptive Subgradient Methods for Online
Learning and Stochastic Optimization*, JMLR 12:2121-2159, 2011.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._base import Optimizer, denominator
from ._checks import check_bool, check_number

__all__ = ["Adagrad", "adagrad_update"]


# --8<-- [start:update]
def adagrad_update(param, grad, sum_sq, work, *,
                   lr, lr_decay, weight_decay, eps, eps_in_sqrt, step):  # fmt: skip
    r"""One Adagrad step (the `step`-th, counting from 1), in place.

    $$
    \begin{aligned}
    \eta_t &= \eta / \bigl(1 + (t - 1)\,\delta\bigr) \\
    g &\leftarrow g + \lambda\,\theta \\
    s &\leftarrow s + g^2 \\
    \theta &\leftarrow \theta - \eta_t\, g / (\sqrt{s} + \epsilon)
    \end{aligned}
    $$

    where $\theta$ is `param`, $g$ `grad`, $s$ `sum_sq` (it starts at
    `initial_accumulator_value`), $t$ `step`, $\eta$ `lr`, $\delta$ `lr_decay`,
    $\lambda$ `weight_decay` and $\epsilon$ `eps`. With `eps_in_sqrt`, $\epsilon$ moves
    inside the root: $\sqrt{s + \epsilon}$. `work` is scratch space of shape
    `(2, *param.shape)`; `grad` is only read.
    """
    d, g = work
    if weight_decay:
        np.multiply(param, weight_decay, out=g)
        g += grad  # g + λθ
    else:
        g = grad

    np.multiply(g, g, out=d)  # s ← s + g²: it only grows, so the step only shrinks
    sum_sq += d

    if eps_in_sqrt:
        np.add(sum_sq, eps, out=d)  # d = sqrt(s + ε): Keras, optax
        np.sqrt(d, out=d)
    else:
        np.sqrt(sum_sq, out=d)  # d = sqrt(s) + ε: PyTorch
        d += eps

    np.divide(g, d, out=d)
    d *= lr / (1 + (step - 1) * lr_decay)
    param -= d  # θ ← θ − η̃·g/d


# --8<-- [end:update]


class Adagrad(Optimizer):
    r"""Adagrad with the arguments, defaults and update of ``torch.optim.Adagrad``.

    The update is [`adagrad_update`][rmsprop_ref.adagrad_update]. State per parameter: ``sum_sq`` ($s$, the
    sum of squared gradients; PyTorch calls it ``sum``), starting at
    ``initial_accumulator_value``.

    Parameters
    ----------
    params
        a numpy float array, or a list of them, updated in place by `step`.
    lr
        learning rate $\eta$, `0 <= lr`.
    lr_decay
        $\delta$ in $\eta/(1 + (t-1)\delta)$, `0 <= lr_decay`.
    weight_decay
        L2 penalty $\lambda$ added to the gradient, `0 <= weight_decay`.
    initial_accumulator_value
        start of $s$, `0 <= value`; PyTorch uses 0,
        Keras and optax 0.1.
    eps
        added to the denominator, `0 < eps`.
    eps_in_sqrt
        `False` (PyTorch) gives $\sqrt{s} + \epsilon$; `True` gives
        $\sqrt{s + \epsilon}$ as Keras and optax do.
    lazy
        `True` leaves every coordinate whose gradient is exactly 0 untouched, $\theta$
        and $s$ alike, as PyTorch does for a sparse gradient (rows an embedding did not
        look up). Without weight decay this changes nothing (a zero gradient adds
        nothing to $s$ and moves nothing); with it, those coordinates are not decayed.

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.array([1.0, -2.0])
    >>> opt = Adagrad(theta, lr=0.1)
    >>> opt.step(2 * theta)  # gradient of sum(theta**2)
    >>> theta.round(4)  # first step: lr * g / |g| = lr * sign(g)
    array([ 0.9, -1.9])
    """

    state_names = ("sum_sq",)

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        eps_in_sqrt: bool = False,
        lazy: bool = False,
    ) -> None:
        inf = float("inf")
        hyperparams = {
            "lr": check_number("lr", lr, 0, inf),
            "lr_decay": check_number("lr_decay", lr_decay, 0, inf),
            "weight_decay": check_number("weight_decay", weight_decay, 0, inf),
            "initial_accumulator_value": check_number("initial_accumulator_value", initial_accumulator_value, 0, inf),
            "eps": check_number("eps", eps, 0, inf, low_open=True),
            "eps_in_sqrt": check_bool("eps_in_sqrt", eps_in_sqrt),
            "lazy": check_bool("lazy", lazy),
        }
        super().__init__(params, hyperparams)

    def _initial_state(self, name: str, param: np.ndarray) -> np.ndarray:
        return np.full_like(param, self.hyperparams["initial_accumulator_value"], order="C")

    def _update(self, param, grad, state, work, step):
        h = {k: v for k, v in self.hyperparams.items() if k not in ("initial_accumulator_value", "lazy")}
        if not self.hyperparams["lazy"]:
            adagrad_update(param, grad, state["sum_sq"], work, step=step, **h)
            return
        # Lazy: only coordinates with a nonzero gradient are updated, by the same function
        # on gathered copies, so their arithmetic is exactly the dense one. The others keep
        # θ and s as they were; only weight decay (λθ in g) makes that differ from dense.
        hit = grad != 0  # a mask, not flat indices: a strided param has no flat view
        p, s = param[hit], state["sum_sq"][hit]
        adagrad_update(p, grad[hit], s, np.empty((2, p.size), dtype=param.dtype), step=step, **h)
        param[hit] = p
        state["sum_sq"][hit] = s

    def effective_lr(self) -> list[np.ndarray]:
        r"""Per-coordinate effective learning rate $\eta_t / (\sqrt{s} + \epsilon)$ from the current state.

        $\eta_t$ is the learning rate after `lr_decay` for the next step; the rate is computed
        before the next gradient is added to $s$.
        """
        h = self.hyperparams
        clr = h["lr"] / (1 + self.step_count * h["lr_decay"])
        return [clr / denominator(s["sum_sq"], h["eps"], h["eps_in_sqrt"]) for s in self.state]
