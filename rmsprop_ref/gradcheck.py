"""Check a hand-written gradient against central finite differences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["GradientCheck", "check_gradient"]


@dataclass(frozen=True)
class GradientCheck:
    """The result of [`check_gradient`][rmsprop_ref.check_gradient]; ``print`` it for a per-coordinate report."""

    x: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    rtol: float
    atol: float

    @property
    def error(self) -> np.ndarray:
        return np.abs(self.analytic - self.numeric)

    @property
    def bad(self) -> np.ndarray:
        """Indices of coordinates where the two disagree beyond ``atol + rtol*|numeric|``."""
        return np.flatnonzero(self.error > self.atol + self.rtol * np.abs(self.numeric))

    @property
    def ok(self) -> bool:
        return self.bad.size == 0

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "OK" if self.ok else f"MISMATCH in {self.bad.size} of {self.x.size} coordinate(s)"
        lines = [f"gradient check: {verdict}", f"{'i':>3} {'x':>10} {'analytic':>12} {'numeric':>12} {'abs err':>9}"]
        bad = set(self.bad.tolist())
        for i in range(self.x.size):
            flag = "  <-- wrong" if i in bad else ""
            row = f"{i:>3} {self.x[i]:>10.4g} {self.analytic[i]:>12.6g} {self.numeric[i]:>12.6g}"
            lines.append(f"{row} {self.error[i]:>9.2g}{flag}")
        return "\n".join(lines)


def check_gradient(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x: ArrayLike,
    *,
    h: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> GradientCheck:
    r"""Compare ``grad(x)`` with central differences ``(f(x + h*e_i) - f(x - h*e_i)) / (2*h)``.

    `x` is the point $\theta$ where the gradient is checked and ``e_i`` the unit vector along
    coordinate $i$. The central difference's error shrinks like ``h**2``; with `h = 1e-6` in float64 its
    error is about 1e-9 relative for smooth functions, well inside `rtol`.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda p: p[0] ** 2 + 0.5 * p[1] ** 2
    >>> wrong = lambda p: np.array([2 * p[0], 0.2 * p[1]])  # the true one is (2 p[0], p[1])
    >>> check_gradient(f, wrong, [1.0, 2.0]).ok
    False
    """
    x = np.array(x, dtype=np.float64).reshape(-1)
    analytic = np.asarray(grad(x.copy()), dtype=np.float64).reshape(-1)
    if analytic.shape != x.shape:
        raise ValueError(f"grad(x) has {analytic.size} entries, x has {x.size}")
    numeric = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        numeric[i] = (f(x + e) - f(x - e)) / (2 * h)
    return GradientCheck(x, analytic, numeric, rtol, atol)
