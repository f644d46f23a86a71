"""Adam against torch.optim.Adam / AdamW (full option grid) and Keras 3's Adam, float64, 120 steps.

Keras adds epsilon to √v before the bias correction (the paper's ε̂). Written as PyTorch's
form, that is an epsilon of ε/√(1−β₂^t), which changes with t: no constant eps of PyTorch's
form reproduces Keras (shown below), so `Adam(..., eps_hat=True)` implements Keras' form.
"""

import itertools
import math
import os

import numpy as np
import pytest

from conftest import compare_with_torch, parity_grad, require
from rmsprop_ref import Adam, _base

pytestmark = pytest.mark.parity
STEPS = 120
SHAPES = [(5, 3), (7,)]


def _compare_torch(kwargs, torch_cls, torch_kwargs, shapes=SHAPES, steps=STEPS, seed=0):
    return compare_with_torch(Adam, torch_cls, kwargs, torch_kwargs, shapes=shapes, steps=steps, seed=seed)


ADAM_GRID = [
    dict(lr=lr, betas=betas, eps=eps, weight_decay=wd, amsgrad=ams, decoupled_weight_decay=dec)
    for lr, betas, eps, wd, ams, dec in itertools.product(
        [1e-2], [(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)], [1e-8, 1.0], [0.0, 0.1], [False, True], [False, True]
    )
] + [dict()]  # and the defaults


def _id(kwargs):
    return ",".join(f"{a}={b}" for a, b in kwargs.items()) or "defaults"


@pytest.mark.parametrize("kwargs", ADAM_GRID, ids=_id)
def test_adam_matches_torch_adam(kwargs):
    torch = require("torch")
    opt, topt = _compare_torch(kwargs, torch.optim.Adam, kwargs)
    # State too, under PyTorch's names; the step count as well.
    for ours, theirs in zip(opt.state, topt.state.values()):
        np.testing.assert_allclose(ours["exp_avg"], theirs["exp_avg"].numpy(), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(ours["exp_avg_sq"], theirs["exp_avg_sq"].numpy(), rtol=1e-9, atol=1e-15)
        if kwargs.get("amsgrad"):
            np.testing.assert_allclose(ours["max_exp_avg_sq"], theirs["max_exp_avg_sq"].numpy(), rtol=1e-9)
        assert int(theirs["step"]) == opt.step_count == STEPS


ADAMW_GRID = [
    dict(lr=lr, betas=betas, eps=eps, weight_decay=wd, amsgrad=ams)
    for lr, betas, eps, wd, ams in itertools.product(
        [1e-2, 0.1], [(0.9, 0.999)], [1e-8, 1.0], [0.01, 0.5], [False, True]
    )
] + [dict()]


@pytest.mark.parametrize("kwargs", ADAMW_GRID, ids=_id)
def test_decoupled_adam_matches_torch_adamw(kwargs):
    # torch's AdamW class (weight_decay default 1e-2), against our Adam with decoupled decay.
    torch = require("torch")
    ours = {"weight_decay": 1e-2, **kwargs, "decoupled_weight_decay": True}
    _compare_torch(ours, torch.optim.AdamW, kwargs)


def test_blocked_threaded_path_matches_torch(monkeypatch):
    # A parameter big enough to be cut into many blocks and shared between threads.
    torch = require("torch")
    monkeypatch.setattr(_base, "BLOCK_BYTES", 8 * 1000)
    kwargs = {"lr": 1e-2, "weight_decay": 0.1, "amsgrad": True}
    _compare_torch(kwargs, torch.optim.Adam, kwargs, shapes=[(64, 1000), (3,)], steps=20)


def test_resume_matches_torch_uninterrupted():
    # Save after 60 steps, load into a fresh optimizer, continue: same as torch's 120 steps.
    torch = require("torch")
    kwargs = {"lr": 1e-2, "amsgrad": True, "weight_decay": 0.1, "decoupled_weight_decay": True}
    rng = np.random.default_rng(0)
    start = [rng.normal(size=s) for s in SHAPES]
    ours = [p.copy() for p in start]
    opt = Adam(ours, **kwargs)
    for t in range(60):
        opt.step(parity_grad(ours, t, 0))
    saved = opt.state_dict()
    resumed = [p.copy() for p in ours]
    opt2 = Adam(resumed, **kwargs)
    opt2.load_state_dict(saved)
    for t in range(60, STEPS):
        opt2.step(parity_grad(resumed, t, 0))
    _, topt = _compare_torch(kwargs, torch.optim.Adam, kwargs)
    for p, tp in zip(resumed, topt.param_groups[0]["params"]):
        np.testing.assert_allclose(p, tp.numpy(), rtol=1e-9, atol=1e-12)


# -- Keras ------------------------------------------------------------------------------------


@pytest.fixture
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")  # without it Keras looks for TensorFlow
    require("torch", "Keras runs here on its torch backend")
    keras = require("keras", "parity tests compare against Keras 3")
    old = keras.config.floatx()
    keras.config.set_floatx("float64")
    yield keras
    keras.config.set_floatx(old)


def _run_keras(keras, keras_opt, params, seed, steps=STEPS):
    rng = np.random.default_rng(seed)
    variables = [keras.Variable(p.copy(), dtype="float64") for p in params]
    for _ in range(steps):
        noise = [rng.normal(size=p.shape) for p in params]
        keras_opt.apply([keras.ops.convert_to_tensor(0.7 * v.numpy() + n) for v, n in zip(variables, noise)], variables)
    return [v.numpy() for v in variables]


def _run_ours(opt, seed, steps=STEPS):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        noise = [rng.normal(size=p.shape) for p in opt.params]
        opt.step([0.7 * p + n for p, n in zip(opt.params, noise)])
    return opt.params


KERAS_GRID = list(itertools.product([(0.9, 0.999), (0.5, 0.9)], [1e-7, 1.0], [False, True], [0.0, 0.05]))


@pytest.mark.parametrize(("betas", "epsilon", "amsgrad", "weight_decay"), KERAS_GRID)
def test_adam_eps_hat_matches_keras(keras, betas, epsilon, amsgrad, weight_decay):
    # Keras: m ← m + (g − m)(1−β₁); v ← v + (g² − v)(1−β₂); α_t = lr·√(1−β₂^t)/(1−β₁^t);
    # θ ← θ − α_t·m/(√v + ε). Its weight_decay is decoupled: θ ← θ − θ·λ·lr before the step.
    rng = np.random.default_rng(3)
    params = [rng.normal(size=(4, 3)), rng.normal(size=5)]
    ours = Adam([p.copy() for p in params], lr=0.01, betas=betas, eps=epsilon, amsgrad=amsgrad,
                weight_decay=weight_decay, decoupled_weight_decay=True, eps_hat=True)  # fmt: skip
    theirs = keras.optimizers.Adam(
        learning_rate=0.01, beta_1=betas[0], beta_2=betas[1], epsilon=epsilon, amsgrad=amsgrad,
        weight_decay=weight_decay or None,
    )  # fmt: skip
    for p, k in zip(_run_ours(ours, seed=4), _run_keras(keras, theirs, params, seed=4)):
        np.testing.assert_allclose(p, k, rtol=1e-9, atol=1e-12)


def test_adam_keras_defaults(keras):
    # Keras' defaults: lr 0.001, betas (0.9, 0.999), epsilon 1e-7 (PyTorch's is 1e-8).
    params = [np.linspace(-1, 1, 6)]
    ours = Adam([p.copy() for p in params], lr=0.001, eps=1e-7, eps_hat=True)
    for p, k in zip(_run_ours(ours, seed=5), _run_keras(keras, keras.optimizers.Adam(), params, seed=5)):
        np.testing.assert_allclose(p, k, rtol=1e-9, atol=1e-12)


def test_no_constant_torch_eps_reproduces_keras(keras):
    # Keras' denominator √v + ε equals √(1−β₂^t)·(√v̂ + ε/√(1−β₂^t)): PyTorch's form with
    # eps_t = ε/√(1−β₂^t), which falls from ε/√(1−β₂) at t = 1 to ε as t grows. A constant
    # eps can match at most one t. Try the two natural constants, eps_t at t = 1 and at
    # t = ∞; with ε = 1 (where eps matters) both miss Keras by far more than rounding.
    params = [np.linspace(-1, 1, 6)]
    beta2, eps = 0.9, 1.0
    keras_end = _run_keras(keras, keras.optimizers.Adam(learning_rate=0.01, beta_2=beta2, epsilon=eps), params, 5)[0]
    for torch_eps in (eps / math.sqrt(1 - beta2), eps):
        ours = Adam([p.copy() for p in params], lr=0.01, betas=(0.9, beta2), eps=torch_eps)
        gap = np.max(np.abs(_run_ours(ours, seed=5)[0] - keras_end))
        assert gap > 1e-4, (torch_eps, gap)
    # ... and with β₂ = 0 the factor √(1−β₂^t) is 1 for every t, so the two forms coincide.
    keras_b0 = _run_keras(keras, keras.optimizers.Adam(learning_rate=0.01, beta_2=0.0, epsilon=eps), params, 5)[0]
    ours = Adam([p.copy() for p in params], lr=0.01, betas=(0.9, 0.0), eps=eps)
    np.testing.assert_allclose(_run_ours(ours, seed=5)[0], keras_b0, rtol=1e-9, atol=1e-12)
