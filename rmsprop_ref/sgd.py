r"""Gradient descent, with or without (heavy-ball or Nesterov) momentum: the baseline the
adaptive methods are compared with.

References: B. T. Polyak, *Some methods of speeding up the convergence of iteration
methods*, USSR Computational Mathematics and Mathematical Physics 4(5):1-17, 1964 (heavy
ball); I. Sutskever, J. Martens, G. Dahl, G. Hinton, *On the importance of initialization
and momentum in deep learning*, ICML 2013 (the Nesterov form PyTorch uses).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._base import Optimizer
from ._checks import check_bool, check_number

__all__ = ["SGD", "sgd_update"]


# --8<-- [start:update]
def sgd_update(param, grad, momentum_buffer, work, *, lr, momentum, dampening,
               weight_decay, nesterov, step):  # fmt: skip
    r"""One SGD step (the `step`-th, counting from 1), in place, on arrays of one shape.

    $$
    \begin{aligned}
    g &\leftarrow g + \lambda\,\theta \\
    b &\leftarrow \mu\, b + (1-\tau)\, g \qquad (b \leftarrow g \text{ at step } 1) \\
    \theta &\leftarrow \theta - \eta\, b \qquad
        \bigl(\text{Nesterov: } \theta \leftarrow \theta - \eta\,(g + \mu\, b)\bigr)
    \end{aligned}
    $$

    where $\theta$ is `param`, $g$ `grad`, $b$ `momentum_buffer`, $\eta$ `lr`,
    $\mu$ `momentum`, $\tau$ `dampening` and $\lambda$ `weight_decay`. Without momentum
    ($\mu = 0$) there is no buffer and $\theta \leftarrow \theta - \eta\, g$. As in
    PyTorch, the first step copies $g$ into $b$ undamped, so with $\mu > 0$ the first
    step is always $\eta\, g$ (Nesterov: $(1 + \mu)\,\eta\, g$).
    `work` is scratch space of shape `(2, *param.shape)`; `grad` is only read.
    """
    d, g = work
    if weight_decay:
        np.multiply(param, weight_decay, out=g)
        g += grad  # g + λθ: L2 penalty folded into the gradient
    else:
        g = grad

    if momentum:
        if step == 1:
            momentum_buffer[...] = g  # torch starts the buffer at g itself, not (1−τ)g
        else:
            momentum_buffer *= momentum  # b ← μb + (1−τ)g
            if dampening:
                np.multiply(g, 1 - dampening, out=d)
                momentum_buffer += d
            else:
                momentum_buffer += g
        if nesterov:
            np.multiply(momentum_buffer, momentum, out=d)  # g + μb: the step looks one buffer ahead
            d += g
        else:
            d[...] = momentum_buffer
        d *= lr
    else:
        np.multiply(g, lr, out=d)
    param -= d  # θ ← θ − η·(g, b or g + μb)


# --8<-- [end:update]


class SGD(Optimizer):
    r"""SGD with the arguments, defaults and update of ``torch.optim.SGD`` (torch 2.13).

    The update is [`sgd_update`][rmsprop_ref.sgd_update]. State per parameter:
    ``momentum_buffer`` ($b$) when ``momentum > 0``, set to the first gradient at step 1.

    Parameters
    ----------
    params
        a numpy float array, or a list of them, updated in place by `step`.
    lr
        learning rate $\eta$, `0 <= lr`; PyTorch's default 1e-3.
    momentum
        $\mu$, `0 <= momentum < 1`; PyTorch's convention (the learning rate multiplies
        the buffer, it is not inside it). torch accepts `momentum >= 1` too; then no
        quadratic is ever minimised (the heavy ball's two eigenvalues per coordinate
        multiply to $\mu$, `dynamics.heavy_ball_eigenvalues`), so it is refused here.
    dampening
        $\tau$, the share of each new gradient left out of the buffer,
        `0 <= dampening <= 1`. torch accepts any value; outside [0, 1] a new gradient
        would enter the buffer with a negative or more than full weight.
    weight_decay
        L2 penalty $\lambda$ added to the gradient, `0 <= weight_decay`.
    nesterov
        Nesterov momentum in PyTorch's form (step along $g + \mu b$); as in PyTorch it
        needs `momentum > 0` and `dampening == 0`.

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.array([1.0, -2.0])
    >>> opt = SGD(theta, lr=0.1, momentum=0.9)
    >>> opt.step(2 * theta)  # gradient of sum(theta**2); the buffer starts at it
    >>> theta.round(4)
    array([ 0.8, -1.6])
    >>> opt.step(2 * theta)  # b = 0.9 * b + g = 0.9 * (2, -4) + (1.6, -3.2)
    >>> theta.round(4)
    array([ 0.46, -0.92])
    """

    state_names = ("momentum_buffer",)

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
    ) -> None:
        inf = float("inf")
        hyperparams = {
            "lr": check_number("lr", lr, 0, inf),
            "momentum": check_number("momentum", momentum, 0, 1),
            "dampening": check_number("dampening", dampening, 0, 1, high_open=False),
            "weight_decay": check_number("weight_decay", weight_decay, 0, inf),
            "nesterov": check_bool("nesterov", nesterov),
        }
        if hyperparams["nesterov"] and (hyperparams["momentum"] <= 0 or hyperparams["dampening"] != 0):
            raise ValueError(
                f"Invalid nesterov: True needs momentum > 0 and dampening = 0 "
                f"(got momentum={momentum!r}, dampening={dampening!r}); PyTorch refuses it too"
            )
        super().__init__(params, hyperparams)

    def active_state_names(self) -> tuple[str, ...]:
        return ("momentum_buffer",) * (self.hyperparams["momentum"] > 0)

    def _update(self, param, grad, state, work, step):
        sgd_update(param, grad, state.get("momentum_buffer"), work, step=step, **self.hyperparams)

    def effective_lr(self) -> list[np.ndarray]:
        """The same rate for every coordinate: ``lr`` (momentum aside)."""
        return [np.full_like(p, self.hyperparams["lr"]) for p in self.params]
