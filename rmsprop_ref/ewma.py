r"""The exponentially weighted moving average (EWMA) and its four parametrisations.

$$ v_0 = 0, \qquad v_t = \beta\, v_{t-1} + (1-\beta)\, x_t, \qquad
\hat v_t = \frac{v_t}{1 - \beta^t} $$

The weight of $x_{t-k}$ in $v_t$ is $(1-\beta)\beta^k$: it decays geometrically,
and the weights sum to $1 - \beta^t$, not 1. That is the bias of the zero start,
and dividing by $1-\beta^t$ removes it (Kingma & Ba 2015, sec. 3). The
bias-corrected $\hat v_t$ equals ``pandas.Series.ewm(alpha=1 - beta,
adjust=True).mean()``.

pandas parametrises the same average by ``alpha = 1 - beta``, ``span``,
``com`` (center of mass) or ``halflife``; the helpers below convert between
them with pandas' formulas.
"""

from __future__ import annotations

import math

# --8<-- [start:imports]
# Absolute, so that the page's included copy runs when pasted into an interpreter.
import numpy as np
from numpy.typing import ArrayLike

from rmsprop_ref._checks import check_bool, check_number

# --8<-- [end:imports]

__all__ = [
    "beta_from_com",
    "beta_from_halflife",
    "beta_from_span",
    "com_from_beta",
    "ewma",
    "halflife_from_beta",
    "span_from_beta",
]


# --8<-- [start:ewma]
def ewma(
    x: ArrayLike,
    beta: float,
    *,
    bias_correction: bool = False,
    axis: int = 0,
) -> np.ndarray:
    r"""The zero-started EWMA $v_t$ of `x` along `axis`, for every $t = 1, \dots, T$.

    $$ v_t = \beta\, v_{t-1} + (1-\beta)\, x_t, \quad v_0 = 0;
       \qquad \text{with bias\_correction: } \hat v_t = v_t / (1-\beta^t) $$

    Parameters
    ----------
    x
        values, any real array; `x` is not modified.
    beta
        decay, `0 <= beta < 1`; larger means smoother and slower.
    bias_correction
        divide by $1-\beta^t$ to undo the pull towards the zero start.
    axis
        the time axis.

    Returns
    -------
    numpy.ndarray
        A float array of the shape of `x` (float64 unless `x` is float32/float16).

    Examples
    --------
    >>> ewma([10.0, 10.0, 10.0], 0.9).round(2).tolist()  # pulled towards the zero start
    [1.0, 1.9, 2.71]
    >>> ewma([10.0, 10.0, 10.0], 0.9, bias_correction=True).round(2).tolist()
    [10.0, 10.0, 10.0]
    """
    beta = check_number("beta", beta, 0, 1)
    check_bool("bias_correction", bias_correction)
    x = np.asarray(x)
    if x.dtype.kind not in "fiu":
        raise TypeError(f"x has dtype {x.dtype}, expected real numbers")
    if x.ndim == 0:
        raise ValueError(
            "x is a scalar; give a series (at least one dimension) to average over",
        )
    axis = _check_axis(axis, x.ndim)
    x = np.moveaxis(x, axis, 0)
    dtype = np.result_type(x.dtype, np.float16) if x.dtype.kind == "f" else np.float64
    v = np.zeros(x.shape, dtype=dtype)
    prev = np.zeros(x.shape[1:], dtype=v.dtype)
    for t in range(x.shape[0]):
        prev = beta * prev + (1 - beta) * x[t]  # v_t = β v_{t-1} + (1-β) x_t
        v[t] = prev
    if bias_correction:
        t = np.arange(1, x.shape[0] + 1).reshape((-1,) + (1,) * (x.ndim - 1))
        v /= 1 - beta**t  # weights (1-β)β^k sum to 1-β^t; rescale them to 1, in place
    return np.moveaxis(v, 0, axis)


def _check_axis(axis: object, ndim: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"Invalid axis: {axis!r} (expected an int)")
    if not -ndim <= axis < ndim:
        raise ValueError(f"Invalid axis: {axis} (x has {ndim} dimension(s))")
    return int(axis) % ndim


# --8<-- [end:ewma]


def beta_from_span(span: float) -> float:
    r"""pandas' ``span`` (its weight ``alpha = 2 / (span + 1)``), so $\beta = (\text{span}-1)/(\text{span}+1)$.

    `span >= 1`."""
    span = check_number("span", span, 1, math.inf)
    return (span - 1) / (span + 1)


def span_from_beta(beta: float) -> float:
    r"""Inverse of [`beta_from_span`][rmsprop_ref.beta_from_span]: $\text{span} = (1+\beta)/(1-\beta)$."""
    beta = check_number("beta", beta, 0, 1)
    return (1 + beta) / (1 - beta)


def beta_from_com(com: float) -> float:
    r"""pandas' center of mass ``com`` (its weight ``alpha = 1 / (1 + com)``), so $\beta = \text{com}/(1+\text{com})$.

    `com >= 0`."""
    com = check_number("com", com, 0, math.inf)
    return com / (1 + com)


def com_from_beta(beta: float) -> float:
    r"""Inverse of [`beta_from_com`][rmsprop_ref.beta_from_com]: $\text{com} = \beta/(1-\beta)$.

    The center of mass is the mean age of the weights, in steps."""
    beta = check_number("beta", beta, 0, 1)
    return beta / (1 - beta)


def beta_from_halflife(halflife: float) -> float:
    r"""pandas' ``halflife`` (its weight ``alpha = 1 - exp(-ln 2 / halflife)``), so $\beta = 2^{-1/\text{halflife}}$.

    The weights halve every `halflife` steps. `halflife > 0`."""
    halflife = check_number("halflife", halflife, 0, math.inf, low_open=True)
    return 0.5 ** (1 / halflife)


def halflife_from_beta(beta: float) -> float:
    r"""Inverse of [`beta_from_halflife`][rmsprop_ref.beta_from_halflife]: $\text{halflife} = \ln 2 / (-\ln\beta)$.

    That is 6.58 steps at $\beta = 0.9$, not $1/\beta$ as a well-known book says."""
    beta = check_number("beta", beta, 0, 1, low_open=True)
    return math.log(2) / -math.log(beta)
