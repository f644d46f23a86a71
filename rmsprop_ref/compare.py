"""SGD, Adagrad and RMSprop compared by one stated protocol: the study on the comparison page.

The protocol is data (`PROTOCOL`): the problems, the learning-rate grid every method is
tuned on, RMSprop's fixed decay, the horizon, the tolerance and the seeds of the noisy
problem. `tune` runs one method on one problem for every learning rate of the grid at
once and picks the best by the criterion of `rank_key`; `study` does it for every
problem and method.

The criterion is "settles": the first step after which the distance to the minimum
stays within the tolerance for the rest of the horizon (`settle_step`), not the first
step that touches it, since RMSprop at a constant learning rate touches it and leaves.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .adagrad import Adagrad, adagrad_update
from .problems import PROBLEMS, Problem
from .rmsprop import RMSprop, rmsprop_update
from .run import run
from .sgd import SGD

__all__ = [
    "ARTICLE",
    "OPTIMIZERS",
    "PROTOCOL",
    "Tuned",
    "article_runs",
    "choose",
    "distances",
    "grid_distances",
    "grid_distances_per_seed",
    "protocol_runs",
    "rank_key",
    "run_grid",
    "run_grid_per_seed",
    "settle_step",
    "study",
    "tune",
    "tune_by_protocol",
]

OPTIMIZERS = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop}

#: The source article's settings on the quadratic, shared by every page so results compare.
ARTICLE = {"lr": 1.0, "alpha": 0.9, "steps": 30}

#: The study's protocol, everything a reader needs to repeat it.
PROTOCOL = {
    "problems": tuple(PROBLEMS),
    "methods": tuple(OPTIMIZERS),
    # one grid for all methods: 1, 2, 5 per decade from 1e-4 to 10, 16 values; it first ended
    # at 2, where Adagrad's choices sat, so it was widened until no choice is at either end
    "lr_grid": (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0),
    # every other hyperparameter at its default (torch's): RMSprop's α fixed at the article's
    # and Tieleman & Hinton's 0.9, ε = 1e-8; Adagrad ε = 1e-10, s₀ = 0, no lr_decay
    "fixed": {"SGD": {}, "Adagrad": {}, "RMSprop": {"alpha": 0.9}},
    "horizon": 2000,
    "tol": 1e-2,
    "seeds": (0, 1, 2, 3, 4),  # the noisy problem is run once per seed; others are deterministic
}


def settle_step(distance: np.ndarray, tol: float) -> int | None:
    """The first step t after which ``distance[s] <= tol`` for every s >= t, up to the end.

    Parameters
    ----------
    distance
        ``distance[t]`` = ‖θ_t − θ*‖ for t = 0 .. horizon (NaN or inf count as outside).
    tol
        the tolerance.

    Returns
    -------
    int or None
        None when the last value is outside the tolerance (it never settles within the horizon).
    """
    inside = np.asarray(distance) <= tol  # NaN compares False: outside
    if inside.size == 0 or not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    return int(outside[-1] + 1) if outside.size else 0


def rank_key(settle: int | None, final: float, lr: float) -> tuple:
    """How two learning rates compare (smaller is better): settle sooner; if tied, or if neither
    settles, the smaller final distance; if still tied, the smaller learning rate."""
    final = float(final) if np.isfinite(final) else np.inf
    return (np.inf if settle is None else settle, final, lr)


def _vector_step(method: str, fixed: dict):
    """A function (θ, g, state, lrs, t) doing one step of `method` on a batch of points at once.

    It calls the package's own update functions on arrays of shape (d, n), one column per
    learning rate, with ``lr`` a length-n array; numpy broadcasts it, so each column gets
    exactly the arithmetic a single optimizer with that scalar rate would do.
    """
    if method == "SGD":

        def sgd(theta, g, state, lrs, t):
            theta -= g * lrs  # θ ← θ − ηg, as SGD.step

        return sgd, ()
    if method == "Adagrad":
        h = {"lr_decay": 0.0, "weight_decay": 0.0, "eps": 1e-10, "eps_in_sqrt": False} | fixed
        s0 = h.pop("initial_accumulator_value", 0.0)

        def adagrad(theta, g, state, lrs, t):
            adagrad_update(theta, g, state[0], state[1], lr=lrs, step=t, **h)

        return adagrad, (s0,)
    if method == "RMSprop":
        h = {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False} | fixed
        h["eps_in_sqrt"] = h.get("eps_in_sqrt", False)
        if h["momentum"] or h["centered"]:
            raise ValueError("the study's vectorised RMSprop has no momentum or centering")

        def rmsprop(theta, g, state, lrs, t):
            rmsprop_update(theta, g, state[0], None, None, state[1], lr=lrs, **h)

        return rmsprop, (0.0,)
    raise ValueError(f"Invalid method: {method!r} (expected one of {list(OPTIMIZERS)})")


def grid_distances(
    method: str, problem: Problem, lrs, steps: int, seed: int = 0, fixed: dict | None = None
) -> np.ndarray:
    """‖θ_t − θ*‖ for t = 0..steps and every learning rate in `lrs`, run side by side.

    Returns an array of shape ``(steps + 1, len(lrs))``; column j equals
    ``distances(method, problem, steps, lr=lrs[j], seed=seed)``, bit for bit.
    """
    return grid_distances_per_seed(method, problem, lrs, steps, (seed,), fixed)[0]


def grid_distances_per_seed(
    method: str, problem: Problem, lrs, steps: int, seeds, fixed: dict | None = None
) -> tuple[np.ndarray, ...]:
    """`grid_distances` for every seed of `seeds` at once: one array per seed, each bit for bit
    ``grid_distances(method, problem, lrs, steps, seed, fixed)`` (see `run_grid_per_seed`)."""
    if method not in OPTIMIZERS:
        raise ValueError(f"Invalid method: {method!r} (expected one of {list(OPTIMIZERS)})")
    fixed = PROTOCOL["fixed"][method] if fixed is None else fixed
    step, state_init = _vector_step(method, fixed)
    return run_grid_per_seed(step, state_init, problem, lrs, steps, seeds)


def run_grid(step, state_init, problem: Problem, lrs, steps: int, seed: int = 0) -> np.ndarray:
    """The loop behind `grid_distances`, for any update: ``step(θ, g, state, lrs, t)`` updates
    θ, of shape (d, n) with one column per rate of `lrs`, in place at step t. ``state`` holds
    one array of θ's shape per value of `state_init` (filled with it), then scratch space of
    shape ``(2, d, n)``. Returns ‖θ_t − θ*‖ per step and rate, shape ``(steps + 1, n)``."""
    return run_grid_per_seed(step, state_init, problem, lrs, steps, (seed,))[0]


def run_grid_per_seed(step, state_init, problem: Problem, lrs, steps: int, seeds) -> tuple[np.ndarray, ...]:
    """`run_grid` for every seed of `seeds` at once: one array per seed, each bit for bit that
    seed's `run_grid`.

    θ gets one column per (seed, rate) pair, seed after seed, and ``step`` the rates repeated
    for each seed, so one call updates every seed's runs (the update is elementwise: each
    column's numbers are those of its own run). Only the gradients are taken seed by seed:
    each seed's columns from that seed's minibatch sampler (`Problem.gradients`).
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    n, seeds = lrs.size, tuple(seeds)
    blocks = [slice(i * n, (i + 1) * n) for i in range(len(seeds))]  # seed i's columns
    theta = np.repeat(problem.start.astype(np.float64)[:, None], n * len(seeds), axis=1)
    state = [np.full_like(theta, s) for s in state_init] + [np.empty((2, *theta.shape))]
    grads = [problem.gradients(seed) for seed in seeds]
    rates = np.tile(lrs, len(seeds))
    path = np.empty((steps + 1, *theta.shape))  # θ_t kept, the distances taken at the end:
    path[0] = theta  # one norm over all steps instead of one call per step, the same numbers
    with np.errstate(all="ignore"):  # a too-large rate overflows; its column becomes inf/NaN
        for t in range(1, steps + 1):
            if len(seeds) == 1:
                g = grads[0](theta)
            else:
                g = np.concatenate([grad(theta[:, b]) for grad, b in zip(grads, blocks, strict=True)], axis=1)
            step(theta, g, state, rates, t)
            path[t] = theta
        path -= problem.x_min[:, None]
        distances = np.linalg.norm(path, axis=1)
    return tuple(np.ascontiguousarray(distances[:, b]) for b in blocks)


def distances(name: str, problem: Problem, steps: int, lr: float | None = None, seed: int = 0) -> np.ndarray:
    """‖θ_t − θ*‖ for t = 0..steps: optimizer `name` through `run`, at `lr` (default: the
    study's tuned rate for `problem`) and the protocol's other settings."""
    if lr is None:
        lr = tune(name, problem.name).lr
    path = run(OPTIMIZERS[name], problem.gradients(seed), problem.start, steps, lr=lr, **PROTOCOL["fixed"][name])
    return np.linalg.norm(path - problem.x_min, axis=1)


@dataclass(frozen=True)
class Tuned:
    """One method tuned on one problem.

    ``lr`` is the chosen rate; ``settle`` its settle step (the worst over the seeds for a
    noisy problem; None if it does not settle on every seed) and ``final`` its final
    distance (the largest over the seeds). ``settles`` and ``finals`` hold the same for
    every rate of the grid, and ``per_seed`` the chosen rate's (settle, final) per seed.
    """

    method: str
    problem: str
    lr: float
    settle: int | None
    final: float
    settles: tuple
    finals: tuple
    per_seed: tuple


def choose(lrs, runs: list[np.ndarray], tol: float) -> tuple[int, list, list]:
    """Pick the best learning rate from runs over a grid (the tuning rule, apart from running).

    Parameters
    ----------
    lrs
        the grid.
    runs
        one array of distances per seed, shape ``(horizon + 1, len(lrs))``.
    tol
        the tolerance of `settle_step`.

    Returns
    -------
    tuple
        ``(best, settles, finals)``: the index of the chosen rate by `rank_key`; per rate,
        the settle step (the worst over the seeds; None unless it settles on every seed)
        and the final distance (the largest over the seeds; inf if any run blew up).
    """
    settles, finals = [], []
    for j in range(len(lrs)):
        per = [settle_step(d[:, j], tol) for d in runs]
        settles.append(None if None in per else max(per))
        fin = [d[-1, j] for d in runs]
        finals.append(float(max(fin)) if np.isfinite(fin).all() else np.inf)
    best = min(range(len(lrs)), key=lambda j: rank_key(settles[j], finals[j], lrs[j]))
    return best, settles, finals


def tune_by_protocol(method: str, problem: str, distances) -> Tuned:
    """Tune one method on `problem` by the protocol: every rate of ``PROTOCOL["lr_grid"]``,
    every seed where the problem is noisy, the best rate kept by `choose`.

    ``distances(problem, lrs, steps, seeds)`` runs the method on the whole grid for every seed
    and returns one array of ‖θ_t − θ*‖ per seed, of shape ``(steps + 1, len(lrs))``, like
    `grid_distances_per_seed`; `method` names it.
    """
    p = PROBLEMS[problem]
    seeds = PROTOCOL["seeds"] if p.noisy else (0,)
    return _tuned(method, problem, distances(p, PROTOCOL["lr_grid"], PROTOCOL["horizon"], seeds))


def _tuned(method: str, problem: str, runs) -> Tuned:
    """The protocol's choice from its runs (one per seed, as `tune_by_protocol` makes them)."""
    lrs, tol = PROTOCOL["lr_grid"], PROTOCOL["tol"]
    best, settles, finals = choose(lrs, runs, tol)
    per_seed = tuple((settle_step(d[:, best], tol), float(d[-1, best])) for d in runs)
    return Tuned(method, problem, lrs[best], settles[best], finals[best], tuple(settles), tuple(finals), per_seed)


@functools.cache
def protocol_runs(method: str, problem: str) -> tuple[np.ndarray, ...]:
    """The runs `tune` chooses from: `grid_distances` of `method` on `problem` over the whole
    grid and horizon, one read-only array per seed (seed 0 alone where the problem is
    deterministic). Memoised, so a test that reads them does not run them again."""
    p = PROBLEMS[problem]
    seeds = PROTOCOL["seeds"] if p.noisy else (0,)
    runs = grid_distances_per_seed(method, p, PROTOCOL["lr_grid"], PROTOCOL["horizon"], seeds)
    for d in runs:
        d.setflags(write=False)
    return runs


@functools.cache
def tune(method: str, problem: str) -> Tuned:
    """Run `method` on `problem` for each rate of ``PROTOCOL["lr_grid"]`` and keep the best (`choose`)."""
    return _tuned(method, problem, protocol_runs(method, problem))


def study() -> list[Tuned]:
    """`tune` for every problem and method of the protocol, problem by problem."""
    return [tune(m, p) for p in PROTOCOL["problems"] for m in PROTOCOL["methods"]]


def article_runs(steps: int = 200) -> dict[str, np.ndarray]:
    """The article's problem and settings run past its 30-step window.

    Returns the paths (shape ``(steps + 1, 2)``) of Adagrad and RMSprop at η = 1 (α = 0.9),
    of RMSprop with the decaying rate η_t = η/t (set before each step), and, under
    ``"rate"``, RMSprop's effective learning rate η/(√v + ε) per coordinate used at each
    step t = 1..steps (shape ``(steps, 2)``; row 0 is step 1).
    """
    from .problems import quadratic

    lr, alpha = ARTICLE["lr"], ARTICLE["alpha"]
    out = {"Adagrad": run(Adagrad, quadratic.grad, quadratic.start, steps, lr=lr)}
    for name, schedule in (("RMSprop", lambda t: lr), ("RMSprop, η/t", lambda t: lr / t)):
        theta = quadratic.start.copy()
        opt = RMSprop(theta, lr=lr, alpha=alpha)
        path, rates = [theta.copy()], []
        for t in range(1, steps + 1):
            opt.hyperparams["lr"] = schedule(t)  # the optimizer reads its rate at every step
            g = quadratic.grad(theta)
            opt.step(g)
            rates.append(opt.hyperparams["lr"] / (np.sqrt(opt.state[0]["square_avg"]) + opt.hyperparams["eps"]))
            path.append(theta.copy())
        out[name] = np.array(path)
        if name == "RMSprop":
            out["rate"] = np.array(rates)
    return out
