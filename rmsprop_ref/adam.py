r"""Adam: RMSprop's average of g², an average of g itself, and a bias correction on both.

References: D. Kingma, J. Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015,
arXiv:1412.6980 (the algorithm, bias correction, the $\hat\epsilon$ form); I. Loshchilov,
F. Hutter, *Decoupled Weight Decay Regularization*, ICLR 2019 (AdamW); S. Reddi, S. Kale,
S. Kumar, *On the Convergence of Adam and Beyond*, ICLR 2018 (AMSGrad).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._base import Optimizer
from ._checks import check_bool, check_number

__all__ = ["Adam", "adam_update"]


# --8<-- [start:update]
def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, work, *, lr, betas,
                eps, weight_decay, amsgrad, decoupled_weight_decay, eps_hat,
                step):  # fmt: skip
    r"""One Adam step (the `step`-th, counting from 1), in place, on same-shape arrays.

    $$
    \begin{aligned}
    g &\leftarrow g + \lambda\,\theta \\
    m &\leftarrow \beta_1 m + (1-\beta_1)\, g \\
    v &\leftarrow \beta_2 v + (1-\beta_2)\, g^2 \\
    \hat m &= m / (1-\beta_1^t), \quad \hat v = v / (1-\beta_2^t) \\
    \theta &\leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)
    \end{aligned}
    $$

    where $\theta$ is `param`, $g$ `grad`, $m$ `exp_avg`, $v$ `exp_avg_sq`, $t$ `step`,
    $\eta$ `lr`, $(\beta_1, \beta_2)$ `betas`, $\epsilon$ `eps` and $\lambda$
    `weight_decay`. With `decoupled_weight_decay` (AdamW), $\lambda\theta$ is not added
    to $g$; instead $\theta \leftarrow (1 - \eta\lambda)\,\theta$ first. With `amsgrad`,
    `max_exp_avg_sq` keeps the running maximum of $v$ and replaces $v$ in $\hat v$.
    With `eps_hat` (Keras, TensorFlow), $\epsilon$ is added before $v$ is corrected:
    $\theta \leftarrow \theta - \eta\, c\, m / (\sqrt{v} + \epsilon)$ with
    $c = \sqrt{1-\beta_2^t}/(1-\beta_1^t)$.
    `work` is scratch space of shape `(2, *param.shape)`; `grad` is only read.
    """
    d, g = work
    beta1, beta2 = betas
    if weight_decay and decoupled_weight_decay:
        param *= 1 - lr * weight_decay  # AdamW: shrink θ, the gradient is left alone
        g = grad
    elif weight_decay:
        np.multiply(param, weight_decay, out=g)
        g += grad  # g + λθ: the L2 penalty, normalised below like the gradient
    else:
        g = grad

    exp_avg *= beta1  # m ← β₁m + (1−β₁)g
    np.multiply(g, 1 - beta1, out=d)
    exp_avg += d
    exp_avg_sq *= beta2  # v ← β₂v + (1−β₂)g²
    np.multiply(g, g, out=d)
    d *= 1 - beta2
    exp_avg_sq += d

    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)  # v never shrinks
        v = max_exp_avg_sq
    else:
        v = exp_avg_sq

    # m and v start at 0, so after t steps their weights sum to 1 − β^t, not 1:
    # dividing by it makes m̂, v̂ averages from the first step on.
    correction1 = 1 - beta1**step
    correction2 = 1 - beta2**step
    np.sqrt(v, out=d)
    if eps_hat:
        d += eps  # √v + ε, then both corrections folded into the step size
        step_size = lr * math.sqrt(correction2) / correction1
    else:
        d /= math.sqrt(correction2)  # √v̂ + ε: PyTorch
        d += eps
        step_size = lr / correction1
    np.divide(exp_avg, d, out=d)
    d *= step_size
    param -= d  # θ ← θ − η·m̂/(√v̂ + ε)


# --8<-- [end:update]


class Adam(Optimizer):
    r"""Adam with the arguments, defaults and update of ``torch.optim.Adam`` (torch 2.13).

    The update is [`adam_update`][rmsprop_ref.adam_update]. State per parameter:
    ``exp_avg`` ($m$) and ``exp_avg_sq`` ($v$), zeros at the start, plus
    ``max_exp_avg_sq`` (the running maximum of $v$) with ``amsgrad``. PyTorch's AdamW
    is ``Adam(params, weight_decay=1e-2, decoupled_weight_decay=True)``.

    Parameters
    ----------
    params
        a numpy float array, or a list of them, updated in place by `step`.
    lr
        learning rate $\eta$, `0 <= lr`.
    betas
        $(\beta_1, \beta_2)$, the decays of $m$ and $v$, each `0 <= beta < 1`.
        Keras calls them `beta_1`, `beta_2`; optax `b1`, `b2`.
    eps
        added to $\sqrt{\hat v}$ in the denominator, `0 < eps`. (torch accepts
        `eps=0`, and then turns a coordinate whose gradients have all been 0 into NaN:
        0/0.)
    weight_decay
        $\lambda$, `0 <= weight_decay`: an L2 penalty added to the gradient, or with
        `decoupled_weight_decay` a shrink of $\theta$ by $\eta\lambda$ per step.
    amsgrad
        divide by the running maximum of $v$ (Reddi et al. 2018), so a shrinking
        $v$ cannot raise the effective learning rate; as in PyTorch the maximum is
        still divided by $1-\beta_2^t$, whose growth does raise it.
    decoupled_weight_decay
        `True` gives AdamW (Loshchilov and Hutter 2019).
    eps_hat
        `False` (PyTorch, optax) adds $\epsilon$ to $\sqrt{\hat v}$; `True` adds it to
        $\sqrt{v}$ before the bias correction, as Keras and TensorFlow do (the paper's
        $\hat\epsilon$, end of its section 2). The two agree only as $\epsilon \to 0$.

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.array([1.0, -2.0])
    >>> opt = Adam(theta, lr=0.1)
    >>> opt.step(2 * theta)  # gradient of sum(theta**2)
    >>> theta.round(4)  # first step: m̂ = g, v̂ = g², so each coordinate moves by lr
    array([ 0.9, -1.9])
    """

    state_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        decoupled_weight_decay: bool = False,
        eps_hat: bool = False,
    ) -> None:
        inf = float("inf")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2), each 0 <= beta < 1)")
        hyperparams = {
            "lr": check_number("lr", lr, 0, inf),
            "betas": (check_number("betas[0]", betas[0], 0, 1), check_number("betas[1]", betas[1], 0, 1)),
            "eps": check_number("eps", eps, 0, inf, low_open=True),
            "weight_decay": check_number("weight_decay", weight_decay, 0, inf),
            "amsgrad": check_bool("amsgrad", amsgrad),
            "decoupled_weight_decay": check_bool("decoupled_weight_decay", decoupled_weight_decay),
            "eps_hat": check_bool("eps_hat", eps_hat),
        }
        super().__init__(params, hyperparams)

    def active_state_names(self) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq") + ("max_exp_avg_sq",) * self.hyperparams["amsgrad"]

    def effective_lr(self) -> list[np.ndarray]:
        r"""Per-coordinate effective learning rate $\eta / (\sqrt{\hat v_t} + \epsilon)$, from the current state.

        It is the factor by which the last step, step $t$ (`step_count`), multiplied
        $\hat m_t$: that step moved each coordinate by the rate times $\hat m_t$ (plus, with
        `decoupled_weight_decay`, the separate shrink by $\eta\lambda\theta$, which is not
        part of the rate). $\eta$ is the current ``lr``; $\hat v_t = v_t / (1-\beta_2^t)$.

        - With `amsgrad`, the running maximum of $v$ replaces $v$, as in the step.
        - With `eps_hat`, the step divides by $\sqrt{v_t} + \epsilon$ before the
          correction, so the rate is $\eta\sqrt{1-\beta_2^t}/(\sqrt{v_t}+\epsilon)$
          $= \eta/(\sqrt{\hat v_t} + \epsilon/\sqrt{1-\beta_2^t})$: early on its
          $\epsilon$ acts much larger than torch's.
        - Before the first step ($t = 0$) there is no gradient to correct: $\hat v$ is
          taken as 0, so the rate is $\eta/\epsilon$, as RMSprop's is from its zero state.
        """
        h = self.hyperparams
        t = self.step_count
        correction2 = 1 - h["betas"][1] ** t if t else 1.0  # t = 0: v = 0, and v̂ is taken as 0
        out = []
        for s in self.state:
            v = s["max_exp_avg_sq"] if h["amsgrad"] else s["exp_avg_sq"]
            if h["eps_hat"]:
                out.append(h["lr"] * math.sqrt(correction2) / (np.sqrt(v) + h["eps"]))
            else:
                out.append(h["lr"] / (np.sqrt(v) / math.sqrt(correction2) + h["eps"]))
        return out

    def _update(self, param, grad, state, work, step):
        adam_update(param, grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"), work,
                    step=step, **self.hyperparams)  # fmt: skip
