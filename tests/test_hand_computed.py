"""The first steps of each optimizer and of the EWMA, derived by hand in the comments.

Numbers are chosen so that square roots come out exact; the expected values are
the hand results, not the code's output.
"""

import math

import numpy as np
import pytest

from rmsprop_ref import Adagrad, RMSprop, ewma


def test_rmsprop_first_two_steps_by_hand():
    # f(θ) = θ², g = 2θ; θ0 = 1, lr = 0.25, alpha = 0.75, eps = 1e-12 (negligible)
    # step 1: g = 2;  v = 0.75·0 + 0.25·2² = 1;        d = √1 = 1;  θ = 1 − 0.25·2/1 = 0.5
    # step 2: g = 1;  v = 0.75·1 + 0.25·1² = 1;        d = 1;       θ = 0.5 − 0.25·1/1 = 0.25
    theta = np.array([1.0])
    opt = RMSprop(theta, lr=0.25, alpha=0.75, eps=1e-12)
    opt.step(2 * theta)
    assert theta[0] == pytest.approx(0.5, rel=1e-10)
    assert opt.state[0]["square_avg"][0] == pytest.approx(1.0, rel=1e-12)
    opt.step(2 * theta)
    assert theta[0] == pytest.approx(0.25, rel=1e-10)
    assert opt.state[0]["square_avg"][0] == pytest.approx(1.0, rel=1e-12)


def test_rmsprop_momentum_centered_first_two_steps_by_hand():
    # Same problem, momentum μ = 0.5, centered, alpha = 0.75, lr = 0.25, eps = 1e-12.
    # step 1: g = 2; v = 0.25·4 = 1; ḡ = 0.25·2 = 0.5; v − ḡ² = 0.75; d = √0.75
    #         b = 2/√0.75;  θ1 = 1 − 0.25·2/√0.75
    # step 2: g = 2θ1; v = 0.75·1 + 0.25·g²; ḡ = 0.75·0.5 + 0.25·g; d = √(v − ḡ²)
    #         b = 0.5·b1 + g/d;  θ2 = θ1 − 0.25·b
    b1 = 2 / math.sqrt(0.75)
    t1 = 1 - 0.25 * b1
    g2 = 2 * t1
    v2 = 0.75 * 1 + 0.25 * g2**2
    a2 = 0.75 * 0.5 + 0.25 * g2
    b2 = 0.5 * b1 + g2 / math.sqrt(v2 - a2**2)
    t2 = t1 - 0.25 * b2
    theta = np.array([1.0])
    opt = RMSprop(theta, lr=0.25, alpha=0.75, eps=1e-12, momentum=0.5, centered=True)
    opt.step(2 * theta)
    assert theta[0] == pytest.approx(t1, rel=1e-10)
    opt.step(2 * theta)
    assert theta[0] == pytest.approx(t2, rel=1e-10)
    assert opt.state[0]["momentum_buffer"][0] == pytest.approx(b2, rel=1e-10)


def test_adagrad_first_two_steps_by_hand():
    # f(θ) = ½‖θ‖², g = θ; θ0 = (3, −4), lr = 1, eps = 1e-12
    # step 1: s = (9, 16); d = (3, 4); θ1 = (3 − 3/3, −4 + 4/4) = (2, −3)
    # step 2: s = (9 + 4, 16 + 9) = (13, 25); d = (√13, 5); θ2 = (2 − 2/√13, −3 + 3/5)
    theta = np.array([3.0, -4.0])
    opt = Adagrad(theta, lr=1.0, eps=1e-12)
    opt.step(theta.copy())
    np.testing.assert_allclose(theta, [2.0, -3.0], rtol=1e-10)
    opt.step(theta.copy())
    np.testing.assert_allclose(theta, [2 - 2 / math.sqrt(13), -2.4], rtol=1e-10)
    np.testing.assert_allclose(opt.state[0]["sum_sq"], [13.0, 25.0], rtol=1e-12)


def test_adagrad_lr_decay_and_initial_accumulator_by_hand():
    # Same problem with lr_decay = 0.5 and s0 = 7: rate at step t is lr/(1 + (t−1)·0.5)
    # step 1: rate 1; s = (7 + 9, 7 + 16) = (16, 23); θ1 = (3 − 3/4, −4 + 4/√23)
    # step 2: rate 1/1.5; s = s + θ1²; θ2 = θ1 − θ1/(1.5·√s)
    t1 = np.array([3 - 3 / 4, -4 + 4 / math.sqrt(23)])
    s2 = np.array([16.0, 23.0]) + t1**2
    t2 = t1 - t1 / (1.5 * np.sqrt(s2))
    theta = np.array([3.0, -4.0])
    opt = Adagrad(theta, lr=1.0, lr_decay=0.5, initial_accumulator_value=7.0, eps=1e-12)
    opt.step(theta.copy())
    np.testing.assert_allclose(theta, t1, rtol=1e-10)
    opt.step(theta.copy())
    np.testing.assert_allclose(theta, t2, rtol=1e-10)


def test_ewma_first_steps_by_hand():
    # beta = 0.5, x = (4, 8, 2)
    # v1 = 0.5·0 + 0.5·4 = 2;  v2 = 0.5·2 + 0.5·8 = 5;  v3 = 0.5·5 + 0.5·2 = 3.5
    # corrected: 2/(1 − 0.5) = 4;  5/(1 − 0.25) = 6.666…;  3.5/(1 − 0.125) = 4
    np.testing.assert_allclose(ewma([4.0, 8.0, 2.0], 0.5), [2.0, 5.0, 3.5], rtol=1e-15)
    np.testing.assert_allclose(ewma([4.0, 8.0, 2.0], 0.5, bias_correction=True), [4.0, 20 / 3, 4.0], rtol=1e-15)


def test_optax_adagrad_docstring_vector():
    # optax.adagrad's docstring (learning_rate=1 on f = Σx², x0 = (1, 2, 3)) prints the
    # objective 5.01, 2.40, 1.25, 0.686, 0.385 over the first steps. optax starts the
    # accumulator at 0.1 and puts eps = 1e-7 inside the square root.
    x = np.array([1.0, 2.0, 3.0])
    opt = Adagrad(x, lr=1.0, initial_accumulator_value=0.1, eps=1e-7, eps_in_sqrt=True)
    seen = []
    for _ in range(5):
        opt.step(2 * x)
        seen.append(float(np.sum(x**2)))
    # Compared exactly at the docstring's three significant figures: an accumulator started at
    # 0.12 instead of 0.1 prints 1.26, 0.687, 0.386 from the third step on, and fails.
    assert [float(f"{v:.3g}") for v in seen] == [5.01, 2.40, 1.25, 0.686, 0.385]


def test_keras_rmsprop_docstring_vector():
    # Keras' RMSprop docstring: lr = 0.1, θ = 10, loss θ²/2 → 9.683772 after one step.
    # v = 0.1·10² = 10; θ = 10 − 0.1·10/√(10 + 1e-7) = 10 − 0.3162278 = 9.683772
    theta = np.array([10.0])
    RMSprop(theta, lr=0.1, alpha=0.9, eps=1e-7, eps_in_sqrt=True).step(theta.copy())
    assert theta[0] == pytest.approx(9.683772, abs=5e-7)


@pytest.mark.parametrize("eps_in_sqrt", [True, False])
def test_rmsprop_where_eps_sits_by_hand(eps_in_sqrt):
    # At θ = 10 above, eps = 1e-7 changes the step by 1e-8 relative: it cannot show where eps
    # sits. Here v is as small as eps: g = θ = 1e-3, alpha = 0.9, so v = 0.1·(1e-3)² = 1e-7, and
    #   Keras (inside the root):  θ = 1e-3 − 0.1·1e-3/√(1e-7 + 1e-7) = 1e-3 − 0.2236068 = −0.2226068
    #   torch (outside the root): θ = 1e-3 − 0.1·1e-3/(√1e-7 + 1e-7)  = 1e-3 − 0.3161278 = −0.3151278
    theta = np.array([1e-3])
    RMSprop(theta, lr=0.1, alpha=0.9, eps=1e-7, eps_in_sqrt=eps_in_sqrt).step(theta.copy())
    if eps_in_sqrt:
        expected = 1e-3 - 0.1 * 1e-3 / math.sqrt(1e-7 + 1e-7)
    else:
        expected = 1e-3 - 0.1 * 1e-3 / (math.sqrt(1e-7) + 1e-7)
    assert theta[0] == pytest.approx(expected, rel=1e-12)
    assert abs(theta[0] - (-0.2226068 if eps_in_sqrt else -0.3151278)) < 5e-7
