r"""Learning-rate schedules: $\eta_t$ as a function of the step $t$, and a way to apply one.

Each schedule is a function ``schedule(t) -> eta_t`` for the step $t = 1, 2, \dots$
that uses the rate, built by one of the small factories below. They give the rates of
``torch.optim.lr_scheduler`` when its ``scheduler.step()`` is called once after each
``optimizer.step()`` (its ``last_epoch`` is $t - 1$):

- `step_decay` is ``StepLR``, `exponential` ``ExponentialLR``, `cosine`
  ``CosineAnnealingLR``; `inverse_sqrt` is ``LambdaLR(lambda e: 1 / sqrt(e + 1))``.

An optimizer reads ``hyperparams["lr"]`` at every step, so the rate can change
between steps: `set_lr` changes it (checked), and ``run(..., lr_schedule=...)`` calls it
before each step. Adagrad's own ``lr_decay`` still applies on top of a schedule.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

from ._base import Optimizer
from ._checks import check_number

__all__ = ["cosine", "exponential", "inverse_sqrt", "set_lr", "step_decay"]

Schedule = Callable[[int], float]
_INF = float("inf")


def _check_steps(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"Invalid {name}: {value!r} (expected an int >= 1)")
    return int(value)


def _checked(schedule: Callable[[int], float], name: str) -> Schedule:
    def eta(t: int) -> float:
        _check_steps("t", t)  # steps count from 1, as the optimizers' state "step" does
        return schedule(int(t))

    eta.__name__ = eta.__qualname__ = name
    return eta


# --8<-- [start:schedules]
def step_decay(lr: float, step_size: int, gamma: float = 0.1):
    """``lr * gamma ** ((t - 1) // step_size)``: times `gamma` per `step_size` steps."""
    lr = check_number("lr", lr, 0, _INF)
    gamma = check_number("gamma", gamma, 0, 1, high_open=False)
    k = _check_steps("step_size", step_size)
    return _checked(lambda t: lr * gamma ** ((t - 1) // k), "step_decay")


def exponential(lr: float, gamma: float):
    """``lr * gamma ** (t - 1)``, `0 < gamma <= 1`."""
    lr = check_number("lr", lr, 0, _INF)
    gamma = check_number("gamma", gamma, 0, 1, low_open=True, high_open=False)
    return _checked(lambda t: lr * gamma ** (t - 1), "exponential")


def inverse_sqrt(lr: float):
    r"""$\eta_t = \eta / \sqrt{t}$: Adagrad's own decay when gradients do not vanish."""
    lr = check_number("lr", lr, 0, _INF)
    return _checked(lambda t: lr / math.sqrt(t), "inverse_sqrt")


def cosine(lr: float, t_max: int, eta_min: float = 0.0):
    """``eta_min + (lr - eta_min) * (1 + cos(pi * (t - 1) / t_max)) / 2``.

    It reaches `eta_min` at ``t = t_max + 1`` and then rises again, as torch's
    ``CosineAnnealingLR`` does (the cosine is periodic): pick ``t_max`` >= the steps.
    """
    lr = check_number("lr", lr, 0, _INF)
    eta_min = check_number("eta_min", eta_min, 0, lr, high_open=False)
    t_max = _check_steps("t_max", t_max)

    def eta(t):
        return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * (t - 1) / t_max)) / 2

    return _checked(eta, "cosine")


# --8<-- [end:schedules]


def set_lr(optimizer: Optimizer, lr: float) -> None:
    """Set the learning rate the optimizer's next `step` uses (checked like the constructor's)."""
    optimizer.hyperparams["lr"] = check_number("lr", lr, 0, _INF)
