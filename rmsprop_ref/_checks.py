"""Argument checks shared by the optimizers and the EWMA helpers.

Every check names the bad value and the accepted range, so that a reader who
mistypes ``alpha=1.5`` sees exactly what went wrong and where.
"""

from __future__ import annotations

import math
import numbers


def check_number(
    name: str, value: object, low: float, high: float, *, low_open: bool = False, high_open: bool = True
) -> float:
    """Return ``value`` as a float after checking ``low <=/< value </<= high``.

    ``bool`` is refused even though it is an ``int`` subclass: ``alpha=True``
    is almost certainly a slip, not a request for ``alpha=1``.
    """
    lo_sign = "<" if low_open else "<="
    hi_sign = "<" if high_open else "<="
    expected = f"expected {_fmt(low)} {lo_sign} {name} {hi_sign} {_fmt(high)}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid {name}: {value!r} ({expected}, got {type(value).__name__})")
    v = float(value)
    # NaN fails every comparison, so it lands here too.
    ok_low = v > low if low_open else v >= low
    ok_high = v < high if high_open else v <= high
    if not (ok_low and ok_high):
        raise ValueError(f"Invalid {name}: {value!r} ({expected})")
    return v


def check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"Invalid {name}: {value!r} (expected True or False)")
    return value


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf"
    return f"{x:g}"
