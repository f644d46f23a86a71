"""SGD, Adagrad and RMSprop side by side on the test problems, with one table of settings."""

from __future__ import annotations

import numpy as np

from .adagrad import Adagrad
from .problems import Problem
from .rmsprop import RMSprop
from .run import run
from .sgd import SGD

__all__ = ["OPTIMIZERS", "SETTINGS", "distances", "steps_to_tolerance"]

OPTIMIZERS = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop}

#: The source article's settings on the quadratic, shared by every page so results compare.
ARTICLE = {"lr": 1.0, "alpha": 0.9, "steps": 30}

#: Hyperparameters per problem and optimizer. Each learning rate was picked from a
#: coarse grid (1e-4 ... 2) as the fastest to reach 1e-2 of the minimum in 5000
#: steps, so that no method is shown at a bad setting. RMSprop with a constant
#: rate ends up hovering about lr away from the minimum, so it gets a small one.
SETTINGS: dict[str, dict[str, dict[str, float]]] = {
    "quadratic": {
        "SGD": {"lr": 0.4},
        "Adagrad": {"lr": ARTICLE["lr"]},
        "RMSprop": {"lr": ARTICLE["lr"], "alpha": ARTICLE["alpha"]},
    },
    "d2l_quadratic": {"SGD": {"lr": 0.4}, "Adagrad": {"lr": 2.0}, "RMSprop": {"lr": 0.4, "alpha": 0.9}},
    "rosenbrock": {"SGD": {"lr": 2e-3}, "Adagrad": {"lr": 1.0}, "RMSprop": {"lr": 2e-3, "alpha": 0.9}},
    "sparse_least_squares": {"SGD": {"lr": 0.5}, "Adagrad": {"lr": 0.5}, "RMSprop": {"lr": 1e-3, "alpha": 0.9}},
}


def distances(name: str, problem: Problem, steps: int) -> np.ndarray:
    """‖x_t − x*‖ for t = 0..steps, optimizer `name` with its settings for `problem`."""
    path = run(OPTIMIZERS[name], problem.grad, problem.start, steps, **SETTINGS[problem.name][name])
    return np.linalg.norm(path - problem.x_min, axis=1)


def steps_to_tolerance(name: str, problem: Problem, tol: float = 1e-2, max_steps: int = 5000) -> int | None:
    """First t with ‖x_t − x*‖ < tol, or None if not reached within `max_steps`."""
    d = distances(name, problem, max_steps)
    hit = np.flatnonzero(d < tol)
    return int(hit[0]) if hit.size else None
