r"""RMSprop: divide the gradient by a running root-mean-square of its recent values.

References: T. Tieleman and G. Hinton, *Lecture 6.5 - rmsprop*, COURSERA: Neural
Networks for Machine Learning, 2012 (the algorithm); A. Graves, *Generating
Sequences With Recurrent Neural Networks*, arXiv:1308.0850, 2013 (centered).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import numpy as np

from ._base import Optimizer, denominator
from ._checks import check_bool, check_number

__all__ = ["RMSprop", "rmsprop_update"]


# --8<-- [start:update]
def rmsprop_update(param, grad, square_avg, grad_avg, momentum_buffer, work, *,
                   lr, alpha, eps, weight_decay, momentum, centered,
                   eps_in_sqrt):  # fmt: skip
    r"""One RMSprop step, in place, on arrays of one shape.

    $$
    \begin{aligned}
    g &\leftarrow g + \lambda\,\theta \\
    v &\leftarrow \alpha\, v + (1-\alpha)\, g^2 \\
    \bar g &\leftarrow \alpha\, \bar g + (1-\alpha)\, g \\
    b &\leftarrow \mu\, b + g \,/\, \bigl(\sqrt{v - \bar g^2} + \epsilon\bigr) \\
    \theta &\leftarrow \theta - \eta\, b
    \end{aligned}
    $$

    where $\theta$ is `param`, $g$ `grad`, $v$ `square_avg`, $\bar g$ `grad_avg`,
    $b$ `momentum_buffer`, $\eta$ `lr`, $\alpha$ `alpha`, $\epsilon$ `eps`,
    $\lambda$ `weight_decay` and $\mu$ `momentum`. Without `centered`, $\bar g$ is not
    kept and the denominator is $\sqrt{v} + \epsilon$; without momentum,
    $\theta \leftarrow \theta - \eta\, g/(\sqrt{v} + \epsilon)$; with `eps_in_sqrt`,
    $\epsilon$ moves inside the root, $\sqrt{v + \epsilon}$. Rounding can make
    $v - \bar g^2$ negative; it is clamped at 0, so the denominator is then $\epsilon$
    ($\sqrt{\epsilon}$ with `eps_in_sqrt`).
    `work` is scratch space of shape `(2, *param.shape)`; `grad` is only read.
    """
    d, g = work
    if weight_decay:
        np.multiply(param, weight_decay, out=g)
        g += grad  # g + λθ: L2 penalty folded into the gradient
    else:
        g = grad

    square_avg *= alpha  # v ← αv + (1−α)g²
    np.multiply(g, g, out=d)
    d *= 1 - alpha
    square_avg += d

    if centered:
        grad_avg *= alpha  # ḡ ← αḡ + (1−α)g
        np.multiply(g, 1 - alpha, out=d)
        grad_avg += d
        np.multiply(grad_avg, grad_avg, out=d)
        np.subtract(square_avg, d, out=d)  # v − ḡ², a variance: ≥ 0 up to rounding,
        np.maximum(d, 0, out=d)  # so clamp rounding's tiny negatives instead of NaN
        v = d
    else:
        v = square_avg

    if eps_in_sqrt:
        np.add(v, eps, out=d)  # d = sqrt(v + ε): Keras, optax
        np.sqrt(d, out=d)
    else:
        np.sqrt(v, out=d)  # d = sqrt(v) + ε: PyTorch
        d += eps

    np.divide(g, d, out=d)  # g / d
    if momentum:
        momentum_buffer *= momentum  # b ← μb + g/d
        momentum_buffer += d
        np.multiply(momentum_buffer, lr, out=d)
    else:
        d *= lr
    param -= d  # θ ← θ − η·(g/d or b)


# --8<-- [end:update]


# A parameter of at least this many elements is updated by the compiled copy of
# rmsprop_update when numba is installed (rmsprop_ref/_compiled.py). The compiled step was
# faster at every size measured (float32, 2026-12-03, loaded 2-core machine: 0.026
# against 0.040 ms at n = 64, 0.052 against 0.113 at 2**16, 0.40-0.48 against 1.3-1.8
# at 1e6), but its first use costs 0.3-0.5 s once per process (importing numba 0.2-0.3 s,
# loading the cached kernel 0.15-0.3 s; compiling it, once per dtype and set of arrays,
# 0.2-0.5 s more; docs/performance.md). Below 2**16 the numpy step costs little more than its fixed per-call cost, so
# toy problems and most tests keep the numpy path and never import numba.
COMPILED_MIN_SIZE = 2**16


@functools.cache
def _compiled_module():
    """rmsprop_ref._compiled, imported on the first step that can use it, or None without numba
    (optional: the numpy path is the reference, and gives the same results)."""
    from . import _compiled

    return _compiled if _compiled.rmsprop_kernel is not None else None


def compiled_enabled() -> bool:
    """False when the environment variable ``RMSPROP_REF_COMPILED`` is ``0`` (read at each step)."""
    return os.environ.get("RMSPROP_REF_COMPILED", "1").strip().lower() not in ("0", "false", "no", "off")


class RMSprop(Optimizer):
    r"""RMSprop with the arguments, defaults and update of ``torch.optim.RMSprop``.

    The update is [`rmsprop_update`][rmsprop_ref.rmsprop_update]. State per parameter: ``square_avg``
    ($v$, zeros at the start), plus ``grad_avg`` ($\bar g$) when ``centered`` and
    ``momentum_buffer`` ($b$) when ``momentum > 0``.

    With numba installed (``pip install -e ".[fast]"`` from a clone), `step` updates a
    float32 or float64 C-contiguous parameter of at least 65536 elements with a compiled
    copy of `rmsprop_update` that makes one pass over the arrays instead of about nine;
    its results are bit-identical but for the sign of a NaN (tested for every option).
    It reports no floating-point errors: where the numpy path warns on overflow or an
    invalid operation, it is silent. Under ``np.errstate(...="raise")`` every step takes
    the numpy path, which raises and leaves parameters and state as they were. With
    the environment variable ``RMSPROP_REF_COMPILED=0`` every step takes the numpy path
    (read at each step), as it does without numba.

    Parameters
    ----------
    params
        a numpy float array, or a list of them, updated in place by `step`.
    lr
        learning rate $\eta$, `0 <= lr`.
    alpha
        $\alpha$, the decay of $v$ (and of $\bar g$), `0 <= alpha < 1`.
        Keras calls it `rho`, optax `decay`; Tieleman and Hinton used 0.9.
    eps
        added to the denominator, `0 < eps`.
    weight_decay
        L2 penalty $\lambda$ added to the gradient, `0 <= weight_decay`.
    momentum
        $\mu$, `0 <= momentum < 1`; PyTorch's convention (the learning
        rate multiplies the buffer, it is not inside it).
    centered
        divide by an estimate of the gradient's standard deviation,
        $\sqrt{v - \bar g^2}$, instead of its root mean square (Graves 2013).
    eps_in_sqrt
        `False` (PyTorch) gives $\sqrt{v} + \epsilon$; `True` gives
        $\sqrt{v + \epsilon}$ as Keras and optax do.

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.array([1.0, -2.0])
    >>> opt = RMSprop(theta, lr=0.01)
    >>> opt.step(2 * theta)  # gradient of sum(theta**2)
    >>> theta.round(4)  # each coordinate moved by lr/sqrt(1 - alpha) = 0.1
    array([ 0.9, -1.9])
    """

    state_names = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        eps_in_sqrt: bool = False,
    ) -> None:
        inf = float("inf")
        hyperparams = {
            "lr": check_number("lr", lr, 0, inf),
            "alpha": check_number("alpha", alpha, 0, 1),
            "eps": check_number("eps", eps, 0, inf, low_open=True),
            "weight_decay": check_number("weight_decay", weight_decay, 0, inf),
            "momentum": check_number("momentum", momentum, 0, 1),
            "centered": check_bool("centered", centered),
            "eps_in_sqrt": check_bool("eps_in_sqrt", eps_in_sqrt),
        }
        super().__init__(params, hyperparams)

    def active_state_names(self) -> tuple[str, ...]:
        h = self.hyperparams
        return ("square_avg",) + ("grad_avg",) * h["centered"] + ("momentum_buffer",) * (h["momentum"] > 0)

    def _update(self, param, grad, state, work, step):
        rmsprop_update(param, grad, state["square_avg"], state.get("grad_avg"), state.get("momentum_buffer"), work,
                       **self.hyperparams)  # fmt: skip

    def _compiled_update(self, arrays, names):
        param, grad = arrays[:2]
        if (
            param.size < COMPILED_MIN_SIZE
            or param.dtype not in (np.float32, np.float64)
            or not param.flags.c_contiguous
            or not compiled_enabled()
            or type(self)._update is not RMSprop._update  # a subclass with its own update keeps it
            # The loop reads and writes element by element; the numpy path reads a whole
            # block of the gradient first, so a gradient overlapping the arrays it writes
            # is left to it.
            or any(np.may_share_memory(grad, a) for i, a in enumerate(arrays) if i != 1)
        ):
            return None
        compiled = _compiled_module()
        if compiled is None:
            return None
        scalars = compiled.scalars(param.dtype, self.hyperparams)
        if scalars is None:  # a hyperparameter numpy would not round to param's dtype
            return None
        kernel = compiled.rmsprop_kernel

        def update(p, g, *state):
            s = dict(zip(names, state))  # a state array that is not kept is None: its branch is not compiled
            kernel(p, g, s["square_avg"], s.get("grad_avg"), s.get("momentum_buffer"), *scalars)

        return update

    def effective_lr(self) -> list[np.ndarray]:
        """Per-coordinate effective learning rate $\\eta / (\\sqrt{v} + \\epsilon)$, from the current state.

        It is the factor the next gradient would be scaled by (for plots; it ignores the change
        the next gradient makes to $v$; with `centered`, $v - \\bar g^2$ replaces $v$).
        """
        h = self.hyperparams
        out = []
        for s in self.state:
            v = s["square_avg"] - (s["grad_avg"] ** 2 if h["centered"] else 0)
            out.append(h["lr"] / denominator(np.maximum(v, 0), h["eps"], h["eps_in_sqrt"]))
        return out
