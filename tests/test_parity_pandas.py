"""EWMA against pandas: bias-corrected EWMA == ewm(adjust=True); the span/com/halflife helpers."""

import numpy as np
import pytest
from conftest import require
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_not_equal_to_adjust_false():
    # adjust=False starts at x_0, the zero-started EWMA does not: they differ.
    x = np.array([5.0, 5.0, 5.0])
    assert not np.allclose(ewma(x, 0.9), pd.Series(x).ewm(alpha=0.1, adjust=False).mean())


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


def test_halflife_of_09_is_not_one_over_beta():
    # A known slip calls 1/β the half-life; at β = 0.9 the weights halve after ln2/−ln0.9 steps.
    assert halflife_from_beta(0.9) == pytest.approx(6.5788, abs=1e-4)
    x = np.zeros(200)
    x[0] = 1.0  # an impulse: the EWMA then shows the weight of that one value decaying
    v = ewma(x, 0.9)
    assert v[7] / v[0] == pytest.approx(0.9**7)
    assert 0.9**6.5788 == pytest.approx(0.5, abs=1e-4)
