"""rmsprop_ref.papers: the vectorised runs are the package's optimizers, step for step; the data
are the constructions the page describes; bad input is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from rmsprop_ref import SGD, Adagrad, Adam, RMSprop, set_lr
from rmsprop_ref.papers import REDDI, reddi_gradients, reddi_runs, wilson_data


def test_reddi_gradients_follow_the_paper():
    """1010 at t = 1, 102, 203, ... (t mod 101 = 1), -10 otherwise; the stochastic sequence has
    only those two values, about 1% of them large."""
    g = reddi_gradients(303)
    large = np.flatnonzero(g == 1010.0) + 1
    assert list(large) == [1, 102, 203]
    assert np.all(g[g != 1010.0] == -10.0)
    s = reddi_gradients(100_000, seed=3)
    assert set(np.unique(s)) == {1010.0, -10.0}
    assert 0.009 < np.mean(s > 0) < 0.011


def test_reddi_runs_are_adam_itself():
    """Each column of reddi_runs equals Adam(lr=eta, betas=(0.9, 0.99), amsgrad=...) stepped with
    set_lr(eta/sqrt(t)) and clipped to [-1, 1] after each step, bit for bit."""
    steps, etas, seeds = 404, (0.1, 10.0), (7,)
    runs = reddi_runs(steps, etas, seeds, every=1)
    for q, seed in enumerate((None, *seeds)):
        g = reddi_gradients(steps, seed)
        for i, amsgrad in enumerate((False, True)):
            for j, eta in enumerate(etas):
                x = np.zeros(1)
                opt = Adam(x, lr=eta, betas=REDDI["betas"], amsgrad=amsgrad)
                path, loss = [0.0], [0.0]
                for t in range(1, steps + 1):
                    loss.append(loss[-1] + g[t - 1] * x[0])
                    set_lr(opt, eta / np.sqrt(t))
                    opt.step(np.array([g[t - 1]]))
                    np.clip(x, -1.0, 1.0, out=x)
                    path.append(x[0])
                assert np.array_equal(runs.x[:, i, j, q], path), (q, amsgrad, eta)
                np.testing.assert_allclose(runs.loss[:, i, j, q], loss, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(runs.slope[1:, 0], np.cumsum(reddi_gradients(steps)))


def test_reddi_runs_at_other_betas_are_adam_at_those_betas():
    """betas=(0.9, 0.999): each column equals Adam at those betas, stepped as above, bit for bit;
    betas Adam refuses are refused by reddi_runs too, by name."""
    steps, betas = 303, (0.9, 0.999)
    runs = reddi_runs(steps, (1.0,), (), every=1, betas=betas)
    g = reddi_gradients(steps)
    for i, amsgrad in enumerate((False, True)):
        x = np.zeros(1)
        opt = Adam(x, lr=1.0, betas=betas, amsgrad=amsgrad)
        path = [0.0]
        for t in range(1, steps + 1):
            set_lr(opt, 1.0 / np.sqrt(t))
            opt.step(np.array([g[t - 1]]))
            np.clip(x, -1.0, 1.0, out=x)
            path.append(x[0])
        assert np.array_equal(runs.x[:, i, 0, 0], path), amsgrad
    assert not np.array_equal(runs.x, reddi_runs(steps, (1.0,), (), every=1).x)  # betas were used
    with pytest.raises(ValueError, match=r"beta"):
        reddi_runs(10, (1.0,), (), betas=(0.9, 1.5))


def test_wilson_data_has_the_construction():
    """Label in column 0, ones in columns 1 and 2, then 1 (positive) or 5 (negative) features of
    each row's own; X sign(X^T y) = 4 y, the property the paper's lemma needs."""
    X, y, y_test = wilson_data(40, 0.6, 50, seed=1)
    assert np.array_equal(X[:, 0], y) and np.all(X[:, 1:3] == 1)
    own = X[:, 3:]
    assert np.array_equal(own.sum(axis=1), np.where(y > 0, 1, 5))
    assert np.all(own.sum(axis=0) == 1)  # each own feature belongs to exactly one row
    assert np.array_equal(X @ np.sign(X.T @ y), 4 * y)
    assert y_test.shape == (50,) and set(np.unique(y_test)) <= {-1.0, 1.0}


def test_wilson_data_refuses_a_sample_without_more_positives():
    with pytest.raises(ValueError, match=r"sum\(y\) = -"):
        wilson_data(10, 0.0, 5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: reddi_gradients(0), r"Invalid steps: 0 \(expected an int >= 1\)"),
        (lambda: reddi_gradients(2.5), r"Invalid steps: 2.5"),
        (lambda: reddi_runs(10, (1.0, -0.5), (0,)), r"Invalid lr: -0.5"),
        (lambda: reddi_runs(10, (1.0,), (0,), every=0), r"Invalid every: 0"),
        (lambda: wilson_data(0, 0.6, 5), r"Invalid n: 0"),
        (lambda: wilson_data(10, 0.6, -1), r"Invalid n_test: -1"),
        (lambda: wilson_data(10, 1.5, 5), r"Invalid p: 1.5 \(expected 0 <= p <= 1\)"),
    ],
)
def test_bad_input_is_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("method", "cls", "kw"),
    [("SGD", SGD, {}), ("Adagrad", Adagrad, {}), ("RMSprop", RMSprop, {}), ("Adam", Adam, {})],
)
def test_wilson_study_columns_are_the_optimizers(method, cls, kw):
    """The study's vectorised update equals the optimizer class on one column (30 steps)."""
    from rmsprop_ref.compare import _vector_step
    from rmsprop_ref.papers import adam_update

    X, y, _ = wilson_data(20, 0.6, 5, seed=2)
    lr = 1e-3
    theta = np.zeros(X.shape[1])
    opt = cls(theta, lr=lr, **kw)
    for _ in range(30):
        opt.step(2 * X.T @ (X @ theta - y))
    cols = np.zeros((X.shape[1], 1))
    if method == "Adam":
        hyper = Adam(np.zeros(1)).hyperparams
        del hyper["lr"]
        state = [np.zeros_like(cols) for _ in range(3)] + [np.empty((2, *cols.shape))]
        for t in range(1, 31):
            adam_update(cols, 2 * X.T @ (X @ cols - y[:, None]), *state, lr=np.array([lr]), step=t, **hyper)
    else:
        step, init = _vector_step(method, {})
        state = [np.full_like(cols, s) for s in init] + [np.empty((2, *cols.shape))]
        for t in range(1, 31):
            step(cols, 2 * X.T @ (X @ cols - y[:, None]), state, np.array([lr]), t)
    np.testing.assert_array_equal(cols[:, 0], theta)
