"""Adam in the comparison page's study: the same problems, grid, criterion and tuning rule.

`rmsprop_ref.compare` tunes SGD, Adagrad and RMSprop on every learning rate of the grid at
once (`compare.run_grid_per_seed`, one column per rate and seed). Adam is run the same way here, through the
package's own `adam_update` with ``lr`` an array, so each column is bit for bit the run of
``run(Adam, ..., lr=that_rate)`` (tests/test_study.py checks it), and its rate is chosen by
the study's own rule (`compare.choose`), so its row can stand next to theirs.
"""

from __future__ import annotations

import functools

import numpy as np

from .adam import Adam, adam_update
from .compare import Tuned, run_grid_per_seed, tune_by_protocol
from .problems import Problem

__all__ = ["adam_grid_distances", "adam_grid_distances_per_seed", "tune_adam"]


def adam_grid_distances(problem: Problem, lrs, steps: int, seed: int = 0, amsgrad: bool = False) -> np.ndarray:
    """‖θ_t − θ*‖ for t = 0..steps and every learning rate in `lrs`, Adam run side by side.

    Every hyperparameter but ``lr`` is `Adam`'s default (PyTorch's). Returns an array of
    shape ``(steps + 1, len(lrs))`` whose column j equals the distances of
    ``run(Adam, problem.gradients(seed), problem.start, steps, lr=lrs[j], amsgrad=amsgrad)``,
    bit for bit, except that a column whose gradient overflows goes on as inf/NaN where
    `run` raises.
    """
    return adam_grid_distances_per_seed(problem, lrs, steps, (seed,), amsgrad)[0]


def adam_grid_distances_per_seed(problem: Problem, lrs, steps: int, seeds, amsgrad: bool = False) -> tuple:
    """`adam_grid_distances` for every seed of `seeds` at once (`compare.run_grid_per_seed`):
    one array per seed, each bit for bit that seed's."""
    hyper = Adam(np.zeros(1), amsgrad=amsgrad).hyperparams  # the class's defaults, checked
    del hyper["lr"]

    def adam(theta, g, state, lrs, t):
        adam_update(theta, g, *state, lr=lrs, step=t, **hyper)

    # m, v and the running maximum of v all start at 0 (the maximum is unused without amsgrad)
    return run_grid_per_seed(adam, (0.0, 0.0, 0.0), problem, lrs, steps, seeds)


@functools.cache
def tune_adam(problem_name: str, amsgrad: bool = False) -> Tuned:
    """Adam (PyTorch's defaults apart from ``lr``) tuned on one problem by the study's protocol."""
    distances = functools.partial(adam_grid_distances_per_seed, amsgrad=amsgrad)
    return tune_by_protocol("AMSGrad" if amsgrad else "Adam", problem_name, distances)
