"""Adam: hand-computed first steps, every hyperparameter checked on both bounds, save/resume."""

import copy
import math

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import Adam, RMSprop

INF = math.inf


def test_adam_first_two_steps_by_hand():
    # f(θ) = θ², g = 2θ; θ0 = 1, lr = 0.1, betas = (0.5, 0.75), eps = 1e-12 (negligible)
    # step 1: g = 2; m = 0.5·2 = 1; v = 0.25·4 = 1
    #         m̂ = 1/(1 − 0.5) = 2; v̂ = 1/(1 − 0.75) = 4; √v̂ = 2; θ1 = 1 − 0.1·2/2 = 0.9
    # step 2: g = 1.8; m = 0.5·1 + 0.5·1.8 = 1.4; v = 0.75·1 + 0.25·1.8² = 1.56
    #         m̂ = 1.4/(1 − 0.25) = 1.4/0.75; v̂ = 1.56/(1 − 0.5625) = 1.56/0.4375
    #         θ2 = 0.9 − 0.1·(1.4/0.75)/√(1.56/0.4375)
    theta = np.array([1.0])
    opt = Adam(theta, lr=0.1, betas=(0.5, 0.75), eps=1e-12)
    opt.step(2 * theta)
    assert theta[0] == pytest.approx(0.9, rel=1e-10)
    assert opt.state[0]["exp_avg"][0] == pytest.approx(1.0, rel=1e-12)
    assert opt.state[0]["exp_avg_sq"][0] == pytest.approx(1.0, rel=1e-12)
    opt.step(2 * theta)
    assert theta[0] == pytest.approx(0.9 - 0.1 * (1.4 / 0.75) / math.sqrt(1.56 / 0.4375), rel=1e-10)
    assert opt.state[0]["exp_avg"][0] == pytest.approx(1.4, rel=1e-12)
    assert opt.state[0]["exp_avg_sq"][0] == pytest.approx(1.56, rel=1e-12)


def test_adamw_first_two_steps_by_hand():
    # Same problem, decoupled weight decay λ = 0.5: θ shrinks by (1 − lr·λ) = 0.95 first.
    # step 1: g = 2 (at θ0 = 1); θ ← 0.95; m̂/√v̂ = 2/2 = 1; θ1 = 0.95 − 0.1 = 0.85
    # step 2: g = 1.7; θ ← 0.85·0.95 = 0.8075; m = 0.5 + 0.5·1.7 = 1.35; v = 0.75 + 0.25·1.7² = 1.4725
    #         θ2 = 0.8075 − 0.1·(1.35/0.75)/√(1.4725/0.4375)
    theta = np.array([1.0])
    opt = Adam(theta, lr=0.1, betas=(0.5, 0.75), eps=1e-12, weight_decay=0.5, decoupled_weight_decay=True)
    opt.step(2 * theta)
    assert theta[0] == pytest.approx(0.85, rel=1e-10)
    opt.step(2 * theta)
    assert theta[0] == pytest.approx(0.8075 - 0.1 * (1.35 / 0.75) / math.sqrt(1.4725 / 0.4375), rel=1e-10)


def test_adam_l2_weight_decay_first_step_by_hand():
    # Coupled (L2) decay λ = 0.5 goes into g: g = 2·1 + 0.5·1 = 2.5; step 1 is still lr·sign(g): θ1 = 0.9
    theta = np.array([1.0])
    opt = Adam(theta, lr=0.1, betas=(0.5, 0.75), eps=1e-12, weight_decay=0.5)
    opt.step(2 * theta)
    assert theta[0] == pytest.approx(0.9, rel=1e-10)
    assert opt.state[0]["exp_avg"][0] == pytest.approx(0.5 * 2.5, rel=1e-12)


def test_amsgrad_first_two_steps_by_hand():
    # Step 1 as above (g = 2): v = 1, max = 1, θ1 = 0.9. Step 2 with g = 0:
    # m = 0.5; v = 0.75·1 = 0.75 but max stays 1; m̂ = 0.5/0.75 = 2/3; v̂ = 1/0.4375 = 16/7
    # θ2 = 0.9 − 0.1·(2/3)/(4/√7) = 0.9 − 0.1·√7/6   (plain Adam would use √(0.75/0.4375))
    theta = np.array([1.0])
    opt = Adam(theta, lr=0.1, betas=(0.5, 0.75), eps=1e-12, amsgrad=True)
    opt.step(2 * theta)
    opt.step(np.zeros(1))
    assert theta[0] == pytest.approx(0.9 - 0.1 * math.sqrt(7) / 6, rel=1e-10)
    assert opt.state[0]["max_exp_avg_sq"][0] == pytest.approx(1.0, rel=1e-12)
    assert opt.state[0]["exp_avg_sq"][0] == pytest.approx(0.75, rel=1e-12)


def test_eps_hat_first_step_by_hand():
    # eps = 1, betas = (0.5, 0.75), lr = 0.1, g = 2: m = 1, v = 1.
    # PyTorch: θ1 = 1 − 0.1·(1/0.5)/(√(1/0.25) + 1) = 1 − 0.1·2/3
    # Keras (ε̂): α1 = 0.1·√0.25/0.5 = 0.1; θ1 = 1 − 0.1·1/(√1 + 1) = 0.95
    a, b = np.array([1.0]), np.array([1.0])
    Adam(a, lr=0.1, betas=(0.5, 0.75), eps=1.0).step(np.array([2.0]))
    Adam(b, lr=0.1, betas=(0.5, 0.75), eps=1.0, eps_hat=True).step(np.array([2.0]))
    assert a[0] == pytest.approx(1 - 0.2 / 3, rel=1e-12)
    assert b[0] == pytest.approx(0.95, rel=1e-12)


def test_beta1_zero_is_rmsprop_with_bias_correction():
    # Identity: with β₁ = 0, m = g, so Adam's step is lr·g/(√(v/(1−β₂^t)) + ε): RMSprop
    # (alpha = β₂) with the bias-corrected v̂ and eps outside the root. Feed RMSprop the
    # same v̂ by scaling its learning rate and eps: lr·g/(√v/c + ε) = (lr·c)·g/(√v + ε·c),
    # c = √(1−β₂^t), so run one RMSprop step per t with those settings from Adam's state.
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(30, 4))
    a = np.zeros(4)
    adam = Adam(a, lr=0.01, betas=(0.0, 0.9), eps=1e-3)
    r = np.zeros(4)
    rms = RMSprop(r, lr=0.01, alpha=0.9, eps=1e-3)
    for t, g in enumerate(grads, start=1):
        c = math.sqrt(1 - 0.9**t)
        rms.hyperparams.update(lr=0.01 * c, eps=1e-3 * c)
        adam.step(g)
        rms.step(g)
    np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(adam.state[0]["exp_avg_sq"], rms.state[0]["square_avg"], rtol=1e-13)


# (argument, bad value, text the message must contain)
BAD = [
    ("lr", -0.1, "Invalid lr: -0.1 (expected 0 <= lr < inf)"),
    ("lr", INF, "Invalid lr: inf"),
    ("lr", math.nan, "Invalid lr: nan"),
    ("betas", (-0.1, 0.999), "Invalid betas[0]: -0.1 (expected 0 <= betas[0] < 1)"),
    ("betas", (1.0, 0.999), "Invalid betas[0]: 1.0 (expected 0 <= betas[0] < 1)"),
    ("betas", (0.9, -1e-3), "Invalid betas[1]: -0.001 (expected 0 <= betas[1] < 1)"),
    ("betas", (0.9, 1.0), "Invalid betas[1]: 1.0"),
    ("betas", (0.9, math.nan), "Invalid betas[1]: nan"),
    ("betas", (0.9,), "Invalid betas: (0.9,) (expected a pair"),
    ("betas", 0.9, "Invalid betas: 0.9 (expected a pair"),
    ("betas", (True, 0.9), "Invalid betas[0]: True"),
    ("eps", 0.0, "Invalid eps: 0.0 (expected 0 < eps < inf)"),
    ("eps", INF, "Invalid eps: inf"),
    ("weight_decay", -1.0, "Invalid weight_decay: -1.0 (expected 0 <= weight_decay < inf)"),
    ("weight_decay", INF, "Invalid weight_decay: inf"),
    ("amsgrad", 1, "Invalid amsgrad: 1 (expected True or False)"),
    ("decoupled_weight_decay", "yes", "Invalid decoupled_weight_decay: 'yes'"),
    ("eps_hat", None, "Invalid eps_hat: None"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_bad_hyperparameter_is_named(name, value, message):
    with pytest.raises((ValueError, TypeError)) as info:
        Adam(np.zeros(3), **{name: value})
    assert message in str(info.value)


def test_boundary_values_are_accepted():
    Adam(np.zeros(3), lr=0.0, betas=(0.0, 0.0), weight_decay=0.0, eps=1e-300)
    Adam(np.zeros(3), betas=[0.9, 0.999])  # a list, as a JSON round trip gives


def test_bad_gradient_leaves_everything_untouched():
    theta = np.array([1.0, 2.0])
    opt = Adam(theta, lr=0.1, amsgrad=True)
    opt.step(np.array([0.5, -0.5]))
    before = (theta.copy(), copy.deepcopy(opt.state_dict()))
    with pytest.raises(ValueError, match="non-finite value"):
        opt.step(np.array([np.nan, 1.0]))
    np.testing.assert_array_equal(theta, before[0])
    after = opt.state_dict()
    assert after["step"] == before[1]["step"] == 1
    for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        np.testing.assert_array_equal(after["state"][0][name], before[1]["state"][0][name])


def test_state_dict_round_trip_resumes_exactly():
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(20, 3))
    a = np.ones(3)
    full = Adam(a, lr=0.05, amsgrad=True)
    for g in grads:
        full.step(g)
    b = np.ones(3)
    first = Adam(b, lr=0.05, amsgrad=True)
    for g in grads[:10]:
        first.step(g)
    saved = first.state_dict()
    saved["hyperparams"]["betas"] = list(saved["hyperparams"]["betas"])  # as JSON would give it back
    resumed = Adam(b, lr=0.05, amsgrad=True)
    resumed.load_state_dict(saved)
    for g in grads[10:]:
        resumed.step(g)
    np.testing.assert_array_equal(a, b)


def test_load_state_dict_rejects_bad_betas_and_missing_max():
    opt = Adam(np.zeros(2), amsgrad=True)
    saved = opt.state_dict()
    bad = copy.deepcopy(saved)
    bad["hyperparams"]["betas"] = (0.9, 1.5)
    with pytest.raises(ValueError, match=r"Invalid betas\[1\]: 1.5"):
        opt.load_state_dict(bad)
    bad = copy.deepcopy(saved)
    del bad["state"][0]["max_exp_avg_sq"]
    with pytest.raises(ValueError, match="expected \\['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'\\]"):
        opt.load_state_dict(bad)
    assert opt.hyperparams["amsgrad"] is True and opt.step_count == 0


def test_eps_zero_refused_here_gives_nan_in_torch():
    # The docstring's reason for refusing eps = 0, which torch.optim.Adam accepts: a coordinate
    # whose gradients have all been 0 has m = v = 0, and torch computes 0/0 for it.
    torch = require("torch")
    p = torch.zeros(2, dtype=torch.float64)
    opt = torch.optim.Adam([p], eps=0.0)
    p.grad = torch.tensor([1.0, 0.0], dtype=torch.float64)
    opt.step()
    assert math.isclose(p[0].item(), -1e-3, rel_tol=1e-12) and math.isnan(p[1].item())
    with pytest.raises(ValueError, match=r"Invalid eps: 0\.0"):
        Adam(np.zeros(2), eps=0.0)
