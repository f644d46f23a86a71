"""Adam in the comparison page's study: the same problems, grid, criterion and tuning rule.

`rmsprop_ref.compare` tunes SGD, Adagrad and RMSprop with a vectorised runner; Adam is
run here through `run`, one learning rate at a time, and its rate is chosen by the
study's own rule (`compare.choose`), so its row can stand next to theirs.
"""

from __future__ import annotations

import functools

import numpy as np

from .adam import Adam
from .compare import PROTOCOL, Tuned, choose
from .problems import PROBLEMS
from .run import run

__all__ = ["tune_adam"]


@functools.cache
def tune_adam(problem_name: str, amsgrad: bool = False) -> Tuned:
    """Adam (PyTorch's defaults apart from ``lr``) tuned on one problem by the study's protocol."""
    problem = PROBLEMS[problem_name]
    lrs = PROTOCOL["lr_grid"]
    seeds = PROTOCOL["seeds"] if problem_name == "noisy_least_squares" else (0,)
    runs = []
    with np.errstate(all="ignore"):
        for seed in seeds:
            d = np.empty((PROTOCOL["horizon"] + 1, len(lrs)))
            for j, lr in enumerate(lrs):
                try:
                    path = run(Adam, problem.gradients(seed), problem.start, PROTOCOL["horizon"], lr=lr,
                               amsgrad=amsgrad)  # fmt: skip
                    d[:, j] = np.linalg.norm(path - problem.x_min, axis=1)
                except ValueError:  # a rate so large the gradient overflowed: never settles
                    d[:, j] = np.inf
            runs.append(d)
    best, settles, finals = choose(lrs, runs, PROTOCOL["tol"])
    method = "AMSGrad" if amsgrad else "Adam"
    per_seed = tuple((None, float("nan")) for _ in seeds)
    return Tuned(method, problem_name, lrs[best], settles[best], finals[best], tuple(settles), tuple(finals), per_seed)
