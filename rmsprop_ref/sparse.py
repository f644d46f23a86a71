r"""An embedding-like problem whose gradients are sparse: most rows get no gradient on most steps.

A table $\theta$ of ``n_rows`` rows (``dim`` numbers each) is learned from examples that
each look up a few rows (a "bag") and add them: the prediction is
$\sum_{j \in \text{bag}} \theta_j$, the target $\sum_{j \in \text{bag}} \theta^\ast_j$,
and the loss $\tfrac12\lVert \text{prediction} - \text{target}\rVert^2$ averaged over a
minibatch. Row $j$ is looked up with probability proportional to ``1 / (j + 1) ** zipf`` (a Zipf law),
as words or item ids are, so row 0 is in almost every minibatch and the last rows are in
almost none. A row's gradient is zero on every step it is not looked up.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ._base import Optimizer
from .adagrad import Adagrad
from .adam import Adam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SPARSE_PROTOCOL", "EmbeddingBag", "embedding_bag", "sparse_study", "train"]


@dataclass(frozen=True)
class EmbeddingBag:
    """The problem: `grad(theta, t)` is the minibatch gradient at step `t` (1-based)."""

    n_rows: int = 1000
    dim: int = 4
    bag: int = 3
    batch: int = 8
    zipf: float = 1.0
    seed: int = 0
    target: np.ndarray = field(init=False, repr=False)
    probs: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        object.__setattr__(self, "target", rng.normal(size=(self.n_rows, self.dim)))
        w = 1.0 / np.arange(1, self.n_rows + 1) ** self.zipf
        object.__setattr__(self, "probs", w / w.sum())

    @property
    def start(self) -> np.ndarray:
        """$\\theta_0$: zeros, shape ``(n_rows, dim)``."""
        return np.zeros((self.n_rows, self.dim))

    def ids(self, t: int) -> np.ndarray:
        """The rows looked up at step `t`: shape ``(batch, bag)``, the same for the same `t`."""
        rng = np.random.default_rng([self.seed, t])
        return rng.choice(self.n_rows, size=(self.batch, self.bag), p=self.probs)

    def loss(self, theta: np.ndarray, t: int) -> float:
        """The minibatch loss at step `t`: mean over examples of ½‖Σ_bag (θ_j − θ*_j)‖²."""
        ids = self.ids(t)
        residual = (theta[ids] - self.target[ids]).sum(axis=1)
        return 0.5 * float(np.sum(residual**2)) / self.batch

    def lookups(self, steps: int) -> np.ndarray:
        """How many times each row is looked up in steps 1..`steps`."""
        return np.bincount(np.concatenate([self.ids(t).ravel() for t in range(1, steps + 1)]), minlength=self.n_rows)

    def grad(self, theta: np.ndarray, t: int) -> np.ndarray:
        """The dense gradient at step `t`: nonzero only in the rows `ids(t)` looked up."""
        return self._grad(theta, self.ids(t))

    def _grad(self, theta: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """`grad` for the looked-up rows `ids`; θ may carry leading axes, ``(..., n_rows, dim)``,
        one table per index, each getting exactly the arithmetic of a table alone."""
        residual = (theta[..., ids, :] - self.target[ids]).sum(axis=-2) / self.batch  # (..., batch, dim)
        g = np.zeros_like(theta)
        for k in range(self.bag):
            np.add.at(g, (..., ids[:, k], slice(None)), residual)  # a row in several bags gets each share
        return g

    def row_error(self, theta: np.ndarray) -> np.ndarray:
        """$\\lVert \\theta_j - \\theta^\\ast_j \\rVert$ for every row $j$ (θ may carry leading axes)."""
        return np.linalg.norm(theta - self.target, axis=-1)

    def expected_lookups(self, steps: int) -> np.ndarray:
        """The expected number of times each row is looked up in `steps` steps."""
        return steps * self.batch * self.bag * self.probs


#: The guide's instance: 1000 rows of 4, bags of 3, minibatches of 8, Zipf exponent 1.
embedding_bag = EmbeddingBag()

#: The protocol of the sparse study: the comparison page's learning-rate grid (1, 2, 5 per
#: decade), every other hyperparameter at torch's default except RMSprop's alpha = 0.9,
#: a horizon of 1000 steps, and the criterion: the mean over rows of the final row error.
SPARSE_PROTOCOL = {
    "methods": {"SGD": (SGD, {}), "Adagrad": (Adagrad, {}), "RMSprop": (RMSprop, {"alpha": 0.9}), "Adam": (Adam, {})},
    "lr_grid": (1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0),
    "steps": 1000,
}


def train(optimizer: type[Optimizer], problem: EmbeddingBag, steps: int, **hyperparams) -> np.ndarray:
    """θ after `steps` minibatch steps from ``problem.start``; rows of NaN if it blew up."""
    theta = problem.start
    opt = optimizer(theta, **hyperparams)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            g = problem.grad(theta, t)
            if not np.all(np.isfinite(g)):
                return np.full_like(theta, np.nan)
            opt.step(g)
    return theta


def _grid_train(name: str, problem: EmbeddingBag, lrs, ids: list[np.ndarray]) -> np.ndarray:
    """`train` of method `name` (with its `SPARSE_PROTOCOL` settings) at every rate of `lrs` at
    once, one step per entry of `ids` (the rows looked up at steps 1, 2, ...): θ of shape
    ``(len(lrs), n_rows, dim)``. Each table is stepped by the package's update function with
    its rate, so ``[k]`` is bit for bit ``train(cls, problem, len(ids), lr=lrs[k], ...)``,
    NaN where that run's gradient stopped being finite, as `train` returns it
    (tests/test_claims_choosing.py checks it on every rate of the grid)."""
    from .airfoil import METHODS, update  # one vectorised step for every study

    cls, fixed = SPARSE_PROTOCOL["methods"][name]
    if METHODS.get(name) is not cls:
        raise ValueError(f"Invalid method: {name!r} (the vectorised step knows {list(METHODS)})")
    step, names = update(name, fixed)
    lr = np.asarray(lrs, dtype=np.float64)[:, None, None]
    theta = np.repeat(problem.start[None], lr.size, axis=0)
    state = {k: np.zeros_like(theta) for k in names} | {"work": np.empty((2, *theta.shape))}
    finite = np.ones(lr.size, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for t, rows in enumerate(ids, start=1):
            g = problem._grad(theta, rows)
            finite &= np.isfinite(g).all(axis=(1, 2))  # `train` stops such a run and returns NaN
            step(theta, g, state, lr, t)
    theta[~finite] = np.nan
    return theta


@functools.lru_cache(maxsize=4)
def sparse_study(problem: EmbeddingBag = embedding_bag) -> dict[str, tuple[float, np.ndarray]]:
    """Each method at its best learning rate of the grid: ``{name: (lr, final row errors)}``."""
    grid, steps = SPARSE_PROTOCOL["lr_grid"], SPARSE_PROTOCOL["steps"]
    ids = [problem.ids(t) for t in range(1, steps + 1)]  # the same minibatches for every run: drawn once
    out = {}
    for name in SPARSE_PROTOCOL["methods"]:
        best = None
        for lr, theta in zip(grid, _grid_train(name, problem, grid, ids), strict=True):
            err = problem.row_error(theta)
            score = np.mean(err) if np.all(np.isfinite(err)) else np.inf
            if best is None or score < best[0]:
                best = (score, lr, err)
        out[name] = (best[1], best[2])
    return out
