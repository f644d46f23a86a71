r"""Each part of each update rule, checked against a closed form or a hand calculation.

Under a constant gradient $g$ the state has closed forms (geometric sums), so a whole
trajectory can be written down without running the update's recursion:

- RMSprop: $v_t = (1-\alpha^t)\,g^2$; centered, $\bar g_t = (1-\alpha^t)\,g$, so
  $v_t - \bar g_t^2 = \alpha^t (1-\alpha^t)\,g^2$; momentum, $b_t = \sum_{k \le t} \mu^{t-k} u_k$
  with $u_k$ the step without momentum.
- Adagrad: $s_t = s_0 + t\,g^2$ and the rate at step $t$ is $\eta / (1 + (t-1)\,\delta)$.

eps is made large (0.1 to 0.3) so that where it sits changes the result at the first
digit. tools/mutate_optimizers.py applies plausible wrong updates to the package and runs
these tests: each one must fail on at least one of them.
"""

import math

import numpy as np
import pytest

from rmsprop_ref import Adagrad, RMSprop, ewma, set_lr

G = np.array([0.5, -2.0, 3.0])  # one constant gradient per coordinate
T = np.arange(1, 13)[:, None]  # steps 1..12, one row each


def constant_gradient_path(opt, theta, steps=12):
    """θ after each of `steps` steps of the constant gradient G, one row per step."""
    rows = []
    for _ in range(steps):
        opt.step(G)
        rows.append(theta.copy())
    return np.array(rows)


@pytest.mark.parametrize("eps_in_sqrt", [False, True])
@pytest.mark.parametrize("alpha", [0.75, 0.3])
def test_rmsprop_constant_gradient_closed_form(alpha, eps_in_sqrt):
    lr, eps = 0.1, 0.3
    theta = np.zeros(3)
    path = constant_gradient_path(RMSprop(theta, lr=lr, alpha=alpha, eps=eps, eps_in_sqrt=eps_in_sqrt), theta)
    v = (1 - alpha**T) * G**2
    denom = np.sqrt(v + eps) if eps_in_sqrt else np.sqrt(v) + eps
    np.testing.assert_allclose(path, -np.cumsum(lr * G / denom, axis=0), rtol=1e-12)


@pytest.mark.parametrize("eps_in_sqrt", [False, True])
def test_centered_rmsprop_constant_gradient_closed_form(eps_in_sqrt):
    lr, alpha, eps = 0.1, 0.75, 0.1
    theta = np.zeros(3)
    opt = RMSprop(theta, lr=lr, alpha=alpha, eps=eps, centered=True, eps_in_sqrt=eps_in_sqrt)
    path = constant_gradient_path(opt, theta)
    var = alpha**T * (1 - alpha**T) * G**2  # v − ḡ², positive here: the clamp does nothing
    denom = np.sqrt(var + eps) if eps_in_sqrt else np.sqrt(var) + eps
    np.testing.assert_allclose(path, -np.cumsum(lr * G / denom, axis=0), rtol=1e-9)
    np.testing.assert_allclose(opt.state[0]["grad_avg"], (1 - alpha**12) * G, rtol=1e-12)


def test_rmsprop_momentum_constant_gradient_closed_form():
    lr, alpha, eps, mu = 0.1, 0.75, 0.3, 0.6
    theta = np.zeros(3)
    path = constant_gradient_path(RMSprop(theta, lr=lr, alpha=alpha, eps=eps, momentum=mu), theta)
    u = G / (np.sqrt((1 - alpha**T) * G**2) + eps)  # the step without momentum, u_k
    k = T[:, 0]
    weights = np.tril(mu ** (k[:, None] - k[None, :]))  # b_t = Σ_{k≤t} μ^(t−k) u_k
    b = weights @ u
    np.testing.assert_allclose(path, -np.cumsum(lr * b, axis=0), rtol=1e-12)


def test_rmsprop_momentum_lr_multiplies_the_whole_buffer():
    # PyTorch's convention: θ ← θ − η·b with b ← μb + u, so a new η applies at once to the
    # whole buffer, built at the old η too. One coordinate, g = 2, alpha = 0.75, mu = 0.5,
    # eps = 1e-12 (negligible): v_t = (1 − 0.75^t)·4, so u_1 = 2/√1 = 2 and u_2 = 2/√1.75.
    #   step 1, η = 1:   b1 = 2;             θ1 = −2
    #   step 2, η = 0.1: b2 = 0.5·2 + 2/√1.75;  θ2 = θ1 − 0.1·b2
    theta = np.zeros(1)
    opt = RMSprop(theta, lr=1.0, alpha=0.75, eps=1e-12, momentum=0.5)
    opt.step(np.array([2.0]))
    assert theta[0] == pytest.approx(-2.0, rel=1e-10)
    set_lr(opt, 0.1)
    opt.step(np.array([2.0]))
    b2 = 0.5 * 2 + 2 / math.sqrt(1.75)
    assert theta[0] == pytest.approx(-2.0 - 0.1 * b2, rel=1e-10)


@pytest.mark.parametrize(("cls", "kwargs"), [(RMSprop, {"centered": True, "momentum": 0.5}), (Adagrad, {})])
def test_weight_decay_is_the_gradient_plus_lambda_theta(cls, kwargs):
    # The definition: weight_decay λ with gradient g is the same optimizer without it,
    # given g + λθ. Same operations in the same order, so bit for bit.
    rng = np.random.default_rng(0)
    a = rng.normal(size=4)
    b = a.copy()
    with_decay = cls(a, lr=0.05, weight_decay=0.3, **kwargs)
    without = cls(b, lr=0.05, **kwargs)
    for g in rng.normal(size=(6, 4)):
        with_decay.step(g)
        without.step(b * 0.3 + g)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("eps_in_sqrt", [False, True])
@pytest.mark.parametrize(("lr_decay", "s0"), [(0.0, 0.0), (0.5, 0.0), (0.25, 0.7)])
def test_adagrad_constant_gradient_closed_form(lr_decay, s0, eps_in_sqrt):
    lr, eps = 0.5, 0.2
    theta = np.zeros(3)
    opt = Adagrad(theta, lr=lr, lr_decay=lr_decay, initial_accumulator_value=s0, eps=eps, eps_in_sqrt=eps_in_sqrt)
    path = constant_gradient_path(opt, theta)
    s = s0 + T * G**2
    denom = np.sqrt(s + eps) if eps_in_sqrt else np.sqrt(s) + eps
    rate = lr / (1 + (T - 1) * lr_decay)  # the first step uses lr itself
    np.testing.assert_allclose(path, -np.cumsum(rate * G / denom, axis=0), rtol=1e-12)


def test_adagrad_effective_lr_with_lr_decay_by_hand():
    # lr = 1, lr_decay = 0.5, s0 = 1, g = 2, eps = 1e-12 (negligible). Before step t+1 the
    # rate is lr/(1 + t·0.5) / √s_t with s_t = 1 + 4t:
    #   t = 0: 1/1 / √1 = 1;   t = 1: (1/1.5) / √5;   t = 2: (1/2) / √9 = 1/6
    theta = np.zeros(1)
    opt = Adagrad(theta, lr=1.0, lr_decay=0.5, initial_accumulator_value=1.0, eps=1e-12)
    seen = [opt.effective_lr()[0][0]]
    for _ in range(2):
        opt.step(np.array([2.0]))
        seen.append(opt.effective_lr()[0][0])
    np.testing.assert_allclose(seen, [1.0, 1 / 1.5 / math.sqrt(5), 1 / 6], rtol=1e-10)


def test_centered_clamp_is_at_zero_not_abs():
    # Rounding can leave v < ḡ² (a variance below zero); the docstring says v − ḡ² is then
    # clamped at 0, so the denominator is eps. A saved state with v = 0.96, ḡ = 1 sets it up.
    # alpha = 0.5, eps = 0.5, lr = 1, g = 1:
    #   effective_lr before the step: v − ḡ² = 0.96 − 1 < 0 → 0;  rate = 1/(0 + 0.5) = 2
    #     (abs would give 1/(√0.04 + 0.5) = 1/0.7)
    #   step: v = 0.5·0.96 + 0.5·1 = 0.98;  ḡ = 0.5·1 + 0.5·1 = 1;  v − ḡ² = −0.02 → 0
    #     θ = 0 − 1·1/(0 + 0.5) = −2   (abs would give −1/(√0.02 + 0.5) = −1.559)
    theta = np.zeros(1)
    opt = RMSprop(theta, lr=1.0, alpha=0.5, eps=0.5, centered=True)
    state = opt.state_dict()
    state["state"][0] = {"square_avg": np.array([0.96]), "grad_avg": np.array([1.0])}
    opt.load_state_dict(state)
    assert opt.effective_lr()[0][0] == pytest.approx(2.0, rel=1e-12)
    opt.step(np.array([1.0]))
    assert theta[0] == pytest.approx(-2.0, rel=1e-12)


@pytest.mark.parametrize("bias_correction", [False, True])
@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float32, np.float32), (np.float16, np.float16), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_ewma_dtype_contract(dtype, expected, bias_correction):
    # The docstring: "float64 unless x is float32/float16", with or without bias correction.
    x = np.array([[4, 8], [8, 2], [2, 4]], dtype=dtype)
    out = ewma(x, 0.5, bias_correction=bias_correction)
    assert out.dtype == expected
    # and the values are the average's (hand: v = 2, 5, 3.5 in column 0; corrected 4, 20/3, 4)
    col0 = [4.0, 20 / 3, 4.0] if bias_correction else [2.0, 5.0, 3.5]
    np.testing.assert_allclose(out[:, 0].astype(np.float64), col0, rtol=np.finfo(expected).eps * 4)
