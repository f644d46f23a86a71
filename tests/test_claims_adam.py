"""Claims on docs/adam.md: each test reads its tagged text (the `claim` fixture, tests/claims.py),
measures with the package (or the framework the text names), and checks the measurement against
the numbers the page prints."""

import inspect
import math
import os

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import SGD, Adam, RMSprop, quadratic, run
from rmsprop_ref.compare import settle_step

BETAS = inspect.signature(Adam).parameters["betas"].default


@pytest.fixture(scope="module")
def adam_run():
    """Adam (default betas) at η = 1 on the article's quadratic, 6000 steps: distances (t = 0..6000) and θ₁'s
    effective rate η/(√v̂ + ε) after each step (index t; NaN at 0), from the optimizer."""
    theta = quadratic.start.copy()
    opt = Adam(theta, lr=1.0)
    dist, rate = [np.linalg.norm(theta)], [math.nan]
    for _ in range(6000):
        opt.step(quadratic.grad(theta))
        dist.append(np.linalg.norm(theta))
        rate.append(opt.effective_lr()[0][0])
    return np.array(dist), np.array(rate)


def test_claim_adam_rmsprop_rate_grows_and_bounces(claim):
    """RMSprop at the printed η and α for 2000 steps: never settles within 1e-2; θ₁'s effective rate first passes 2/h
    (h from the gradient) while the iterate is still close to the minimum (< 1e-6), growing steadily up to there; the
    distance then jumps above 0.1; the run ends alternating between (−½, ½) and (½, −½)."""
    lr, alpha = claim.num("η = 1").value, claim.num("α = 0.9").value
    h = quadratic.grad(np.array([1.0, 0.0]))[0]
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=lr, alpha=alpha)
    rate, dist = [], []
    for _ in range(2000):
        opt.step(quadratic.grad(theta))
        rate.append(opt.effective_lr()[0][0])
        dist.append(np.linalg.norm(theta))
    rate, dist = np.array(rate), np.array(dist)
    assert settle_step(np.r_[np.linalg.norm(quadratic.start), dist], 1e-2) is None
    cross = int(np.argmax(rate > 2 / h))
    assert cross > 0 and dist[cross] < 1e-6  # the rate grew past 2/h near the minimum ...
    assert np.all(np.diff(rate[:cross]) > 0)  # ... growing steadily up to there
    jump = cross + int(np.argmax(dist[cross:] > 0.1))
    assert jump > cross  # ... and only then did the iterate leave
    np.testing.assert_allclose(np.abs(theta), lr / 2, atol=1e-6)
    before = theta.copy()
    opt.step(quadratic.grad(theta))
    np.testing.assert_allclose(theta, -before, atol=1e-6)  # a bounce: the next step mirrors it


def test_claim_adam_amsgrad_rate_still_rises(claim):
    """AMSGrad at η = 1 on the article's quadratic, θ₁'s effective rate after each of 20000 steps from the package
    (Adam.effective_lr), against the printed formula η/(√(max v/(1 − β₂^t)) + ε) from its state: never decreasing,
    the printed values at the printed steps; max v last changes at the printed step; η/√(max v); the printed limit
    of Adam's, from its formula with the package's betas; torch.optim.Adam(amsgrad=True) gives the same rate at the
    printed step."""
    claim.unused("2018", why="the year of Reddi et al.'s paper")
    beta2 = claim.num("0.999")
    beta2.check(BETAS[1])
    one = claim.num(r"\$(1)-\\beta_2").value
    theta = quadratic.start.copy()
    opt = Adam(theta, lr=1.0, amsgrad=True)
    vmax = []
    checked = {1, 39, 5000, 20000}
    for t in range(1, 20001):
        opt.step(quadratic.grad(theta))
        vmax.append(opt.state[0]["max_exp_avg_sq"][0])
        if t in checked:  # the package's rate is the printed formula on its state
            rate = 1.0 / (math.sqrt(vmax[-1] / (one - beta2.value**t)) + opt.hyperparams["eps"])
            assert opt.effective_lr()[0][0] == pytest.approx(rate, rel=1e-12)
    vmax = np.array(vmax)  # index k is step k + 1
    t = np.arange(1, 20001)
    rate = 1.0 / (np.sqrt(vmax / (one - beta2.value**t)) + opt.hyperparams["eps"])
    assert np.all(np.diff(rate) >= 0)
    claim.num("0.11").check(rate[int(claim.num("step 1 ").value) - 1])
    late = int(claim.num("step 5000").value)
    claim.num("1.89").check(rate[late - 1])
    claim.num("39").check(int(np.flatnonzero(np.diff(vmax))[-1]) + 2)
    claim.num("1.9").check(1 / math.sqrt(vmax[-1]))
    limit = claim.num("rate of 19")
    limit.check(2 * (1 + BETAS[0]) / ((1 - BETAS[0]) * quadratic.grad(np.array([1.0, 0.0]))[0]))
    assert rate.max() < limit.value / 10  # far below
    torch = require("torch")
    p = torch.tensor(quadratic.start, dtype=torch.float64)
    topt = torch.optim.Adam([p], lr=1.0, amsgrad=True)
    for _ in range(late):
        p.grad = torch.from_numpy(quadratic.grad(p.detach().numpy().copy()))
        topt.step()
    st = topt.state[p]
    theirs = 1.0 / (math.sqrt(st["max_exp_avg_sq"][0].item() / (1 - 0.999**late)) + 1e-8)
    assert math.isclose(theirs, rate[late - 1], rel_tol=1e-6)


def test_claim_adam_long_run_caption(claim):
    """The data the figure draws (rmsprop_ref.figures.adam_long_run_data, which adam_long_run plots): its settings
    against the caption's, and the caption's readings of its two curves."""
    from rmsprop_ref.figures import adam_long_run_data

    data = adam_long_run_data()
    adam, ams = data["distances"]["Adam"], data["distances"]["AMSGrad"]
    claim.unused("step, 0 to", why="the axis' first step: the figure plots the distances by index, t = 0 first")
    assert adam[0] == ams[0] == np.linalg.norm(quadratic.start)  # index 0 is the start, t = 0
    claim.num("20000").check(len(adam) - 1)
    assert data["steps"] == len(adam) - 1 == len(ams) - 1
    claim.num("learning rate 1").check(data["lr"])
    assert data["betas"] == BETAS  # "default betas"
    floor, floor_again = claim.nums("1e-44")
    claim.num("step 1958").check(np.flatnonzero(ams >= floor.value)[-1] + 1)
    claim.num("step 1965").check(np.flatnonzero(adam[:3000] >= floor.value)[-1] + 1)
    since = int(claim.num("step 1965").value)
    claim.num("step 4967").check(since + int(np.argmax(adam[since:] >= floor.value)) - 1)
    tol = claim.num("1e-2").value
    below = int(claim.num("step 1965").value)
    leave = below + int(np.argmax(adam[below:] > tol))
    claim.num("step 5087").check(leave)
    claim.num("about 1,").check(adam[leave : leave + 1000].max())
    start = int(claim.num("step 8000").value)
    bursts = np.array([adam[k : k + 1000].max() for k in range(start, len(adam) - 1, 1000)])
    claim.num("between 0.2").above(bursts.min())
    claim.num("and 0.6").below(bursts.max())
    assert not 0.2 <= adam[start - 1000 : start].max() <= 0.6  # from that step on, not before
    floor_again.below(ams[int(claim.num("step 1958").value) :].max())  # to the end; the bound is tight


def test_claim_adam_leaves_when_v_forgets(claim, adam_run):
    """The distances, and θ₁'s η/(√v̂ + ε) from the package's Adam (Adam.effective_lr) after each step."""
    dist, rate = adam_run
    tol = claim.num("10^{-2}").value
    claim.num("step 29").check(int(np.argmax(dist < tol)))
    outside = np.flatnonzero(dist > tol)
    settled = claim.num("step 115")
    settled.check(outside[outside < settled.value].max() + 1)
    last = claim.num("step 5086")
    last.check(outside[outside > settled.value].min() - 1)
    assert dist[int(settled.value) : int(last.value) + 1].min() < 1e-100  # far below it
    late = rate[200 : int(last.value) + 1]
    assert np.all(np.diff(late) > 0)  # keeps growing while v decays (gradients ~ 0)
    passes = claim.num("passes 19").value
    cross = 200 + int(np.argmax(late > passes))
    claim.num("step 4669").check(cross)
    claim.num("418").check(last.value + 1 - cross)


def test_claim_adam_stability_limit_19(claim):
    """The printed formula evaluated with the printed numbers; the package's SGD with momentum β₁ and rate (1 − β₁)·r
    on f = θ² (curvature from the gradient) shrinks just below the printed limit and grows just above it, found by
    bisection on r; and it is the step along an EWMA of the gradient (written out) step for step."""
    limit = claim.num("19 is")
    two, one_plus, one_minus = (claim.num(p).value for p in (r"\$(2)\(", r"\((1)\+", r"\((1)-\\beta_1\)\\,h"))
    beta1 = claim.num("0.9")
    beta1.check(BETAS[0])
    h = claim.num("h = 2")
    h.check(quadratic.grad(np.array([1.0, 0.0]))[0])
    scale = claim.num(r"\$\((1)-\\beta_1\)\$ times").value
    limit.check(two * (one_plus + beta1.value) / ((one_minus - beta1.value) * h.value))

    def final(r, steps=1000):
        theta = np.ones(1)
        opt = SGD(theta, lr=(scale - beta1.value) * r, momentum=beta1.value)
        for _ in range(steps):
            opt.step(h.value * theta)
            if abs(theta[0]) > 1e6:  # grown: stop before it overflows
                break
        return abs(theta[0])

    lo, hi = 10.0, 30.0
    assert final(lo) < 1 < final(hi)
    for _ in range(10):  # to ±0.02, finer than the printed integer
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if final(mid) < 1 else (lo, mid)
    limit.check(lo)
    theta, m, path = 1.0, 0.0, []
    for _ in range(50):
        m = beta1.value * m + (1 - beta1.value) * h.value * theta
        theta -= 15.0 * m
        path.append(theta)
    sgd = run(SGD, lambda x: h.value * x, np.ones(1), 50, lr=(1 - beta1.value) * 15.0, momentum=beta1.value)
    np.testing.assert_allclose(sgd[1:, 0], path, rtol=1e-9)


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


def test_claim_adam_keras_weight_decay_is_decoupled(claim):
    """torch's AdamW default weight decay; one step of the package's decoupled Adam on a zero gradient shrinks θ by the
    printed factor; Keras 3 Adam(weight_decay=0.1) for 100 steps on the article's quadratic equals the package's Adam
    with decoupled_weight_decay=True (and Keras' eps_hat form) to 1e-9, and differs from the L2 kind by more than
    1e-3."""
    claim.unused("2019", why="the year of Loshchilov and Hutter's paper")
    torch = require("torch")
    decay = claim.num("weight_decay=1e-2")
    decay.check(inspect.signature(torch.optim.AdamW).parameters["weight_decay"].default)
    theta = np.array([2.0, -3.0])
    opt = Adam(theta, lr=0.1, weight_decay=decay.value, decoupled_weight_decay=True)
    opt.step(np.zeros(2))
    one = claim.num(r"\((1)-\\eta\\lambda\)").value
    np.testing.assert_allclose(theta, (one - 0.1 * decay.value) * np.array([2.0, -3.0]), rtol=1e-15)
    keras = _keras()
    old = keras.config.floatx()
    try:
        theirs = _keras_run(keras, keras.optimizers.Adam(learning_rate=0.05, weight_decay=0.1), quadratic.start)
    finally:
        keras.config.set_floatx(old)
    kw = dict(lr=0.05, eps=1e-7, weight_decay=0.1, eps_hat=True)
    np.testing.assert_allclose(_ours_run(quadratic.start, decoupled_weight_decay=True, **kw), theirs, rtol=1e-9)
    assert np.abs(_ours_run(quadratic.start, **kw) - theirs).max() > 1e-3


def test_claim_adam_keras_eps_hat(claim):
    """The printed Keras step, evaluated with the printed constants on the package's own m_t and v_t, is the package's
    eps_hat step; the package's eps_hat Adam against Keras 3 (epsilon = 1, 100 steps, lr 0.05); PyTorch's form with
    eps = 1 and with the printed equivalent eps at t = 1 misses it by more than 1e-3; with β₂ = the printed value, or
    epsilon = 1e-12, PyTorch's form matches it to 1e-8."""
    claim.unused("section 2", why="where in Kingma and Ba's paper the form is given")
    one_sqrt, one_div = claim.num(r"\{(1)-\\beta_2\^t\}\}\{").value, claim.num(r"\}\{(1)-\\beta_1\^t\}").value
    one_eps = claim.num(r"\\epsilon/\\sqrt\{(1)-").value
    beta2_zero = claim.num(r"\\beta_2 = (0)").value
    lr, eps = 0.05, 1.0
    theta = quadratic.start.copy()
    opt = Adam(theta, lr=lr, eps=eps, eps_hat=True)
    b1, b2 = BETAS
    for t in range(1, 6):
        before, g = theta.copy(), quadratic.grad(theta)
        opt.step(g)
        m, v = opt.state[0]["exp_avg"], opt.state[0]["exp_avg_sq"]
        keras_step = lr * math.sqrt(one_sqrt - b2**t) / (one_div - b1**t) * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(before - theta, keras_step, rtol=1e-12)
        torch_form = lr * (m / (one_div - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps / math.sqrt(one_eps - b2**t))
        np.testing.assert_allclose(before - theta, torch_form, rtol=1e-12)
    keras = _keras()
    old = keras.config.floatx()
    try:
        ker = _keras_run(keras, keras.optimizers.Adam(learning_rate=lr, epsilon=eps), quadratic.start)
        ker_b0 = _keras_run(
            keras, keras.optimizers.Adam(learning_rate=lr, beta_2=beta2_zero, epsilon=eps), quadratic.start
        )
        ker_small = _keras_run(keras, keras.optimizers.Adam(learning_rate=lr, epsilon=1e-12), quadratic.start)
    finally:
        keras.config.set_floatx(old)
    for constant in (eps, eps / math.sqrt(one_eps - b2)):
        assert np.abs(_ours_run(quadratic.start, lr=lr, eps=constant) - ker).max() > 1e-3
    np.testing.assert_allclose(_ours_run(quadratic.start, lr=lr, eps=eps, eps_hat=True), ker, rtol=1e-9)
    np.testing.assert_allclose(_ours_run(quadratic.start, lr=lr, betas=(b1, beta2_zero), eps=eps), ker_b0, rtol=1e-8)
    np.testing.assert_allclose(_ours_run(quadratic.start, lr=lr, eps=1e-12), ker_small, rtol=1e-8)


def test_claim_adam_adadelta_torch(claim):
    """The defaults from torch.optim.Adadelta's signature; its square_avg is the package's RMSprop square_avg at α = rho
    on the same gradients (the same EWMA of g²); one step with g = 2 from zero state, by hand: square_avg = 0.1·4,
    step = lr·√(0 + eps)/√(0.4 + eps)·2 (eps inside both roots); halving lr halves it."""
    claim.unused("2012", why="the year of Zeiler's paper")
    torch = require("torch")
    params = inspect.signature(torch.optim.Adadelta).parameters
    claim.num("lr=1.0").check(params["lr"].default)
    rho = claim.num("rho=0.9")
    rho.check(params["rho"].default)
    claim.num("eps=1e-6").check(params["eps"].default)
    grads = np.random.default_rng(0).normal(size=(20, 3))
    p = torch.zeros(3, dtype=torch.float64)
    theirs = torch.optim.Adadelta([p])
    ours = RMSprop(np.zeros(3), lr=0.01, alpha=rho.value)
    for g in grads:
        p.grad = torch.from_numpy(g.copy())
        theirs.step()
        ours.step(g)
        np.testing.assert_allclose(theirs.state[p]["square_avg"].numpy(), ours.state[0]["square_avg"], rtol=1e-12)
    for lr in (0.5, 0.25):
        p = torch.zeros(1, dtype=torch.float64)
        opt = torch.optim.Adadelta([p], lr=lr)
        p.grad = torch.full((1,), 2.0, dtype=torch.float64)
        opt.step()
        expected = -lr * math.sqrt(1e-6) / math.sqrt(0.4 + 1e-6) * 2
        assert math.isclose(p.item(), expected, rel_tol=1e-12)
        # eps outside the roots would give (0 + 1e-6)/(√0.4 + 1e-6): a step 1000 times smaller
        assert abs(p.item()) > 100 * abs(lr * 1e-6 / (math.sqrt(0.4) + 1e-6) * 2)
