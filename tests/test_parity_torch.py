"""Parity with torch.optim in float64 over the full option grid, 120 steps, rel. error <= 1e-9."""

import itertools

import numpy as np
import pytest

from conftest import compare_with_torch, require
from rmsprop_ref import Adagrad, RMSprop, _base

torch = require("torch", "parity tests compare against torch.optim")

pytestmark = pytest.mark.parity
STEPS = 120
SHAPES = [(5, 3), (7,)]


_compare = compare_with_torch


RMSPROP_GRID = [
    dict(lr=lr, alpha=alpha, eps=eps, weight_decay=wd, momentum=mom, centered=cen)
    for lr, alpha, eps, wd, mom, cen in itertools.product(
        [1e-2], [0.9, 0.99], [1e-8, 1.0], [0.0, 0.1], [0.0, 0.9], [False, True]
    )
] + [dict()]  # and the defaults


@pytest.mark.parametrize("kwargs", RMSPROP_GRID, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "defaults")
def test_rmsprop_matches_torch(kwargs):
    opt, topt = _compare(RMSprop, torch.optim.RMSprop, kwargs)
    # State too, under PyTorch's names.
    for ours, theirs in zip(opt.state, topt.state.values()):
        np.testing.assert_allclose(ours["square_avg"], theirs["square_avg"].numpy(), rtol=1e-9, atol=1e-15)
        if kwargs.get("momentum"):
            np.testing.assert_allclose(
                ours["momentum_buffer"], theirs["momentum_buffer"].numpy(), rtol=1e-9, atol=1e-12
            )
        if kwargs.get("centered"):
            np.testing.assert_allclose(ours["grad_avg"], theirs["grad_avg"].numpy(), rtol=1e-9, atol=1e-15)


ADAGRAD_GRID = [
    dict(lr=lr, lr_decay=decay, weight_decay=wd, initial_accumulator_value=acc, eps=eps)
    for lr, decay, wd, acc, eps in itertools.product([0.1], [0.0, 0.01], [0.0, 0.1], [0.0, 0.1], [1e-10, 1.0])
] + [dict()]


@pytest.mark.parametrize("kwargs", ADAGRAD_GRID, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "defaults")
def test_adagrad_matches_torch(kwargs):
    opt, topt = _compare(Adagrad, torch.optim.Adagrad, kwargs)
    for ours, theirs in zip(opt.state, topt.state.values()):
        np.testing.assert_allclose(ours["sum_sq"], theirs["sum"].numpy(), rtol=1e-9)


@pytest.mark.parametrize("cls", [RMSprop, Adagrad])
def test_blocked_threaded_path_matches_torch(cls, monkeypatch):
    # A parameter big enough to be cut into many blocks and shared between threads.
    monkeypatch.setattr(_base, "BLOCK_BYTES", 8 * 1000)
    kwargs = {"lr": 1e-2, "weight_decay": 0.1}
    if cls is RMSprop:
        kwargs |= {"momentum": 0.9, "centered": True}
    _compare(cls, getattr(torch.optim, cls.__name__), kwargs, shapes=[(64, 1000), (3,)], steps=20)


def test_float32_matches_torch_float32():
    rng = np.random.default_rng(1)
    p = rng.normal(size=1000).astype(np.float32)
    tp = torch.tensor(p.copy())
    opt, topt = RMSprop(p, lr=1e-3, momentum=0.9), torch.optim.RMSprop([tp], lr=1e-3, momentum=0.9)
    for _ in range(50):
        g = rng.normal(size=1000).astype(np.float32)
        opt.step(g)
        tp.grad = torch.from_numpy(g)
        topt.step()
    assert p.dtype == np.float32
    np.testing.assert_allclose(p, tp.numpy(), rtol=1e-5, atol=1e-6)


def test_raw_square_avg_is_scaled_pandas_ewm():
    # FRAMEWORKS.md's corollary: torch's square_avg after t steps equals
    # (1 - alpha^t) * pandas ewm(alpha = 1 - alpha_torch, adjust=True).mean() of g².
    pd = require("pandas")
    rng = np.random.default_rng(2)
    grads = rng.normal(size=40)
    tp = torch.zeros(1, dtype=torch.float64)
    topt = torch.optim.RMSprop([tp], alpha=0.9)
    for g in grads:
        tp.grad = torch.tensor([g])
        topt.step()
    t = grads.size
    expected = (1 - 0.9**t) * pd.Series(grads**2).ewm(alpha=0.1, adjust=True).mean().iloc[-1]
    assert topt.state[tp]["square_avg"].item() == pytest.approx(expected, rel=1e-12)
