"""The compiled copy of `rmsprop_update`, for large parameters (optional: needs numba).

[`rmsprop_update`][rmsprop_ref.rmsprop_update] is the reference: it is the update the
pages show and explain. This module is its compiled copy, a loop over the elements
that does each element's arithmetic in the same order, in the same dtype, with the same
rounding, so the results are bit-identical (tests/test_compiled.py checks every option
in float32 and float64, including NaN, inf, denormals and the centered clamp), but for
the sign of a NaN, which IEEE 754 leaves open: LLVM may swap the operands of a
commutative + or *, and x86 then returns the other operand's NaN. Unlike numpy's
ufuncs, the loop reports no floating-point errors: numpy's errstate does not reach it,
so an overflow that makes the numpy path warn passes silently here (under an errstate
that raises, `Optimizer.step` takes the numpy path instead). It
exists only for speed: numpy needs about nine passes over the arrays for the update,
the loop one (docs/performance.md).

Numba is imported with this module (without it, `rmsprop_kernel` is None), and
`RMSprop.step` imports this module only on the first step that could use it: a large
float32 or float64 C-contiguous parameter and `RMSPROP_REF_COMPILED` not set to 0.
Install numba with ``pip install -e ".[fast]"`` from a clone (``-c constraints.txt`` for
the tested versions).

Rules that keep the copy exact:

- Every hyperparameter reaches the loop as a scalar of the arrays' dtype, rounded the
  way numpy rounds a Python float in ``array *= x`` (NEP 50: the float takes the array's
  dtype), so ``(1 - alpha)`` is computed in Python and then rounded, as
  ``d *= 1 - alpha`` does. A hyperparameter numpy would not treat that way (a numpy
  float64 scalar makes a float32 ufunc compute in float64) is refused: `scalars`
  returns None and the numpy path runs.
- Each line does the operations of `rmsprop_update`'s lines in their order:
  ``(g*g)*(1-alpha)``, not ``g*(g*(1-alpha))``. No ``fastmath``: LLVM may then neither
  reorder nor fuse a multiply and an add into one rounding.
- ``nogil=True`` and serial: the step's own thread pool (`_base.py`) splits a large
  parameter into one range per core and runs the kernel on each; no numba threading
  layer is involved, so several Python threads may step at once.
"""

from __future__ import annotations

import numpy as np

try:
    import numba
except ImportError:  # the `fast` extra is not installed: RMSprop.step keeps the numpy path
    numba = None

__all__ = ["rmsprop_kernel", "rmsprop_step", "scalars"]


def _compile(function):
    if numba is None:
        return None
    try:
        return numba.njit(nogil=True, cache=True, error_model="numpy")(function)
    except RuntimeError:  # numba found no writable folder for its cache: compile in each process instead
        return numba.njit(nogil=True, error_model="numpy")(function)


@_compile
def rmsprop_kernel(param, grad, square_avg, grad_avg, momentum_buffer,
                   lr, alpha, one_minus_alpha, eps, weight_decay, momentum,
                   use_weight_decay, eps_in_sqrt):  # fmt: skip
    """`rmsprop_update` on 1-D C-contiguous arrays of one dtype, element by element, in place.

    The scalars are of the arrays' dtype (see `scalars`). ``grad_avg`` is None unless
    ``centered``, ``momentum_buffer`` None unless ``momentum`` (``if momentum:`` in
    `rmsprop_update`); ``use_weight_decay`` is ``bool(weight_decay)`` of the Python value
    (``if weight_decay:``), whatever it rounds to. Numba compiles one loop for each
    combination of arrays and None and drops the branches of the None ones before
    compiling: with their loads and stores behind run-time flags, LLVM did not vectorise
    the loop (0.69 against 0.35 ms at n = 1e6 float32), while the two flags cost nothing
    measurable (0.32-0.36 ms either way, 2026-12-03). So there are four loops per dtype.
    ``error_model="numpy"``: a division by zero gives inf or NaN, as in numpy, instead
    of raising (and lets LLVM vectorise the division).
    """
    zero = param.dtype.type(0)
    for i in range(param.size):
        if use_weight_decay:
            g = param[i] * weight_decay  # np.multiply(param, weight_decay, out=g)
            g = g + grad[i]  # g += grad
        else:
            g = grad[i]

        v = square_avg[i] * alpha  # square_avg *= alpha
        d = g * g  # np.multiply(g, g, out=d)
        d = d * one_minus_alpha  # d *= 1 - alpha
        v = v + d  # square_avg += d
        square_avg[i] = v

        if grad_avg is not None:  # centered
            m = grad_avg[i] * alpha  # grad_avg *= alpha
            d = g * one_minus_alpha  # np.multiply(g, 1 - alpha, out=d)
            m = m + d  # grad_avg += d
            grad_avg[i] = m
            d = m * m  # np.multiply(grad_avg, grad_avg, out=d)
            d = v - d  # np.subtract(square_avg, d, out=d)
            if d <= 0:  # np.maximum(d, 0, out=d): -0.0 and negatives give +0.0, NaN stays NaN
                d = zero
        else:
            d = v

        if eps_in_sqrt:
            d = d + eps  # np.add(v, eps, out=d)
            d = np.sqrt(d)  # np.sqrt(d, out=d)
        else:
            d = np.sqrt(d)  # np.sqrt(v, out=d)
            d = d + eps  # d += eps

        d = g / d  # np.divide(g, d, out=d)
        if momentum_buffer is not None:
            b = momentum_buffer[i] * momentum  # momentum_buffer *= momentum
            b = b + d  # momentum_buffer += d
            momentum_buffer[i] = b
            d = b * lr  # np.multiply(momentum_buffer, lr, out=d)
        else:
            d = d * lr  # d *= lr
        param[i] = param[i] - d  # param -= d


# Below 2**24 a Python int is exact in float32 and float64, so its conversion cannot round
# differently from numpy's.
_EXACT_INT = 2**24


def scalars(dtype: np.dtype, hyperparams: dict) -> tuple | None:
    """The kernel's arguments after the five arrays, for arrays of `dtype`, or None.

    None when some hyperparameter is neither a Python float (or a small int) nor a numpy
    scalar of `dtype` itself: numpy would not round it to `dtype` before the operation
    (a numpy float64 scalar makes a float32 ufunc compute in float64), so the numpy path
    must run instead.
    """
    t, h = dtype.type, hyperparams
    for name in ("lr", "alpha", "eps", "weight_decay", "momentum"):
        x = h[name]
        if not (
            type(x) is float
            or (type(x) is int and -_EXACT_INT <= x <= _EXACT_INT)
            or (isinstance(x, np.floating) and x.dtype == dtype)
        ):
            return None
    with np.errstate(over="ignore"):  # a huge Python float becomes inf in float32, as in numpy
        return (
            t(h["lr"]),
            t(h["alpha"]),
            t(1 - h["alpha"]),
            t(h["eps"]),
            t(h["weight_decay"]),
            t(h["momentum"]),
            bool(h["weight_decay"]),
            bool(h["eps_in_sqrt"]),
        )


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, **hyperparams) -> None:
    """`rmsprop_update`'s arguments without `work`, on C-contiguous arrays of one float dtype and shape.

    Raises ValueError where `scalars` refuses the hyperparameters or an array is not
    C-contiguous (it could not be flattened into a view, and the writes would be lost).
    """
    arrays = (param, grad, square_avg, grad_avg, momentum_buffer)
    if not all(a.flags.c_contiguous for a in arrays if a is not None):
        raise ValueError("every array must be C-contiguous")
    s = scalars(param.dtype, hyperparams)
    if s is None:
        raise ValueError(f"hyperparameters {hyperparams} are not all Python floats or {param.dtype} scalars")
    flat = [a.reshape(-1) for a in arrays[:3]]
    grad_avg = grad_avg.reshape(-1) if hyperparams["centered"] else None
    momentum_buffer = momentum_buffer.reshape(-1) if hyperparams["momentum"] else None
    rmsprop_kernel(*flat, grad_avg, momentum_buffer, *s)
