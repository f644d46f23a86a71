r"""Test functions with exact gradients and known minima, shared by every page.

Each is a `Problem`: ``f(x)``, ``grad(x)``, the minimiser ``x_min``, the
minimum value ``f_min`` and a conventional ``start``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["PROBLEMS", "Problem", "d2l_quadratic", "quadratic", "rosenbrock", "sparse_least_squares"]


@dataclass(frozen=True)
class Problem:
    """A function to minimise with its exact gradient and known minimum."""

    name: str
    f: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    x_min: np.ndarray
    start: np.ndarray
    formula: str = field(default="")

    @property
    def f_min(self) -> float:
        return float(self.f(self.x_min))

    @property
    def dim(self) -> int:
        return self.x_min.size


def _quadratic(a: float, b: float, start, name: str, formula: str) -> Problem:
    # f = a·x² + b·y², so ∇f = (2a·x, 2b·y)
    return Problem(
        name=name,
        f=lambda x: a * x[0] ** 2 + b * x[1] ** 2,
        grad=lambda x: np.array([2 * a * x[0], 2 * b * x[1]]),
        x_min=np.zeros(2),
        start=np.array(start, dtype=float),
        formula=formula,
    )


#: The article's example: f(x, y) = x² + 0.5·y², gradient (2x, y), start (-4.5, 4.5).
quadratic = _quadratic(1.0, 0.5, (-4.5, 4.5), "quadratic", r"f(x, y) = x^2 + 0.5\,y^2")

#: Dive into Deep Learning's ill-conditioned example f = 0.1·x1² + 2·x2², start (-5, -2).
d2l_quadratic = _quadratic(0.1, 2.0, (-5.0, -2.0), "d2l_quadratic", r"f(x_1, x_2) = 0.1\,x_1^2 + 2\,x_2^2")


def _rosenbrock_f(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _rosenbrock_grad(x):
    # ∂/∂x = -2(1-x) - 400x(y-x²),  ∂/∂y = 200(y-x²)
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


#: Rosenbrock's banana valley, minimum 0 at (1, 1).
rosenbrock = Problem(
    "rosenbrock",
    _rosenbrock_f,
    _rosenbrock_grad,
    np.ones(2),
    np.array([-1.5, 2.0]),
    r"f(x, y) = (1-x)^2 + 100\,(y - x^2)^2",
)


def _make_sparse_least_squares(n: int = 200, seed: int = 0) -> Problem:
    """Least squares with four frequent features and one that is nonzero in 5% of rows.

    The rare feature's gradient is small on average, so plain gradient descent
    crawls along it; Adagrad scales each coordinate by its own history and does not.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[:, 4] = 0.0
    rare = rng.choice(n, size=n // 20, replace=False)
    X[rare, 4] = rng.normal(loc=1.0, scale=0.5, size=rare.size)
    w_true = np.array([1.0, -2.0, 0.5, 1.5, 3.0])
    y = X @ w_true + 0.1 * rng.normal(size=n)  # noisy targets
    x_min = np.linalg.lstsq(X, y, rcond=None)[0]  # exact minimiser of the noisy problem

    def f(w):
        r = X @ w - y
        return 0.5 * float(r @ r) / n

    def grad(w):
        return X.T @ (X @ w - y) / n  # ∇ of ||Xw - y||² / 2n

    return Problem("sparse_least_squares", f, grad, x_min, np.zeros(5), r"f(w) = \tfrac{1}{2n}\lVert Xw - y \rVert^2")


#: Noisy least squares, 200 rows, one feature present in only 10 of them.
sparse_least_squares = _make_sparse_least_squares()

PROBLEMS = {p.name: p for p in (quadratic, d2l_quadratic, rosenbrock, sparse_least_squares)}
