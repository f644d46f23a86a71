r"""Test functions with exact gradients and known minima, shared by every page.

Each is a `Problem`: the objective ``f(theta)``, its gradient ``grad(theta)``, the
minimiser $\theta^\ast$ (``x_min``), the minimum value ``f_min`` and a conventional
start $\theta_0$ (``start``). Index 0 of ``theta`` is the coordinate $\theta_1$.

``f`` and ``grad`` also take a batch of points with the coordinates on the FIRST
axis: ``theta`` of shape ``(d, n)`` is ``n`` points, one per column (``f`` also takes
``(d, n1, n2)``, as a contour plot needs). `rmsprop_ref.compare` runs a whole grid of
learning rates at once this way; each column gets exactly the numbers a single
point would.

Most problems are deterministic. One, `noisy_least_squares`, has minibatch
gradients: ``problem.gradients(seed)`` returns a fresh gradient function that draws
the next minibatch at each call, the same sequence for the same seed. For a
deterministic problem ``gradients(seed)`` is just ``grad``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "PROBLEMS",
    "Problem",
    "d2l_quadratic",
    "noisy_least_squares",
    "quadratic",
    "rosenbrock",
    "rotated_quadratic",
    "sparse_least_squares",
]


@dataclass(frozen=True)
class Problem:
    r"""A function to minimise with its exact gradient and known minimum.

    Attributes
    ----------
    name
        its key in `PROBLEMS`.
    f
        the objective $f(\theta)$.
    grad
        its exact, full-batch gradient $\nabla f(\theta)$.
    x_min
        the minimiser $\theta^\ast$.
    start
        the start point $\theta_0$ the guide uses.
    formula
        $f$ in TeX, for captions.
    sampler
        for a problem with minibatch gradients, ``sampler(seed)`` returns a fresh
        gradient function that draws the next minibatch at each call; ``None`` for a
        deterministic problem.
    """

    name: str
    f: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    x_min: np.ndarray
    start: np.ndarray
    formula: str = field(default="")
    sampler: Callable[[int], Callable[[np.ndarray], np.ndarray]] | None = field(default=None)

    @property
    def f_min(self) -> float:
        return float(self.f(self.x_min))

    @property
    def dim(self) -> int:
        return self.x_min.size

    @property
    def noisy(self) -> bool:
        """True when an optimizer sees minibatch estimates of the gradient."""
        return self.sampler is not None

    def gradients(self, seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
        """The gradient function to feed an optimizer: ``grad``, or a fresh minibatch sampler for `seed`."""
        return self.grad if self.sampler is None else self.sampler(seed)


def _quadratic(a: float, b: float, start, name: str, formula: str) -> Problem:
    # f = a·θ₁² + b·θ₂², so ∇f = (2a·θ₁, 2b·θ₂)
    return Problem(
        name=name,
        f=lambda x: a * x[0] ** 2 + b * x[1] ** 2,
        grad=lambda x: np.array([2 * a * x[0], 2 * b * x[1]]),
        x_min=np.zeros(2),
        start=np.array(start, dtype=float),
        formula=formula,
    )


#: The article's example: f(θ) = θ₁² + 0.5·θ₂², gradient (2θ₁, θ₂), start (-4.5, 4.5).
quadratic = _quadratic(1.0, 0.5, (-4.5, 4.5), "quadratic", r"f(\theta) = \theta_1^2 + 0.5\,\theta_2^2")

#: Dive into Deep Learning's ill-conditioned example f(θ) = 0.1·θ₁² + 2·θ₂², start (-5, -2).
d2l_quadratic = _quadratic(0.1, 2.0, (-5.0, -2.0), "d2l_quadratic", r"f(\theta) = 0.1\,\theta_1^2 + 2\,\theta_2^2")

# d2l's quadratic turned by 45° about its minimum: f(θ) = g(Rᵀθ) with g = d2l's f and R
# the rotation by 45°. Its Hessian R·diag(0.2, 4)·Rᵀ = [[2.1, -1.9], [-1.9, 2.1]] has the
# same eigenvalues along the diagonals θ₁ = ±θ₂, so no per-coordinate scale can undo the
# conditioning. Written out rather than as matrix products so that a batch of points gets
# bit-for-bit the numbers of single points.
_S = np.sqrt(0.5)  # cos 45° = sin 45°


def _rotated_f(x):
    return 1.05 * x[0] ** 2 + 1.05 * x[1] ** 2 - 1.9 * x[0] * x[1]


def _rotated_grad(x):
    return np.array([2.1 * x[0] - 1.9 * x[1], 2.1 * x[1] - 1.9 * x[0]])


#: d2l's quadratic turned by 45°: f(θ) = 1.05·θ₁² + 1.05·θ₂² − 1.9·θ₁θ₂; the start is
#: d2l's start turned too, R·(-5, -2) = (-3, -7)/√2, so gradient descent takes d2l's path turned.
rotated_quadratic = Problem(
    "rotated_quadratic",
    _rotated_f,
    _rotated_grad,
    np.zeros(2),
    np.array([_S * (-5.0) - _S * (-2.0), _S * (-5.0) + _S * (-2.0)]),
    r"f(\theta) = 1.05\,\theta_1^2 + 1.05\,\theta_2^2 - 1.9\,\theta_1\theta_2",
)


def _rosenbrock_f(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] * x[0]) ** 2


def _rosenbrock_grad(x):
    # ∂f/∂θ₁ = -2(1-θ₁) - 400θ₁(θ₂-θ₁²),  ∂f/∂θ₂ = 200(θ₂-θ₁²)
    # θ₁·θ₁, not θ₁**2: on a numpy scalar ** goes through C pow(), which differs from the
    # product in the last bit for a few inputs, so a single point and a batch would disagree
    # (and the explorer's JavaScript port, which multiplies, would not be bit-identical).
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]), 200 * (x[1] - x[0] * x[0])])


#: Rosenbrock's banana valley, minimum 0 at θ* = (1, 1), start (-1.5, 2).
rosenbrock = Problem(
    "rosenbrock",
    _rosenbrock_f,
    _rosenbrock_grad,
    np.ones(2),
    np.array([-1.5, 2.0]),
    r"f(\theta) = (1-\theta_1)^2 + 100\,(\theta_2 - \theta_1^2)^2",
)


def _least_squares_grad(X: np.ndarray, y: np.ndarray, w) -> np.ndarray:
    """∇ of ‖Xθ − y‖²/2n, Xᵀ(Xθ − y)/n, at one point or at each column of a batch.

    One matrix product over all columns (BLAS gemm) may add up in another order than a
    single point's matrix-vector product (gemv) and differ in the last bit. So a batch is
    handed to matmul as a stack of column vectors, shape (columns, d, 1): numpy makes one
    gemv per column, with the same matrix and strides as for a single point, and each
    column's numbers are a single point's, bit for bit (tests/test_study.py checks it).
    """
    w = np.asarray(w)
    n = X.shape[0]
    if w.ndim == 1:
        return X.T @ (X @ w - y) / n
    v = np.ascontiguousarray(w.T)[:, :, None]  # one contiguous (d, 1) vector per column
    g = X.T @ (X @ v - y[:, None]) / n  # (columns, d, 1)
    return np.ascontiguousarray(g[:, :, 0].T)


def _least_squares_f(X: np.ndarray, y: np.ndarray) -> Callable:
    n = X.shape[0]

    def f(w):
        w = np.asarray(w)
        r = np.tensordot(X, w, axes=1) - y.reshape(-1, *[1] * (w.ndim - 1))
        return 0.5 * (r * r).sum(axis=0) / n

    return f


def _make_sparse_least_squares(n: int = 200, seed: int = 0) -> Problem:
    r"""Least squares, $f(\theta) = \lVert X\theta - y\rVert^2/2n$, with four frequent features
    and a fifth that is nonzero in 5 % of the rows.

    Full-batch: the rare feature's gradient is small on average (it comes from 10 rows
    of 200), so plain gradient descent crawls along $\theta_5$; Adagrad scales each
    coordinate by its own history and does not.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[:, 4] = 0.0
    rare = rng.choice(n, size=n // 20, replace=False)
    X[rare, 4] = rng.normal(loc=1.0, scale=0.5, size=rare.size)
    w_true = np.array([1.0, -2.0, 0.5, 1.5, 3.0])
    y = X @ w_true + 0.1 * rng.normal(size=n)  # noisy targets
    x_min = np.linalg.lstsq(X, y, rcond=None)[0]  # exact minimiser of the noisy problem

    def grad(w):
        return _least_squares_grad(X, y, w)  # ∇ of ‖Xθ − y‖² / 2n

    return Problem(
        "sparse_least_squares",
        _least_squares_f(X, y),
        grad,
        x_min,
        np.zeros(5),
        r"f(\theta) = \tfrac{1}{2n}\lVert X\theta - y \rVert^2",
    )


#: Least squares, 200 rows, one feature present in only 10 of them (full-batch gradients).
sparse_least_squares = _make_sparse_least_squares()


def _make_noisy_least_squares(n: int = 1000, batch: int = 10, seed: int = 1, noise: float = 0.05) -> Problem:
    r"""Least squares with minibatch gradients: 1000 rows, 5 features of different scales.

    $f(\theta) = \lVert X\theta - y\rVert^2/2n$ over all rows, minimised exactly at
    $\theta^\ast$ (``x_min``). An optimizer sees only minibatch gradients
    $X_B^\top(X_B\theta - y_B)/|B|$: each epoch the rows are shuffled (by a generator
    seeded with the sampler's seed) and cut into 100 batches of 10. The mean of an
    epoch's 100 minibatch gradients at one point is the full gradient, so the estimate
    is unbiased; because the targets are noisy (standard deviation `noise`), the minibatch
    gradients do not vanish at $\theta^\ast$, so a constant learning rate leaves every
    method jittering around it.
    """
    if n % batch:
        raise ValueError(f"Invalid batch: {batch!r} (expected a divisor of n = {n})")
    rng = np.random.default_rng(seed)
    scales = np.array([4.0, 2.0, 1.0, 0.5, 0.25])  # curvatures 16 ... 1/16: ill-conditioned
    X = rng.normal(size=(n, scales.size)) * scales
    w_true = np.array([1.0, -1.0, 2.0, -2.0, 3.0])
    y = X @ w_true + noise * rng.normal(size=n)
    x_min = np.linalg.lstsq(X, y, rcond=None)[0]

    def grad(w):
        return _least_squares_grad(X, y, w)

    def sampler(sample_seed: int) -> Callable[[np.ndarray], np.ndarray]:
        draw = np.random.default_rng(sample_seed)
        order, pos = np.empty(0, dtype=int), 0

        def minibatch_grad(w):
            nonlocal order, pos
            if pos == order.size:  # a new epoch: a new shuffle
                order, pos = draw.permutation(n), 0
            rows = order[pos : pos + batch]
            pos += batch
            Xb, yb = X[rows], y[rows]
            return _least_squares_grad(Xb, yb, w)

        return minibatch_grad

    return Problem(
        "noisy_least_squares",
        _least_squares_f(X, y),
        grad,
        x_min,
        np.zeros(scales.size),
        r"f(\theta) = \tfrac{1}{2n}\lVert X\theta - y \rVert^2",
        sampler,
    )


#: Least squares on minibatches of 10 of 1000 rows, five features of scales 4 ... 1/4.
noisy_least_squares = _make_noisy_least_squares()

PROBLEMS = {
    p.name: p
    for p in (quadratic, d2l_quadratic, rotated_quadratic, rosenbrock, sparse_least_squares, noisy_least_squares)
}
