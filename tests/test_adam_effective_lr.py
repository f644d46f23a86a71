"""Adam.effective_lr: the factor η/(√v̂ + ε) by which the last step multiplied m̂.

Reference values are hand calculations written out below, and torch's own steps: the
move torch.optim.Adam makes at step t, divided by m̂ read from torch's state, is the rate.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import Adam


def test_first_step_rate_is_lr_over_abs_gradient():
    # after one step from zero state, v̂ = v/(1 − β₂) = (1 − β₂)g²/(1 − β₂) = g², so the rate is η/(|g| + ε)
    theta = np.array([1.0, -3.0])
    opt = Adam(theta, lr=0.1)
    opt.step(np.array([2.0, -0.5]))
    np.testing.assert_allclose(opt.effective_lr()[0], [0.1 / (2.0 + 1e-8), 0.1 / (0.5 + 1e-8)], rtol=1e-12)


def test_first_step_rate_with_eps_hat():
    # Keras' form: η·√(1 − β₂)/(√v + ε) with v = (1 − β₂)g² = 0.001·4 after one step of g = 2
    theta = np.array([1.0])
    opt = Adam(theta, lr=0.1, eps=1e-3, eps_hat=True)
    opt.step(np.array([2.0]))
    want = 0.1 * math.sqrt(0.001) / (math.sqrt(0.004) + 1e-3)  # = 0.1/(2 + 1e-3/√0.001) = 0.1/2.0316...
    np.testing.assert_allclose(opt.effective_lr()[0], [want], rtol=1e-12)
    assert want == pytest.approx(0.1 / (2 + 1e-3 / math.sqrt(0.001)), rel=1e-12)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_amsgrad_divides_by_the_largest_v(amsgrad):
    # gradients 10 then 0.1, β₂ = 0.999: v₁ = 0.001·100 = 0.1, v₂ = 0.999·0.1 + 0.001·0.01 = 0.09991;
    # AMSGrad keeps max(v₁, v₂) = 0.1; both are divided by 1 − 0.999² = 0.001999
    theta = np.array([0.0])
    opt = Adam(theta, lr=0.01, amsgrad=amsgrad)
    opt.step(np.array([10.0]))
    opt.step(np.array([0.1]))
    v = 0.1 if amsgrad else 0.09991
    np.testing.assert_allclose(opt.effective_lr()[0], [0.01 / (math.sqrt(v / 0.001999) + 1e-8)], rtol=1e-12)


def test_before_any_step_the_rate_is_lr_over_eps():
    opt = Adam(np.zeros(3), lr=0.5, eps=1e-4)
    np.testing.assert_allclose(opt.effective_lr()[0], np.full(3, 0.5 / 1e-4), rtol=1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.05},
        {"lr": 0.05, "amsgrad": True, "betas": (0.8, 0.99)},
        {"lr": 0.02, "weight_decay": 0.1},
        {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True, "amsgrad": True},
        {"lr": 0.3, "eps": 0.5, "betas": (0.5, 0.9)},
    ],
)
def test_rate_times_mhat_is_the_move_torch_makes(kwargs):
    """Each step of torch.optim.Adam (float64) moves θ by rate·m̂, m̂ = exp_avg/(1 − β₁^t) from torch's state."""
    torch = require("torch", "the rate is checked against torch.optim.Adam's steps")
    rng = np.random.default_rng(5)
    start = rng.normal(size=6)
    ours = start.copy()
    opt = Adam(ours, **kwargs)
    tp = torch.tensor(start.copy(), dtype=torch.float64, requires_grad=False)
    topt = torch.optim.Adam([tp], **kwargs)
    beta1 = kwargs.get("betas", (0.9, 0.999))[0]
    shrink = 1 - kwargs["lr"] * kwargs.get("weight_decay", 0) if kwargs.get("decoupled_weight_decay") else 1.0
    for t in range(1, 41):
        g = 0.7 * ours + rng.normal(size=6) * 10.0 ** rng.uniform(-3, 1)  # gradients of mixed sizes
        before = tp.detach().numpy().copy()
        tp.grad = torch.from_numpy(g.copy())
        topt.step()
        opt.step(g)
        mhat = topt.state[tp]["exp_avg"].numpy() / (1 - beta1**t)
        move = before * shrink - tp.detach().numpy()
        np.testing.assert_allclose(opt.effective_lr()[0] * mhat, move, rtol=1e-8, atol=1e-15)


def test_rate_times_mhat_is_the_move_with_eps_hat():
    """The same identity for Keras' eps_hat form, on this package's own step (held to Keras in test_parity_keras)."""
    rng = np.random.default_rng(6)
    theta = rng.normal(size=5)
    opt = Adam(theta, lr=0.1, eps=0.01, eps_hat=True)
    for t in range(1, 31):
        before = theta.copy()
        opt.step(0.7 * theta + rng.normal(size=5))
        mhat = opt.state[0]["exp_avg"] / (1 - 0.9**t)
        np.testing.assert_allclose(opt.effective_lr()[0] * mhat, before - theta, rtol=1e-10)
