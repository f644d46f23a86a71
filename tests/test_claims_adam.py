"""Claims of docs/adam.md, each measured (tests/test_claim_tags.py ties them to the page)."""

import inspect
import math
import os

import numpy as np

from conftest import require
from rmsprop_ref import Adam, RMSprop, quadratic, run
from rmsprop_ref.compare import settle_step


def _distances(cls, steps, **kw):
    return np.linalg.norm(run(cls, quadratic.grad, quadratic.start, steps, lr=1.0, **kw), axis=1)


def test_claim_adam_rmsprop_rate_grows_and_bounces():
    """ "RMSprop at $\\eta = 1$, $\\alpha = 0.9$ does not settle on the article's quadratic: as the
    gradients shrink, $v$ follows them down and the effective learning rate grows until the
    iterate bounces ([Pitfalls](pitfalls.md#rmsprop-does-not-settle))."

    Measured: 2000 steps never settle within 1e-2; θ₁'s effective rate η/(√v + ε) first
    passes 2/h = 1 (h = 2) while the iterate is still close to the minimum (< 1e-6), the
    distance then jumps above 0.1, and the run ends alternating between (−½, ½) and (½, −½).
    """
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=1.0, alpha=0.9)
    rate, dist = [], []
    for _ in range(2000):
        opt.step(quadratic.grad(theta))
        rate.append(opt.effective_lr()[0][0])
        dist.append(np.linalg.norm(theta))
    rate, dist = np.array(rate), np.array(dist)
    assert settle_step(np.r_[np.linalg.norm(quadratic.start), dist], 1e-2) is None
    cross = int(np.argmax(rate > 1.0))
    assert cross > 0 and dist[cross] < 1e-6  # the rate grew past 2/h near the minimum ...
    assert np.all(np.diff(rate[:cross]) > 0)  # ... growing steadily up to there
    jump = cross + int(np.argmax(dist[cross:] > 0.1))
    assert jump > cross  # ... and only then did the iterate leave
    np.testing.assert_allclose(np.abs(theta), [0.5, 0.5], atol=1e-6)
    before = theta.copy()
    opt.step(quadratic.grad(theta))
    np.testing.assert_allclose(theta, -before, atol=1e-6)  # a bounce: the next step mirrors it


def test_claim_adam_long_run_caption():
    """ "Distance to the minimum (log scale) against the step, 0 to 20000, for Adam and AMSGrad with
    default betas and learning rate 1 on the article's quadratic: both are below 1e-44 at step 2000;
    Adam leaves 1e-2 again near step 5000, reaching about 1, and from step 8000 on bursts to between
    0.2 and 0.6 in every thousand steps, while AMSGrad stays below 1e-44."

    Measured on the same runs the figure draws (rmsprop_ref.figures.adam_long_run).
    """
    adam = _distances(Adam, 20000)
    ams = _distances(Adam, 20000, amsgrad=True)
    assert adam[2000] < 1e-44 and ams[2000] < 1e-44
    leave = 2000 + int(np.argmax(adam[2000:] > 1e-2))
    assert 4500 < leave < 5500
    assert 0.5 < adam[4000:6000].max() < 2
    for k in range(8000, 20000, 1000):
        assert 0.2 <= adam[k : k + 1000].max() <= 0.6, k
    assert ams[2000:].max() < 1e-44


def test_claim_adam_leaves_when_v_forgets():
    """ "Adam with default betas does get within $10^{-2}$ (first at step 29), stays there from
    step 115 to step 5086 and goes far below it, then leaves again once $v$ has forgotten the large
    early gradients: its effective learning rate for $\\theta_1$, $\\eta/(\\sqrt{\\hat v_t}+\\epsilon)$,
    keeps growing and passes 19 at step 4669, about 400 steps before the iterate leaves."

    Measured: the distances, and η/(√v̂ + ε) of θ₁ from Adam's state after each step.
    """
    theta = quadratic.start.copy()
    opt = Adam(theta, lr=1.0)
    dist, rate = [np.linalg.norm(theta)], [math.nan]
    for t in range(1, 6001):
        opt.step(quadratic.grad(theta))
        dist.append(np.linalg.norm(theta))
        rate.append(1.0 / (math.sqrt(opt.state[0]["exp_avg_sq"][0] / (1 - 0.999**t)) + 1e-8))
    dist, rate = np.array(dist), np.array(rate)
    assert int(np.argmax(dist < 1e-2)) == 29
    outside = np.flatnonzero(dist > 1e-2)
    assert outside[outside < 115].max() == 114  # 114 is the last step outside before ...
    assert outside[outside >= 115].min() == 5087  # ... the iterate leaves at step 5087
    assert dist[115:5087].min() < 1e-100  # far below it
    late = rate[200:5087]
    assert np.all(np.diff(late) > 0)  # keeps growing while v decays (gradients ~ 0)
    cross = 200 + int(np.argmax(late > 19))
    assert cross == 4669 and 350 <= 5087 - cross <= 450


def test_claim_adam_stability_limit_19():
    """ "19 is $2(1+\\beta_1)/\\bigl((1-\\beta_1)\\,h\\bigr)$, the largest rate at which a step along an
    EWMA of the gradient with $\\beta_1 = 0.9$ is stable on a coordinate of curvature $h = 2$
    (it is gradient descent with momentum $\\beta_1$ and rate $(1-\\beta_1)$ times as large)."

    Measured: θ ← θ − r·m, m ← β₁m + (1−β₁)·hθ on f = θ², from θ = 1, for 3000 steps: it
    shrinks at r = 18.9 and grows at r = 19.1. The same iteration written as heavy-ball
    momentum with rate (1−β₁)·r gives the same numbers.
    """
    beta1, h = 0.9, 2.0
    assert math.isclose(2 * (1 + beta1) / ((1 - beta1) * h), 19.0)

    def final(r, heavy_ball=False):
        theta, m, prev = 1.0, 0.0, 1.0
        for _ in range(3000):
            if heavy_ball:
                theta, prev = theta - (1 - beta1) * r * h * theta + beta1 * (theta - prev), theta
            else:
                m = beta1 * m + (1 - beta1) * h * theta
                theta -= r * m
        return abs(theta)

    assert final(18.9) < 1e-3 and final(19.1) > 1e3
    assert math.isclose(final(15.0), final(15.0, heavy_ball=True), rel_tol=1e-6, abs_tol=1e-300)


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    require("torch", "Keras runs here on its torch backend")
    keras = require("keras", "the claim is about Keras 3")
    keras.config.set_floatx("float64")
    return keras


def _keras_run(keras, opt, start, steps=100):
    var = keras.Variable(start.copy(), dtype="float64")
    for _ in range(steps):
        opt.apply([keras.ops.convert_to_tensor(quadratic.grad(var.numpy()))], [var])
    return var.numpy()


def _ours_run(start, steps=100, **kw):
    theta = start.copy()
    opt = Adam(theta, **kw)
    for _ in range(steps):
        opt.step(quadratic.grad(theta))
    return theta


def test_claim_adam_keras_weight_decay_is_decoupled():
    """ "Keras' `weight_decay` is always the decoupled kind."

    Measured: Keras 3 Adam(weight_decay=0.1) for 100 steps on the article's quadratic equals our
    Adam with decoupled_weight_decay=True (and Keras' eps_hat form) to 1e-9, and differs from
    the L2 (coupled) kind by more than 1e-3.
    """
    keras = _keras()
    old = keras.config.floatx()
    try:
        theirs = _keras_run(keras, keras.optimizers.Adam(learning_rate=0.05, weight_decay=0.1), quadratic.start)
    finally:
        keras.config.set_floatx(old)
    kw = dict(lr=0.05, eps=1e-7, weight_decay=0.1, eps_hat=True)
    np.testing.assert_allclose(_ours_run(quadratic.start, decoupled_weight_decay=True, **kw), theirs, rtol=1e-9)
    assert np.abs(_ours_run(quadratic.start, **kw) - theirs).max() > 1e-3


def test_claim_adam_keras_eps_hat():
    """ "Written in PyTorch's form, that is an $\\epsilon$ of $\\epsilon/\\sqrt{1-\\beta_2^t}$, which
    changes with $t$, so no constant PyTorch `eps` reproduces it; the two agree only when $\\epsilon$
    is negligible against $\\sqrt{v}$, or when $\\beta_2 = 0$."

    Measured against Keras 3 (epsilon = 1, 100 steps, lr 0.05): PyTorch's form with eps = 1 and
    with eps = 1/√(1−β₂) (the equivalent eps at t = 1 and as t grows) both miss Keras by more
    than 1e-3; with β₂ = 0, or with epsilon = 1e-12, PyTorch's form matches it to 1e-8.
    """
    keras = _keras()
    old = keras.config.floatx()
    try:
        ker = _keras_run(keras, keras.optimizers.Adam(learning_rate=0.05, epsilon=1.0), quadratic.start)
        ker_b0 = _keras_run(keras, keras.optimizers.Adam(learning_rate=0.05, beta_2=0.0, epsilon=1.0), quadratic.start)
        ker_small = _keras_run(keras, keras.optimizers.Adam(learning_rate=0.05, epsilon=1e-12), quadratic.start)
    finally:
        keras.config.set_floatx(old)
    for eps in (1.0, 1.0 / math.sqrt(1 - 0.999)):
        assert np.abs(_ours_run(quadratic.start, lr=0.05, eps=eps) - ker).max() > 1e-3
    np.testing.assert_allclose(_ours_run(quadratic.start, lr=0.05, eps=1.0, eps_hat=True), ker, rtol=1e-9)
    np.testing.assert_allclose(_ours_run(quadratic.start, lr=0.05, betas=(0.9, 0.0), eps=1.0), ker_b0, rtol=1e-8)
    np.testing.assert_allclose(_ours_run(quadratic.start, lr=0.05, eps=1e-12), ker_small, rtol=1e-8)


def test_claim_adam_adadelta_torch():
    """ "PyTorch's `torch.optim.Adadelta` (`lr=1.0`, `rho=0.9`, `eps=1e-6`) still multiplies by
    `lr`, and both of its averages sit under roots with `eps` inside."

    Measured: the defaults from its signature; one step with g = 2 from zero state, by hand:
    square_avg = 0.1·4 = 0.4, step = lr·√(0 + 1e-6)/√(0.4 + 1e-6)·2; halving lr halves it.
    """
    torch = require("torch")
    params = inspect.signature(torch.optim.Adadelta).parameters
    assert (params["lr"].default, params["rho"].default, params["eps"].default) == (1.0, 0.9, 1e-6)
    for lr in (0.5, 0.25):
        p = torch.zeros(1, dtype=torch.float64)
        opt = torch.optim.Adadelta([p], lr=lr)
        p.grad = torch.full((1,), 2.0, dtype=torch.float64)
        opt.step()
        expected = -lr * math.sqrt(1e-6) / math.sqrt(0.4 + 1e-6) * 2
        assert math.isclose(p.item(), expected, rel_tol=1e-12)
        # eps outside the roots would give (0 + 1e-6)/(√0.4 + 1e-6): a step 1000 times smaller
        assert abs(p.item()) > 100 * abs(lr * 1e-6 / (math.sqrt(0.4) + 1e-6) * 2)


def test_claim_adam_amsgrad_rate_still_rises():
    """ "The bias correction still does: PyTorch divides that maximum by $1-\\beta_2^t$, so in the
    run below $\\theta_1$'s effective rate rises from 0.11 at step 1 to 1.89 at step 5000, towards
    $\\eta/\\sqrt{\\max v} \\approx 1.9$ once the maximum stops changing (after step 39): far below
    the rate of 19 past which Adam leaves (measured below)."

    Measured: AMSGrad at η = 1 on the article's quadratic, θ₁'s η/(√(max v/(1−β₂^t)) + ε) after
    each of 20000 steps, from the optimizer's state: never decreasing, 1/9 at step 1 (by hand:
    max v = 0.001·81, corrected 81, rate 1/9), 1.89 at step 5000; max v last changes at step 39;
    η/√(max v) is 1.895. torch.optim.Adam(amsgrad=True) gives the same step-5000 rate.
    """
    theta = quadratic.start.copy()
    opt = Adam(theta, lr=1.0, amsgrad=True)
    rate, vmax = [], []
    for t in range(1, 20001):
        opt.step(quadratic.grad(theta))
        vmax.append(opt.state[0]["max_exp_avg_sq"][0])
        rate.append(1.0 / (math.sqrt(vmax[-1] / (1 - 0.999**t)) + 1e-8))
    rate, vmax = np.array(rate), np.array(vmax)
    assert np.all(np.diff(rate) >= 0)
    assert math.isclose(rate[0], 1 / 9, rel_tol=1e-6) and round(rate[4999], 2) == 1.89
    assert int(np.flatnonzero(np.diff(vmax))[-1]) + 2 == 39  # vmax[k] is after step k + 1
    assert round(1 / math.sqrt(vmax[-1]), 1) == 1.9 and rate[-1] < 19
    torch = require("torch")
    p = torch.tensor(quadratic.start, dtype=torch.float64)
    topt = torch.optim.Adam([p], lr=1.0, amsgrad=True)
    for _ in range(5000):
        p.grad = torch.from_numpy(quadratic.grad(p.detach().numpy().copy()))
        topt.step()
    st = topt.state[p]
    assert math.isclose(
        1.0 / (math.sqrt(st["max_exp_avg_sq"][0].item() / (1 - 0.999**5000)) + 1e-8), rate[4999], rel_tol=1e-6
    )
