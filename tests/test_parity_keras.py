"""Keras 3 (torch backend) reproduced with eps_in_sqrt=True and the matching settings, float64."""

import itertools
import os

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import Adagrad, RMSprop

pytestmark = pytest.mark.parity
STEPS = 120


@pytest.fixture(scope="module")
def keras():
    """Keras 3, imported by the first test that runs here, not when the module is collected:
    importing it takes about 2.7 CPU-s, which a pytest-xdist worker that runs no Keras test
    would otherwise pay too."""
    os.environ.setdefault("KERAS_BACKEND", "torch")  # without it Keras looks for TensorFlow
    require("torch", "Keras runs here on its torch backend")
    return require("keras", "parity tests compare against Keras 3")


@pytest.fixture(autouse=True)
def _float64(keras):
    old = keras.config.floatx()
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx(old)


def _compare(keras, ours_opt, ours_params, keras_opt, seed):
    rng = np.random.default_rng(seed)
    variables = [keras.Variable(p.copy(), dtype="float64") for p in ours_params]
    for _ in range(STEPS):
        noise = [rng.normal(size=p.shape) for p in ours_params]
        ours_opt.step([0.7 * p + n for p, n in zip(ours_params, noise)])
        kgrads = [keras.ops.convert_to_tensor(0.7 * v.numpy() + n) for v, n in zip(variables, noise)]
        keras_opt.apply(kgrads, variables)
    for p, v in zip(ours_params, variables):
        np.testing.assert_allclose(p, v.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("rho", "epsilon", "momentum", "centered"),
    list(itertools.product([0.9, 0.99], [1e-7, 1.0], [0.0, 0.9], [False, True])),
)
def test_rmsprop_matches_keras(keras, rho, epsilon, momentum, centered):
    # Keras: v ← ρv + (1−ρ)g²; θ ← θ − lr·g/√(v + ε); momentum keeps lr inside its buffer,
    # m = μm + lr·g/√(v+ε). With a constant lr that is lr times PyTorch's buffer, so the
    # same trajectory: momentum needs no other setting.
    rng = np.random.default_rng(3)
    params = [rng.normal(size=(4, 3)), rng.normal(size=5)]
    ours = RMSprop([p.copy() for p in params], lr=0.01, alpha=rho, eps=epsilon, momentum=momentum,
                   centered=centered, eps_in_sqrt=True)  # fmt: skip
    theirs = keras.optimizers.RMSprop(
        learning_rate=0.01, rho=rho, epsilon=epsilon, momentum=momentum, centered=centered
    )
    _compare(keras, ours, ours.params, theirs, seed=4)


def test_rmsprop_keras_defaults(keras):
    # Keras' defaults differ from PyTorch's: lr 0.001, rho 0.9, epsilon 1e-7 inside the root.
    params = [np.linspace(-1, 1, 6)]
    ours = RMSprop(params, lr=0.001, alpha=0.9, eps=1e-7, eps_in_sqrt=True)
    _compare(keras, ours, ours.params, keras.optimizers.RMSprop(), seed=5)


@pytest.mark.parametrize(("initial", "epsilon"), list(itertools.product([0.1, 0.0, 1.0], [1e-7, 1.0])))
def test_adagrad_matches_keras(keras, initial, epsilon):
    # Keras: s starts at initial_accumulator_value (default 0.1); θ ← θ − lr·g/√(s + ε).
    rng = np.random.default_rng(6)
    params = [rng.normal(size=(3, 3)), rng.normal(size=2)]
    ours = Adagrad([p.copy() for p in params], lr=0.05, initial_accumulator_value=initial, eps=epsilon,
                   eps_in_sqrt=True)  # fmt: skip
    theirs = keras.optimizers.Adagrad(learning_rate=0.05, initial_accumulator_value=initial, epsilon=epsilon)
    _compare(keras, ours, ours.params, theirs, seed=7)
