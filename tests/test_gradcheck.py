import numpy as np

from rmsprop_ref import check_gradient, quadratic


def f(p):
    return p[0] ** 2 + 0.5 * p[1] ** 2


def test_flags_the_articles_gradient():
    # The source article used grad = (2x, 0.2y) for f = x² + 0.5y²; ∂f/∂y is y.
    report = check_gradient(f, lambda p: np.array([2 * p[0], 0.2 * p[1]]), [-4.5, 4.5])
    assert not report.ok
    assert report.bad.tolist() == [1]  # x is right, y is wrong
    np.testing.assert_array_equal(report.analytic, [-9.0, 0.9])  # what the wrong gradient returned
    np.testing.assert_allclose(report.numeric, [-9.0, 4.5], rtol=1e-8)  # (2x, y) at (-4.5, 4.5)
    text = str(report)
    assert "MISMATCH in 1 of 2" in text and "<-- wrong" in text


def test_passes_the_true_gradient():
    report = check_gradient(f, quadratic.grad, [-4.5, 4.5])
    assert report.ok and bool(report)
    assert "gradient check: OK" in str(report)


def test_shape_mismatch_is_reported():
    import pytest

    with pytest.raises(ValueError, match="grad\\(x\\) has 3 entries, x has 2"):
        check_gradient(f, lambda p: np.zeros(3), [1.0, 2.0])
