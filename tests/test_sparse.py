"""Sparse gradients: the embedding problem, lazy vs dense Adagrad, parity with torch's sparse Adagrad."""

import copy
import itertools

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import Adagrad
from rmsprop_ref.sparse import EmbeddingBag

SMALL = EmbeddingBag(n_rows=60, dim=3, bag=3, batch=4, seed=1)
STEPS = 120


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=(SMALL.n_rows, SMALL.dim))
    g = SMALL.grad(theta, 7)
    h = 1e-6
    for j in [*np.unique(SMALL.ids(7))[:4], SMALL.n_rows - 1]:
        for k in range(SMALL.dim):
            e = np.zeros_like(theta)
            e[j, k] = h
            fd = (SMALL.loss(theta + e, 7) - SMALL.loss(theta - e, 7)) / (2 * h)
            assert g[j, k] == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_gradient_is_zero_exactly_on_rows_not_looked_up():
    g = SMALL.grad(SMALL.start, 3)
    looked = np.zeros(SMALL.n_rows, bool)
    looked[SMALL.ids(3).ravel()] = True
    assert np.all(g[~looked] == 0) and np.all(np.any(g[looked] != 0, axis=1))
    assert looked.sum() <= SMALL.batch * SMALL.bag < SMALL.n_rows  # sparse: most rows get nothing


def test_lookups_follow_the_zipf_probabilities():
    counts = SMALL.lookups(2000)
    assert counts.sum() == 2000 * SMALL.batch * SMALL.bag
    # row 0 is the most frequent; the counts track the expectation within a few standard deviations
    expected = SMALL.expected_lookups(2000)
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected) + 5)


GRID = list(itertools.product([0.1, 1.0], [0.0, 0.01], [0.0, 0.1], [1e-10, 1.0]))


@pytest.mark.parity
@pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")  # torch's own internal tensor
@pytest.mark.parametrize(("lr", "lr_decay", "initial", "eps"), GRID)
def test_lazy_and_dense_match_torch_sparse_adagrad(lr, lr_decay, initial, eps):
    # torch.optim.Adagrad given a torch.sparse_coo_tensor gradient updates only the rows it
    # stores (s ← s + g² and θ on those rows), the lazy update. Without weight decay the
    # dense update is the same numbers, so both of ours must match it.
    torch = require("torch", "parity with torch's sparse Adagrad")
    kwargs = dict(lr=lr, lr_decay=lr_decay, initial_accumulator_value=initial, eps=eps)
    lazy, dense = SMALL.start, SMALL.start
    ours = [Adagrad(lazy, lazy=True, **kwargs), Adagrad(dense, **kwargs)]
    tp = torch.zeros(SMALL.n_rows, SMALL.dim, dtype=torch.float64)
    topt = torch.optim.Adagrad([tp], **kwargs)
    for t in range(1, STEPS + 1):
        for opt in ours:
            opt.step(SMALL.grad(opt.params[0], t))
        g = SMALL.grad(tp.numpy(), t)
        rows = np.unique(SMALL.ids(t))
        tp.grad = torch.sparse_coo_tensor(
            torch.from_numpy(rows[None]), torch.from_numpy(g[rows]), tp.shape, check_invariants=True
        )
        topt.step()
    assert tp.grad.is_sparse
    for theta, opt in zip((lazy, dense), ours):
        np.testing.assert_allclose(theta, tp.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(opt.state[0]["sum_sq"], topt.state[tp]["sum"].numpy(), rtol=1e-9, atol=1e-15)


@pytest.mark.parity
def test_torch_refuses_weight_decay_with_sparse_gradients():
    # Why the lazy option's weight-decay behaviour has no torch reference: torch rejects it.
    torch = require("torch")
    tp = torch.zeros(3, 2, dtype=torch.float64)
    topt = torch.optim.Adagrad([tp], weight_decay=0.1)
    tp.grad = torch.sparse_coo_tensor(torch.tensor([[1]]), torch.ones(1, 2, dtype=torch.float64), tp.shape)
    with pytest.raises(RuntimeError, match="weight_decay option is not compatible with sparse gradients"):
        topt.step()


def test_lazy_with_weight_decay_leaves_rows_without_gradient_untouched():
    # Weight decay adds λθ to every row's gradient, so the dense update moves and
    # accumulates rows that were not looked up; the lazy one leaves θ and s as they were.
    rng = np.random.default_rng(2)
    start = rng.normal(size=(6, 2))
    lazy, dense = start.copy(), start.copy()
    ol = Adagrad(lazy, lr=0.1, weight_decay=0.5, lazy=True)
    od = Adagrad(dense, lr=0.1, weight_decay=0.5)
    g = np.zeros((6, 2))
    g[[1, 4]] = rng.normal(size=(2, 2))
    ol.step(g)
    od.step(g)
    hit = np.array([False, True, False, False, True, False])
    np.testing.assert_array_equal(lazy[~hit], start[~hit])
    np.testing.assert_array_equal(ol.state[0]["sum_sq"][~hit], 0.0)
    assert np.all(dense[~hit] != start[~hit]) and np.all(od.state[0]["sum_sq"][~hit] > 0)
    # rows with a gradient: the same arithmetic in both
    np.testing.assert_array_equal(lazy[hit], dense[hit])
    np.testing.assert_array_equal(ol.state[0]["sum_sq"][hit], od.state[0]["sum_sq"][hit])


def test_without_weight_decay_lazy_equals_dense_bit_for_bit():
    # A zero gradient adds 0 to s and moves θ by 0, so skipping it changes nothing.
    lazy, dense = SMALL.start, SMALL.start
    ol, od = Adagrad(lazy, lr=0.5, lazy=True), Adagrad(dense, lr=0.5)
    for t in range(1, 60):
        ol.step(SMALL.grad(lazy, t))
        od.step(SMALL.grad(dense, t))
    np.testing.assert_array_equal(lazy, dense)


def test_lazy_works_on_a_strided_parameter():
    base = np.zeros((4, 6))
    view = base[:, ::2]  # not contiguous: no flat view exists
    opt = Adagrad(view, lr=0.1, weight_decay=0.1, lazy=True)
    g = np.zeros((4, 3))
    g[2, 1] = 1.0
    opt.step(g)
    assert base[2, 2] == pytest.approx(-0.1) and np.count_nonzero(base) == 1


def test_lazy_is_checked_and_saved():
    with pytest.raises(TypeError, match="Invalid lazy: 1 \\(expected True or False\\)"):
        Adagrad(np.zeros(2), lazy=1)
    opt = Adagrad(np.zeros(2), lazy=True)
    saved = copy.deepcopy(opt.state_dict())
    assert saved["hyperparams"]["lazy"] is True
    other = Adagrad(np.zeros(2))
    other.load_state_dict(saved)
    assert other.hyperparams["lazy"] is True


def test_lazy_blocked_threaded_path_equals_one_block(monkeypatch):
    # A parameter cut into many blocks (and shared between threads) gets the same lazy update.
    from rmsprop_ref import _base

    rng = np.random.default_rng(3)
    start = rng.normal(size=(300, 40))
    grads = [rng.normal(size=start.shape) * (rng.random(size=(300, 1)) < 0.1) for _ in range(5)]
    whole = start.copy()
    opt = Adagrad(whole, lr=0.1, weight_decay=0.1, lazy=True)
    for g in grads:
        opt.step(g)
    monkeypatch.setattr(_base, "BLOCK_BYTES", 8 * 500)
    blocked = start.copy()
    opt = Adagrad(blocked, lr=0.1, weight_decay=0.1, lazy=True)
    for g in grads:
        opt.step(g)
    np.testing.assert_array_equal(blocked, whole)
    untouched = np.all(np.stack(grads) == 0, axis=(0, 2))
    assert untouched.any() and np.array_equal(blocked[untouched], start[untouched])
