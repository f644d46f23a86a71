"""GloVe on The Time Machine (rmsprop_ref.glove): the counts by hand, the gradient against
central differences, the vectorised runs against the optimizer classes, lazy Adam against
torch's SparseAdam."""

import functools

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import SGD, Adagrad, Adam, RMSprop, check_gradient
from rmsprop_ref.data import time_machine
from rmsprop_ref.glove import (
    GLOVE_PROTOCOL,
    cooccurrence,
    gradient,
    grid_runs,
    lazy_adam_update,
    loss,
    minibatches,
    start,
    weight,
)


@functools.cache
def small():
    """A corpus small enough for class-by-class runs: 3000 tokens, 3 minibatches an epoch."""
    return cooccurrence(time_machine()[:3000], min_count=5, window=2)


def test_cooccurrence_by_hand():
    """'a b a c', window 2: a-b adjacent twice (1 + 1), a-a 2 apart (1/2 each way), b-c 2 apart
    (1/2), a-c adjacent (1); a (2 times) ranks first, then b and c alphabetically."""
    data = cooccurrence(["a", "b", "a", "c"], min_count=1, window=2)
    assert data.words == ("a", "b", "c") and list(data.counts) == [2, 1, 1]
    X = np.zeros((3, 3))
    X[data.i, data.j] = data.x
    np.testing.assert_array_equal(X, [[1.0, 2.0, 1.0], [2.0, 0.0, 0.5], [1.0, 0.5, 0.0]])
    # a word below min_count is dropped but still takes its place in the distances
    data = cooccurrence(["a", "b", "a", "c"], min_count=2, window=2)
    assert data.words == ("a",) and list(data.x) == [1.0]


def test_weight_is_glove_f():
    """f(x) = min(1, (x / 100)^(3/4)), by hand."""
    np.testing.assert_allclose(weight([1.0, 50.0, 100.0, 400.0]), [0.01**0.75, 0.5**0.75, 1.0, 1.0], rtol=1e-15)


def test_gradient_matches_central_differences():
    data = small()
    theta0 = np.random.default_rng(1).normal(0, 0.3, size=(2 * data.V, 4))
    pick = np.random.default_rng(2).choice(len(data.x), 40, replace=False)
    i, j, x = data.i[pick], data.j[pick], data.x[pick]

    def f(flat):
        return float(loss(flat.reshape(theta0.shape), i, j, x, data.V))

    def g(flat):
        return gradient(flat.reshape(theta0.shape), i, j, x, data.V).ravel()

    check = check_gradient(f, g, theta0.ravel())
    assert check.ok, str(check)


def test_gradient_is_zero_outside_the_minibatch():
    data = small()
    idx = minibatches(0, data, 1)[0]
    g = gradient(start(data.V, 3), data.i[idx], data.j[idx], data.x[idx], data.V)
    rows = np.zeros(2 * data.V, bool)
    rows[data.i[idx]] = rows[data.V + data.j[idx]] = True
    assert np.all(g[~rows] == 0) and np.all(np.any(g[rows] != 0, axis=1))


def _class_run(cls, data, seed, epochs, **hyper):
    theta = start(data.V, GLOVE_PROTOCOL["dim"])
    opt = cls(theta, **hyper)
    for idx in minibatches(seed, data, epochs):
        opt.step(gradient(theta, data.i[idx], data.j[idx], data.x[idx], data.V))
    return theta


@pytest.mark.parametrize(
    "method, cls, hyper",
    [("SGD", SGD, {}), ("Adagrad", Adagrad, {}), ("RMSprop", RMSprop, {"alpha": 0.9}), ("Adam", Adam, {})],
)
def test_grid_columns_are_the_class_runs(method, cls, hyper):
    """Each (seed, rate) column of the vectorised run is the optimizer class's run on that seed's
    minibatches (summation order of repeated rows may differ: 1e-12 relative)."""
    data, lrs, seeds = small(), (0.01, 0.3), (3, 4)
    assert GLOVE_PROTOCOL["fixed"].get(method, {}) == hyper
    thetas = grid_runs(method, lrs, seeds, data=data, epochs=2)
    assert len(minibatches(3, data, 2)) >= 4
    for s, seed in enumerate(seeds):
        for k, lr in enumerate(lrs):
            want = _class_run(cls, data, seed, 2, lr=lr, **hyper)
            np.testing.assert_allclose(thetas[:, s, :, k], want, rtol=1e-12, atol=1e-15)


def test_lazy_adagrad_is_dense_adagrad_here():
    """Without weight decay a zero gradient changes neither s nor θ, so the lazy update is the dense one."""
    data = small()
    dense = _class_run(Adagrad, data, 0, 2, lr=0.3)
    lazy = _class_run(Adagrad, data, 0, 2, lr=0.3, lazy=True)
    assert np.array_equal(dense, lazy)


def _lazy_adam_loop(data, lr, batches):
    """Lazy Adam written out step by step with `lazy_adam_update` on θ of shape (2V, dim + 1)."""
    theta = start(data.V, GLOVE_PROTOCOL["dim"])
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, idx in enumerate(batches, start=1):
        g = gradient(theta, data.i[idx], data.j[idx], data.x[idx], data.V)
        present = np.zeros((2 * data.V, 1), bool)
        present[data.i[idx]] = present[data.V + data.j[idx]] = True
        lazy_adam_update(theta, g, m, v, present, lr=lr, step=t)
    return theta


def test_lazy_adam_matches_torch_sparse_adam():
    """lazy_adam_update against torch.optim.SparseAdam fed each minibatch's gradient as a sparse
    tensor of the rows in the minibatch, float64, 25 steps, to 1e-9."""
    torch = require("torch")
    data, lr = small(), 0.1
    batches = minibatches(2, data, 1, batch=16)[:25]  # small batches: most rows absent each step
    param = torch.tensor(start(data.V, GLOVE_PROTOCOL["dim"]), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SparseAdam([param], lr=lr)
    absent = []
    for idx in batches:
        g = gradient(param.detach().numpy().copy(), data.i[idx], data.j[idx], data.x[idx], data.V)
        rows = np.unique(np.concatenate([data.i[idx], data.V + data.j[idx]]))
        absent.append(1 - rows.size / (2 * data.V))
        values = torch.tensor(g[rows])
        param.grad = torch.sparse_coo_tensor(torch.tensor(rows[None]), values, param.shape, check_invariants=True)
        opt.step()
    assert min(absent) > 0.8
    np.testing.assert_allclose(_lazy_adam_loop(data, lr, batches), param.detach().numpy(), rtol=0, atol=1e-9)


def test_lazy_adam_grid_column_is_the_loop():
    """The study's vectorised lazy Adam (every seed and rate at once) equals the step-by-step
    loop on each seed's minibatches; and lazy Adam is not dense Adam."""
    data, lrs, seeds = small(), (0.01, 0.1), (2, 5)
    thetas = grid_runs("Adam, lazy", lrs, seeds, data=data, epochs=1, batch=16)
    for s, seed in enumerate(seeds):
        for k, lr in enumerate(lrs):
            want = _lazy_adam_loop(data, lr, minibatches(seed, data, 1, batch=16))
            np.testing.assert_allclose(thetas[:, s, :, k], want, rtol=1e-12, atol=1e-15)
    dense = grid_runs("Adam", lrs, seeds, data=data, epochs=1, batch=16)
    assert np.abs(dense - thetas).max() > 1e-3  # lazy Adam is a different optimizer, not a faster Adam


def test_lazy_adam_update_leaves_absent_rows_alone():
    rng = np.random.default_rng(0)
    theta, m, v = rng.normal(size=(3, 4, 2))
    v = np.abs(v)
    before = theta.copy(), m.copy(), v.copy()
    present = np.array([True, False, True, False])[:, None]
    lazy_adam_update(theta, rng.normal(size=(4, 2)), m, v, present, lr=0.1, step=5)
    for now, then in zip((theta, m, v), before):
        assert np.array_equal(now[1::2], then[1::2]) and np.all(now[::2] != then[::2])


def test_unknown_method_is_refused_by_name():
    with pytest.raises(ValueError, match="'Adamax'"):
        grid_runs("Adamax", (0.1,), (0,), data=small(), epochs=1)
