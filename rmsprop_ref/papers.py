r"""The papers' own experiments, reproduced with the package's optimizers.

Two experiments small enough to run in seconds, each from the paper that made the claim:

- S. Reddi, S. Kale, S. Kumar, *On the Convergence of Adam and Beyond*, ICLR 2018
  (arXiv:1904.09237, OpenReview ryQu7f-RZ), section 5, "Synthetic Experiments", Figure 1:
  online linear losses on $[-1, 1]$ with a rare large gradient, Adam against AMSGrad.
  `REDDI` holds the paper's constants; `REDDI_PROTOCOL` what the paper leaves open.
- A. Wilson, R. Roelofs, M. Stern, N. Srebro, B. Recht, *The Marginal Value of Adaptive
  Gradient Methods in Machine Learning*, NeurIPS 2017 (arXiv:1705.08292), section 3.3: a
  linearly separable least-squares problem on which the adaptive methods fit the training
  set with a solution that labels every new point positive, while gradient descent finds
  the minimum-norm one. The section's text was not available: the construction follows two
  restatements that agree (J. Kwon's notes on the paper; mikeizbicki/random-initialization,
  src/data/wrssr.py). `WILSON_PROTOCOL` holds the sizes, which are ours.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ._checks import check_number
from .adam import Adam, adam_update
from .compare import _vector_step

__all__ = [
    "REDDI",
    "REDDI_PROTOCOL",
    "WILSON_PROTOCOL",
    "ReddiRuns",
    "WilsonResult",
    "reddi_gradients",
    "reddi_runs",
    "wilson_data",
    "wilson_study",
]

#: Reddi et al. (2018), section 5: f_t(x) = 1010x for t mod 101 = 1, -10x otherwise (online),
#: or 1010x with probability 0.01 and -10x otherwise (stochastic); x in [-1, 1];
#: beta1 = 0.9 and beta2 = 0.99 "for ADAM and AMSGRAD".
REDDI = {"large": 1010.0, "small": -10.0, "period": 101, "probability": 0.01, "betas": (0.9, 0.99), "box": (-1.0, 1.0)}

#: What section 5 leaves open, chosen here: the step size eta_t = eta/sqrt(t) of the paper's
#: section 2, Theorem 4 and its MNIST logistic regression, at three values of eta (the paper
#: gives none for this experiment),
#: the start 0 (not given either), the horizon, and the seeds of the stochastic version.
REDDI_PROTOCOL = {"etas": (0.1, 1.0, 10.0), "start": 0.0, "steps": 100_000, "seeds": (0, 1, 2, 3, 4), "every": 100}


def _count(name: str, value: object) -> int:
    """`value` as an int >= 1, or an error naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Invalid {name}: {value!r} (expected an int >= 1)")
    return int(value)


def reddi_gradients(steps: int, seed: int | None = None) -> np.ndarray:
    """The gradients g_t of Reddi et al.'s linear losses for t = 1..steps (the slope of f_t).

    ``seed=None`` gives the online sequence (1010 at t = 1, 102, 203, ..., else -10); an
    int gives the stochastic one (1010 with probability 0.01, drawn with that seed).
    """
    steps = _count("steps", steps)
    t = np.arange(1, steps + 1)
    if seed is None:
        large = t % REDDI["period"] == 1
    else:
        large = np.random.default_rng(seed).random(steps) < REDDI["probability"]
    return np.where(large, REDDI["large"], REDDI["small"])


@dataclass(frozen=True)
class ReddiRuns:
    """Adam and AMSGrad on Reddi et al.'s problems, recorded every ``every`` steps.

    ``x[k, i, j, q]`` is the iterate after ``t[k]`` steps of method ``methods[i]`` at
    ``etas[j]`` on problem ``problems[q]`` (the online one, then one stochastic run per
    seed); ``loss[k, ...]`` is the sum of f_s(x_s) over s = 1..t[k] and ``slope[k, q]``
    the sum of the g_s, so the regret against the best fixed point of [-1, 1] is
    ``loss + abs(slope)``.
    """

    t: np.ndarray
    x: np.ndarray
    loss: np.ndarray
    slope: np.ndarray
    methods: tuple
    etas: tuple
    problems: tuple

    def regret(self) -> np.ndarray:
        """R_t: the loss so far minus the loss of the best fixed point in hindsight."""
        return self.loss + np.abs(self.slope)[:, None, None, :]


@functools.cache
def reddi_runs(
    steps: int = REDDI_PROTOCOL["steps"],
    etas: tuple = REDDI_PROTOCOL["etas"],
    seeds: tuple = REDDI_PROTOCOL["seeds"],
    every: int = REDDI_PROTOCOL["every"],
    betas: tuple = REDDI["betas"],
) -> ReddiRuns:
    """Adam and AMSGrad (`Adam`, PyTorch's update, betas (0.9, 0.99)) at eta/sqrt(t), clipped to [-1, 1].

    ``betas`` other than the paper's (0.9, 0.99) run the same problems at other decays (the
    guide's answers compare PyTorch's default (0.9, 0.999)); they are checked as `Adam` checks them.

    Every run is a column of one array, stepped by the package's `adam_update` with ``lr`` an
    array (so each column gets the arithmetic of ``Adam(x, lr=that rate, betas=(0.9, 0.99))``
    with `set_lr` before each step and ``np.clip(x, -1, 1)`` after it; tests/test_papers.py
    checks it). The AMSGrad update runs on every column; on Adam's columns the running maximum
    of v is reset to 0 before each step, so it is v itself: Adam's update, bit for bit.
    """
    for eta in etas:
        Adam(np.zeros(1), lr=eta)  # each rate checked as Adam checks lr, before any run
    steps, every = _count("steps", steps), _count("every", every)
    hyper = Adam(np.zeros(1), betas=betas, amsgrad=True).hyperparams  # checked as Adam checks them
    del hyper["lr"]
    problems = ("online", *(f"seed {s}" for s in seeds))
    g = np.stack([reddi_gradients(steps)] + [reddi_gradients(steps, s) for s in seeds], axis=1)
    g_t = g[:, None, None, :]  # numpy broadcasts it over methods and rates inside the update
    shape = (2, len(etas), len(problems))  # method, eta, problem
    x = np.full(shape, REDDI_PROTOCOL["start"])
    m, v, v_max, work = np.zeros(shape), np.zeros(shape), np.zeros(shape), np.empty((2, *shape))
    rates = (
        np.asarray(etas, dtype=np.float64)[None, None, :, None] / np.sqrt(np.arange(1, steps + 1))[:, None, None, None]
    )
    adam_only = np.array([0.0, 1.0])[:, None, None]  # multiplies v_max: 0 on Adam's row
    lo, hi = REDDI["box"]
    path = np.empty((steps + 1, *shape))  # the iterate x_t is path[t - 1]; path[t] after step t
    path[0] = x
    chunk = 1000  # gradients and rates copied out to the full shape a chunk at a time: numpy
    for first in range(1, steps + 1, chunk):  # steps faster on same-shape arrays than broadcast ones
        last = min(first + chunk, steps + 1)
        gs = np.ascontiguousarray(np.broadcast_to(g_t[first - 1 : last - 1], (last - first, *shape)))
        lrs = np.ascontiguousarray(np.broadcast_to(rates[first - 1 : last - 1], (last - first, *shape)))
        for t in range(first, last):
            v_max *= adam_only
            adam_update(x, gs[t - first], m, v, v_max, work, lr=lrs[t - first], step=t, **hyper)
            np.minimum(x, hi, out=x)  # the projection onto [-1, 1]
            np.maximum(x, lo, out=x)
            path[t] = x
    record = np.arange(0, steps + 1, every)
    # f_t(x_t) = g_t x_t, incurred before step t; its running sum, read at the recorded steps
    loss = np.concatenate([np.zeros((1, *shape)), np.cumsum(g_t * path[:-1], axis=0)])[record]
    xs = path[record]
    slope = np.concatenate([np.zeros((1, len(problems))), np.cumsum(g, axis=0)[record[1:] - 1]])
    return ReddiRuns(record, xs, loss, slope, ("Adam", "AMSGrad"), tuple(etas), problems)


#: Wilson et al.'s construction at sizes of our choosing (the section's own text was not
#: available to check against; the construction is that of two restatements, which agree):
#: n training points, labels +1 with probability p, n_test new
#: points; every method at PyTorch's defaults apart from the learning rate, run on each rate
#: of the grid for `steps` full-batch steps from 0; a run "fits" when its training loss is
#: below `fit`.
WILSON_PROTOCOL = {
    "n": 100,
    "p": 0.6,
    "n_test": 1000,
    "seed": 0,
    "lr_grid": (1e-4, 1e-3, 1e-2, 0.1, 1.0),
    "steps": 3000,
    "fit": 1e-6,
    "methods": ("SGD", "Adagrad", "RMSprop", "Adam"),
}


def wilson_data(n: int, p: float, n_test: int, seed: int = 0):
    """Wilson et al.'s section 3.3 data: labels y_i = ±1, +1 with probability p.

    Row i of X has y_i in column 0, 1 in columns 1 and 2, and then features of its own,
    shared with no other row: one for a positive example, five for a negative one. Returns
    ``(X, y, y_test)``: the training matrix (only the columns some training row uses) and
    the test labels. A test point is ``(y, 1, 1)`` plus features of its own that no training
    row has; their weights get a zero gradient at every step and stay at 0, so only the
    first three columns score it.
    """
    n, n_test = _count("n", n), _count("n_test", n_test)
    p = check_number("p", p, 0, 1, high_open=False)
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < p, 1.0, -1.0)
    y_test = np.where(rng.random(n_test) < p, 1.0, -1.0)
    if y.sum() <= 0:
        raise ValueError(f"Invalid sample: sum(y) = {y.sum():g} (the construction needs more positive labels)")
    own = np.where(y > 0, 1, 5)
    X = np.zeros((n, 3 + own.sum()))
    X[:, 0], X[:, 1:3] = y, 1.0
    first = 3 + np.concatenate([[0], np.cumsum(own)[:-1]])
    for i in range(n):
        X[i, first[i] : first[i] + own[i]] = 1.0
    return X, y, y_test


@dataclass(frozen=True)
class WilsonResult:
    """One method on Wilson et al.'s problem, one entry per rate of the grid.

    ``objective`` is the final training objective ‖Xθ − y‖² + (λ/2)‖θ‖² (λ the weight
    decay, 0 in the paper's setting), ``train`` and ``test`` the accuracies (the share of
    points whose score has the sign of their label), ``head`` the first three weights (on
    the label feature and the two constant features).
    """

    method: str
    lrs: tuple
    objective: np.ndarray
    train: np.ndarray
    test: np.ndarray
    head: np.ndarray

    def fits(self) -> np.ndarray:
        """Which rates fit the training set: objective below the protocol's ``fit``."""
        return np.isfinite(self.objective) & (self.objective < WILSON_PROTOCOL["fit"])

    def best(self) -> int:
        """The index of the rate with the lowest final objective (the smaller rate on a tie)."""
        return int(np.argmin(np.where(np.isfinite(self.objective), self.objective, np.inf)))


@functools.cache
def wilson_study(weight_decay: float = 0.0) -> dict[str, WilsonResult]:
    """Each method of `WILSON_PROTOCOL` on every rate of its grid, run side by side (full batch).

    With ``weight_decay`` λ > 0 the gradient gets λθ added, as the optimizers'
    ``weight_decay`` does: the objective becomes ‖Xθ − y‖² + (λ/2)‖θ‖², which has one
    minimizer whatever the method.
    """
    P = WILSON_PROTOCOL
    X, y, y_test = wilson_data(P["n"], P["p"], P["n_test"], P["seed"])
    lrs = np.asarray(P["lr_grid"])
    test_points = np.column_stack([y_test, np.ones_like(y_test), np.ones_like(y_test)])
    out = {}
    for method in P["methods"]:
        theta = np.zeros((X.shape[1], lrs.size))  # one column per rate, all from 0
        if method == "Adam":
            hyper = Adam(np.zeros(1)).hyperparams
            del hyper["lr"]

            def step(theta, g, state, lrs, t, hyper=hyper):
                adam_update(theta, g, *state, lr=lrs, step=t, **hyper)

            state_init = (0.0, 0.0, 0.0)
        else:
            step, state_init = _vector_step(method, {})  # PyTorch's defaults, as the study's
        state = [np.full_like(theta, s) for s in state_init] + [np.empty((2, *theta.shape))]
        with np.errstate(all="ignore"):  # a too-large rate overflows; its column becomes inf/NaN
            for t in range(1, P["steps"] + 1):
                g = 2 * X.T @ (X @ theta - y[:, None])  # the gradient of ‖Xθ − y‖²
                if weight_decay:
                    g += weight_decay * theta
                step(theta, g, state, lrs, t)
            objective = ((X @ theta - y[:, None]) ** 2).sum(axis=0) + weight_decay / 2 * (theta**2).sum(axis=0)
            train = (np.sign(X @ theta) == y[:, None]).mean(axis=0)
            test = (np.sign(test_points @ theta[:3]) == y_test[:, None]).mean(axis=0)
        out[method] = WilsonResult(method, tuple(P["lr_grid"]), objective, train, test, theta[:3].T.copy())
    return out
