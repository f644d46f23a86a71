"""EWMA against pandas: bias-corrected EWMA == ewm(adjust=True); the span/com/halflife helpers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require
from rmsprop_ref import (
    beta_from_com,
    beta_from_halflife,
    beta_from_span,
    com_from_beta,
    ewma,
    halflife_from_beta,
    span_from_beta,
)

pd = require("pandas", "parity tests compare the EWMA against pandas")
pytestmark = pytest.mark.parity


@pytest.mark.parametrize("beta", [0.0, 0.1, 0.5, 0.9, 0.99, 0.999])
@pytest.mark.parametrize("n", [1, 2, 10, 500])
def test_bias_corrected_equals_pandas_adjust_true(beta, n):
    x = np.random.default_rng(n).normal(loc=3.0, size=n)
    expected = pd.Series(x).ewm(alpha=1 - beta, adjust=True).mean().to_numpy()
    np.testing.assert_allclose(ewma(x, beta, bias_correction=True), expected, rtol=1e-10, atol=1e-12)


@given(
    x=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    beta=st.floats(0.0, 0.995),
)
@settings(max_examples=200, deadline=None)
def test_bias_corrected_equals_pandas_property(x, beta):
    expected = pd.Series(x, dtype=float).ewm(alpha=1 - beta, adjust=True).mean().to_numpy()
    scale = max(1.0, max(abs(v) for v in x))
    np.testing.assert_allclose(ewma(x, beta, bias_correction=True), expected, rtol=1e-9, atol=1e-9 * scale)


def test_adjust_false_is_another_average():
    # On a constant series both the bias-corrected EWMA and pandas' adjust=False give the
    # constant (only the uncorrected, zero-started v_t does not: v_1 = 0.1·5 = 0.5), so a
    # constant cannot tell them apart...
    c = np.full(4, 5.0)
    np.testing.assert_allclose(ewma(c, 0.9, bias_correction=True), 5.0, rtol=1e-15)
    np.testing.assert_allclose(pd.Series(c).ewm(alpha=0.1, adjust=False).mean(), 5.0, rtol=1e-15)
    assert ewma(c, 0.9)[0] == pytest.approx(0.5, rel=1e-15)
    # ...but x = (0, 10) does. adjust=False starts at x_1: y_2 = 0.9·0 + 0.1·10 = 1.
    # Bias-corrected: v_2 = 0.9·0 + 0.1·10 = 1, divided by 1 − 0.9² = 0.19: 5.263 = 10/1.9.
    x = np.array([0.0, 10.0])
    assert pd.Series(x).ewm(alpha=0.1, adjust=False).mean().iloc[-1] == pytest.approx(1.0, rel=1e-15)
    assert ewma(x, 0.9, bias_correction=True)[-1] == pytest.approx(10 / 1.9, rel=1e-15)


def test_along_axis_matches_dataframe():
    x = np.random.default_rng(0).normal(size=(50, 4))
    expected = pd.DataFrame(x).ewm(alpha=0.2, adjust=True).mean().to_numpy()
    np.testing.assert_allclose(ewma(x, 0.8, bias_correction=True, axis=0), expected, rtol=1e-12)
    np.testing.assert_allclose(ewma(x.T, 0.8, bias_correction=True, axis=1), expected.T, rtol=1e-12)


@pytest.mark.parametrize(
    ("kind", "value", "to_beta", "from_beta"),
    [
        ("span", 19.0, beta_from_span, span_from_beta),
        ("span", 1.5, beta_from_span, span_from_beta),
        ("com", 9.0, beta_from_com, com_from_beta),
        ("com", 0.25, beta_from_com, com_from_beta),
        ("halflife", 6.58, beta_from_halflife, halflife_from_beta),
        ("halflife", 1.0, beta_from_halflife, halflife_from_beta),
    ],
)
def test_parametrisations_match_pandas(kind, value, to_beta, from_beta):
    x = np.random.default_rng(1).normal(size=80)
    beta = to_beta(value)
    expected = pd.Series(x).ewm(**{kind: value}).mean().to_numpy()
    np.testing.assert_allclose(ewma(x, beta, bias_correction=True), expected, rtol=1e-10)
    assert from_beta(beta) == pytest.approx(value, rel=1e-12)


def test_halflife_is_where_the_weight_halves():
    # A known slip calls 1/β the half-life. With β = 0.5^(1/7) the half-life is 7 steps: feed
    # an impulse, and the weight of that one value has halved after exactly 7 steps, in ewma
    # and in pandas given halflife_from_beta(β) (adjust=False: y_t = β^t for the impulse).
    beta = 0.5 ** (1 / 7)
    h = halflife_from_beta(beta)
    assert h == pytest.approx(7.0, rel=1e-12)
    x = np.zeros(20)
    x[0] = 1.0
    ours = ewma(x, beta)
    theirs = pd.Series(x).ewm(halflife=h, adjust=False).mean().to_numpy()
    assert ours[7] / ours[0] == pytest.approx(0.5, rel=1e-12)
    assert theirs[7] / theirs[0] == pytest.approx(0.5, rel=1e-12)
    # At β = 0.9, pandas given halflife_from_beta(0.9) = 6.58 averages as ewma(β = 0.9);
    # given 1/β = 1.11 it does not.
    y = np.random.default_rng(3).normal(size=50)
    ours = ewma(y, 0.9, bias_correction=True)
    np.testing.assert_allclose(pd.Series(y).ewm(halflife=halflife_from_beta(0.9)).mean(), ours, rtol=1e-10)
    assert halflife_from_beta(0.9) == pytest.approx(6.58, abs=5e-3)
    assert not np.allclose(pd.Series(y).ewm(halflife=1 / 0.9).mean(), ours, rtol=1e-2)
