"""Run an optimizer on a gradient for N steps and keep the whole trajectory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._base import Optimizer
from .schedules import set_lr

__all__ = ["run"]


def run(
    optimizer: type[Optimizer],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    steps: int,
    *,
    lr_schedule: Callable[[int], float] | None = None,
    **hyperparams: Any,
) -> np.ndarray:
    r"""Apply ``optimizer(x, **hyperparams)`` for `steps` steps from `x0`.

    Parameters
    ----------
    optimizer
        an optimizer class, e.g. [`RMSprop`][rmsprop_ref.RMSprop].
    grad
        the gradient function, ``grad(x) -> array`` of the shape of `x`.
    x0
        the start point $\theta_0$ (copied; not modified).
    steps
        number of steps, `>= 0`.
    lr_schedule
        optional ``lr_schedule(t) -> eta_t``, set as the learning rate before step `t`
        (1-based), e.g. ``inverse_sqrt(1.0)`` from `rmsprop_ref.schedules`.
    **hyperparams
        passed to the optimizer (``lr=...``, ``alpha=...``).

    Returns
    -------
    numpy.ndarray
        The trajectory: row $t$ is $\theta_t$, the parameters after $t$ steps; a float64
        array of shape ``(steps + 1, dim)``.

    Examples
    --------
    >>> from rmsprop_ref import RMSprop, quadratic
    >>> path = run(RMSprop, quadratic.grad, quadratic.start, 30, lr=0.1, alpha=0.9)
    >>> path.shape
    (31, 2)
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"Invalid steps: {steps!r} (expected an int >= 0)")
    x = np.array(x0, dtype=np.float64).reshape(-1)  # a copy: the caller's start point stays put
    opt = optimizer(x, **hyperparams)
    path = np.empty((steps + 1, x.size))
    path[0] = x
    for t in range(1, steps + 1):
        if lr_schedule is not None:
            set_lr(opt, lr_schedule(t))
        opt.step(np.asarray(grad(x), dtype=np.float64).reshape(x.shape))
        path[t] = x
    return path
