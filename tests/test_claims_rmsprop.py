"""Claims on docs/rmsprop.md: each test reads its tagged text (the `claim` fixture, tests/claims.py),
measures with the package (or the framework the text names), and checks the measurement against
the numbers the page prints."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from claims import claim_for

from conftest import require
from rmsprop_ref import SGD, Adagrad, RMSprop, d2l_quadratic, quadratic, run
from rmsprop_ref.compare import ARTICLE


def _drawn_lines(name):
    """Per panel of figure `name` (rmsprop_ref.figures.FIGURES), its lines' (x, y) data and the axes."""
    require("matplotlib")
    from rmsprop_ref import figures

    fig = figures.FIGURES[name]()
    return [
        (ax, [(np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float)) for ln in ax.get_lines()])
        for ax in fig.axes
    ]


@pytest.fixture(scope="module")
def d2l_figure():
    """The paths the d2l figure draws: {"Adagrad": path, "RMSprop": path}, each (steps + 1, 2)."""
    panels = _drawn_lines("trajectories_d2l.svg")
    paths = {}
    for (ax, lines), name in zip(panels, ("Adagrad", "RMSprop")):
        assert ax.get_title().startswith(name)
        ((x, y),) = [(x, y) for x, y in lines if x.size > 1]  # the path; the other line is the minimum's star
        paths[name] = np.column_stack([x, y])
    return paths


def _dist(path):
    return np.linalg.norm(path, axis=1)


def test_claim_rmsprop_d2l_figure(claim, d2l_figure):
    """The drawn paths against runs at the caption's settings on d2l's quadratic (its coefficients from f), and the
    caption's readings of them."""
    claim.num("0.1·").check(d2l_quadratic.f(np.array([1.0, 0.0])))
    claim.num("2·").check(d2l_quadratic.f(np.array([0.0, 1.0])))
    steps = int(claim.num("30 steps").value)
    start = np.array([claim.num("(-5").value, claim.num("-2)").value])
    lr, alpha = claim.num("0.4").value, claim.num("0.9").value
    ada = run(Adagrad, d2l_quadratic.grad, start, steps, lr=lr)
    rms = run(RMSprop, d2l_quadratic.grad, start, steps, lr=lr, alpha=alpha)
    np.testing.assert_array_equal(d2l_figure["Adagrad"], ada)
    np.testing.assert_array_equal(d2l_figure["RMSprop"], rms)
    within = claim.num("within 0.1")
    claim.num("after 15 steps").check(int(np.argmax(_dist(rms) <= within.value)))
    within.below(_dist(rms)[int(claim.num("after 15 steps").value)])
    assert np.all(np.diff(np.linalg.norm(np.diff(ada, axis=0), axis=1)) < 0)  # Adagrad's steps shrink
    claim.num("(-1.9").check(ada[-1, 0])
    claim.num("-0.05)").check(ada[-1, 1])
    claim.num("after 30.").check(len(ada) - 1)


def test_claim_rmsprop_d2l_leaves_after_window(claim, d2l_figure):
    """The figure's runs continued: the drawn 30 steps are the start of a run at the same settings (lr 0.4, α 0.9,
    read back by matching the drawn paths), then 2000 steps of it."""
    shown = int(claim.num("step 30").value)
    assert len(d2l_figure["RMSprop"]) == shown + 1
    caption = claim_for("rmsprop_d2l_figure")  # "the same settings": the figure's, as its caption prints them
    lr, alpha = caption.num("0.4").value, caption.num("0.9").value
    end = int(claim.num("(2000)-step").value)
    rms = run(RMSprop, d2l_quadratic.grad, d2l_quadratic.start, end, lr=lr, alpha=alpha)
    np.testing.assert_array_equal(rms[: shown + 1], d2l_figure["RMSprop"])
    d = _dist(rms)
    claim.num("5 \\times 10^{-6}").check(d[shown])
    claim.num("0.01").check(d[int(claim.num("step 60").value)])
    claim.num("0.25").check(d[int(claim.num("step 100").value)])
    cycle, since = claim.num("0.28"), int(claim.num("step 177").value)
    for t in range(since, end + 1):  # from that step on, every distance rounds to the printed one
        cycle.check(d[t])
    assert round(d[since - 1], 2) != cycle.value  # and not the step before
    half_up, half_down = (n.value for n in claim.nums(r"\\eta/(2)"))
    tail = rms[-100:]
    assert np.abs(tail.max(axis=0) - lr / half_up).max() < 1e-3
    assert np.abs(tail.min(axis=0) + lr / half_down).max() < 1e-3
    assert (np.sign(tail[1:]) == -np.sign(tail[:-1])).all()
    at = int(claim.num("step 200").value)
    assert claim.num("step (2000)").value == end
    ada = _dist(run(Adagrad, d2l_quadratic.grad, d2l_quadratic.start, end, lr=lr))
    np.testing.assert_array_equal(ada[: shown + 1], _dist(d2l_figure["Adagrad"]))
    assert (np.diff(ada) < 0).all()
    claim.num("0.05").check(ada[at])
    claim.num("10^{-18}").check(ada[end])


def test_claim_rmsprop_d2l_shared_rate_handicaps_adagrad(claim, d2l_figure):
    """First steps at the shared rate; Adagrad at the rate d2l gives it, against the figure's RMSprop at step 15."""
    lr = claim.num("η = 0.4").value
    alpha = claim_for("rmsprop_d2l_figure").num("0.9").value  # the figure's, as its caption prints it
    ada = run(Adagrad, d2l_quadratic.grad, d2l_quadratic.start, 1, lr=lr)
    rms = run(RMSprop, d2l_quadratic.grad, d2l_quadratic.start, 1, lr=lr, alpha=alpha)
    np.testing.assert_allclose(np.abs(ada[1] - ada[0]), lr, rtol=1e-8)
    ratio = claim.num("3.2")
    for step in np.abs(rms[1] - rms[0]):
        ratio.check(step / lr)
    ratio.check(1 / math.sqrt(claim.num(r"\{(1)-\\alpha").value - alpha))
    at = int(claim.num("after 15 steps").value)
    faster = _dist(run(Adagrad, d2l_quadratic.grad, d2l_quadratic.start, at, lr=claim.num("η = 2").value))
    claim.num("0.015").below(faster[at])
    assert faster[at] < _dist(d2l_figure["RMSprop"])[at]  # closer than RMSprop above


def test_claim_rmsprop_without_root_steps_shrink(claim):
    """The package's RMSprop fed random gradients and the same gradients times the printed factor: its own steps are
    equal (the root), while g/v, from the package's state v, shrinks by that factor."""
    factor, again = claim.nums("1000")
    assert factor.value == again.value
    grads = np.random.default_rng(0).normal(size=(20, 3))

    def run_scaled(scale):
        theta = np.zeros(3)
        opt = RMSprop(theta, lr=0.1, alpha=0.9)
        steps, no_root = [], []
        for g in scale * grads:
            before = theta.copy()
            opt.step(g)
            steps.append(before - theta)
            no_root.append(g / opt.state[0]["square_avg"])
        return np.array(steps), np.array(no_root)

    steps, no_root = run_scaled(1.0)
    steps_big, no_root_big = run_scaled(factor.value)
    np.testing.assert_allclose(steps_big, steps, rtol=1e-6)
    claim.num(r"\$(1)/g_i").check(np.median(no_root_big / no_root * factor.value))
    np.testing.assert_allclose(no_root_big * factor.value, no_root, rtol=1e-12)


def test_claim_rmsprop_effective_lr_figure(claim):
    """The figure's drawn rates (rmsprop_ref.figures.effective_lr); the cause from the package's run: v of θ₁ falls at
    every step, and from step 11 on by the factor α per step (1e-6 relative): it only forgets."""
    ((_, lines),) = _drawn_lines("effective_lr.svg")
    (x, ada), (_, rms) = lines
    claim.num("30 steps").check(x[-1])
    assert np.all(np.diff(ada) <= 0)
    claim.num("0.062").check(ada[-1])
    assert abs(ada[-1] / ada[-11] - 1) < 0.005  # flattens
    assert np.all(np.diff(rms) > 0)
    claim.num("0.35").check(rms[0])
    claim.num("1.54").check(rms[-1])
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=ARTICLE["lr"], alpha=ARTICLE["alpha"])
    v = []
    for _ in range(len(x)):
        opt.step(quadratic.grad(theta))
        v.append(opt.state[0]["square_avg"][0])
    v = np.array(v)
    assert np.all(np.diff(v) < 0)
    np.testing.assert_allclose(v[11:] / v[10:-1], ARTICLE["alpha"], rtol=1e-6)


def test_claim_rmsprop_does_not_settle(claim):
    """The article's settings for 1000 steps: the closest approach, the distance at step 50, the steps from which every
    distance rounds to the cycle's, each coordinate ±η/2 and changing sign at every step."""
    path = run(RMSprop, quadratic.grad, quadratic.start, 1000, lr=ARTICLE["lr"], alpha=ARTICLE["alpha"])
    d = _dist(path)
    claim.num("step 21").check(int(np.argmin(d)))
    claim.num("2 \\times 10^{-13}").check(d.min())
    claim.num("1.8").check(d[int(claim.num("step 50").value)])
    cycle = claim.num("0.707")
    off = np.flatnonzero(np.abs(d - cycle.value) > cycle.unit / 2)
    claim.num("step 206").check(off[-1] + 1)
    half_up, half_down = (n.value for n in claim.nums(r"\\eta/(2)"))
    tail = path[int(claim.num("step 206").value) :]
    assert np.abs(tail.max(axis=0) - ARTICLE["lr"] / half_up).max() < 1e-3
    assert np.abs(tail.min(axis=0) + ARTICLE["lr"] / half_down).max() < 1e-3
    assert np.all(np.sign(tail[1:]) == -np.sign(tail[:-1]))


def test_claim_rmsprop_large_eps_is_sgd(claim):
    """A coordinate whose gradient is always 0: v = 0 in the package's state and no step; the default eps is torch's;
    the effective rate of that coordinate is η/ε; with ε = the printed Inception value and gradients of about 1e-3,
    RMSprop's path stays within 0.5 % (in norm) of SGD's with lr η/ε, and with the default ε it is over 100x farther."""
    theta = np.ones(2)
    opt = RMSprop(theta, lr=0.1)
    for _ in range(5):
        opt.step(np.array([0.0, 1.0]))
    claim.num(r"been (0)").check(opt.state[0]["square_avg"][0])
    claim.num(r"divide (0) by").check(theta[0] - 1)  # no step: 0/ε
    claim.num(r"by (0)\.").check(np.sqrt(opt.state[0]["square_avg"][0]))
    eps = inspect.signature(RMSprop).parameters["eps"].default
    torch = require("torch", "the claim quotes PyTorch's default")
    claim.num("1e-8").check(inspect.signature(torch.optim.RMSprop).parameters["eps"].default)
    assert eps == inspect.signature(torch.optim.RMSprop).parameters["eps"].default
    assert opt.effective_lr()[0][0] == pytest.approx(0.1 / eps, rel=1e-12)  # the cap η/ε
    big = claim.num("used 1.0").value
    grads = 1e-3 * np.random.default_rng(0).normal(size=(50, 4))

    def path(opt_class, **kw):
        theta = np.zeros(4)
        opt = opt_class(theta, **kw)
        for g in grads:
            opt.step(g)
        return theta.copy()

    sgd = path(SGD, lr=0.1 / big)
    assert np.linalg.norm(path(RMSprop, lr=0.1, alpha=0.9, eps=big) - sgd) < 5e-3 * np.linalg.norm(sgd)
    assert np.linalg.norm(path(RMSprop, lr=0.1, alpha=0.9, eps=eps)) > 100 * np.linalg.norm(sgd)


def test_claim_rmsprop_eps_rounds_to_zero_in_float16(claim):
    """The page's step (lr 0.1, defaults, gradients 0, 1e-12 and 1), measured in parts from the package's state; the
    default eps in float16."""
    eps = inspect.signature(RMSprop).parameters["eps"].default
    alpha = inspect.signature(RMSprop).parameters["alpha"].default
    lr = 0.1
    theta = np.zeros(3)
    opt = RMSprop(theta, lr=lr)
    tiny = claim.num(r"gradient \$(10\^\{-12\})").value
    opt.step(np.array([0.0, tiny, 1.0]))
    root_v = np.sqrt(opt.state[0]["square_avg"])
    claim.num(r"\$(0)/\\epsilon").check(0 * root_v[0])
    claim.num(r"= (0)\)").check(-theta[0])
    first_eps, default_eps = claim.nums(r"\\epsilon = (10\^\{-8\})")
    first_eps.check(eps)
    default_eps.check(eps)
    claim.num("10^{-13}").check(root_v[1])
    claim.num("10^{-5}").check(-theta[1])
    assert -theta[1] == pytest.approx(lr * tiny / eps, rel=1e-3)
    normal = claim.num(r"\\alpha\} = (1)\$")
    normal.check(-theta[2])
    normal.check(lr / math.sqrt(claim.num(r"\{(1)-\\alpha").value - alpha))
    claim.num("0.9999999").check(-theta[2])
    claim.num(r"rounds to (0)").check(np.float16(eps))
    assert np.finfo(np.float16).smallest_subnormal > eps and np.float32(eps) > 0


def test_claim_rmsprop_first_step_is_the_longest_possible(claim):
    """First steps at α = 0.99 and 0.9; v₁ = (1 − α)g₁² from the state; plain RMSprop (lr 0.01) at both α on 3000 steps
    of heavy-tailed random gradients (Cauchy, with sudden jumps after tiny ones): every step is at most lr/√(1 − α),
    v_t ≥ (1 − α)g_t², and the longest step after the first comes within 1 % of the bound. The parenthesis: on a
    constant gradient, momentum 0.9 and centering each take a step longer than the bound within 100 steps."""
    ones = [n.value for n in claim.nums(r"(1)-\\alpha")]
    assert len(ones) == 4
    lr = 0.01
    for alpha, times in (
        (claim.num("α = 0.99").value, claim.num("10 times")),
        (claim.num("α = 0.9").value, claim.num("3.16")),
    ):
        theta = quadratic.start.copy()
        opt = RMSprop(theta, lr=lr, alpha=alpha)
        g = quadratic.grad(theta)
        opt.step(g)
        for step in np.abs(theta - quadratic.start):
            times.check(step / lr)
            times.check(1 / math.sqrt(ones[0] - alpha))
        np.testing.assert_allclose(opt.state[0]["square_avg"], (ones[1] - alpha) * g**2, rtol=1e-15)
    rng = np.random.default_rng(4)
    grads = rng.standard_cauchy(size=(3000, 3)) * np.where(rng.random((3000, 1)) < 0.5, 1e-6, 1.0)
    for alpha in (0.9, 0.99):
        bound = lr / np.sqrt(ones[3] - alpha)
        theta = np.zeros(3)
        opt = RMSprop(theta, lr=lr, alpha=alpha)
        longest_later = 0.0
        for t, g in enumerate(grads):
            before = theta.copy()
            opt.step(g)
            step = np.abs(before - theta)
            assert np.all(step <= bound * (1 + 1e-12))
            assert np.all(opt.state[0]["square_avg"] >= (ones[2] - alpha) * g**2)
            if t > 0:
                longest_later = max(longest_later, step.max())
        assert longest_later > 0.99 * bound
    for extra in ({"momentum": 0.9}, {"centered": True}):
        path = run(RMSprop, lambda th: np.ones(1), np.zeros(1), 100, lr=lr, alpha=0.99, **extra)
        assert np.abs(np.diff(path[:, 0])).max() > lr / np.sqrt(1 - 0.99)


def test_claim_rmsprop_tf1_start_at_one(claim):
    """The package started from v = 1 (its state loaded with square_avg = 1 at step 0): v₁ against the printed
    formula; gradients ±1 move by lr; the small gradient's step in units of lr; from the zero start the same gradient
    moves 10 lr (α 0.99)."""
    claim.unused("TensorFlow 1", why="a version number")
    v0 = claim.num("at 1 (").value
    alpha, lr = claim.num("α = 0.99").value, 0.01
    one = claim.num(r"\((1)-\\alpha").value
    unit = claim.num(r"\|g_1\| = (1)").value
    small = claim.num("g_1 = 0.01").value

    def first_step(g, v_start):
        theta = np.zeros(len(g))
        opt = RMSprop(theta, lr=lr, alpha=alpha)
        if v_start is not None:
            state = [{"square_avg": np.full(len(g), v_start)}]
            opt.load_state_dict({"step": 0, "hyperparams": opt.hyperparams, "state": state})
        opt.step(np.array(g))
        return -theta, opt.state[0]["square_avg"]

    g = np.array([unit, -unit, small])
    moved, v1 = first_step(g, v0)
    np.testing.assert_allclose(v1, alpha + (one - alpha) * g**2, rtol=1e-15)
    np.testing.assert_allclose(np.abs(moved[:2]), lr, rtol=1e-7)
    claim.num(r"about \$(0\.01)").check(moved[2] / lr)
    zero_start, _ = first_step([small], None)
    np.testing.assert_allclose(zero_start, 10 * lr, rtol=1e-5)  # scale-free from the zero start


def _clamp_state(eps_in_sqrt=False):
    theta = np.zeros(1)
    opt = RMSprop(theta, lr=0.01, alpha=0.99, centered=True, eps_in_sqrt=eps_in_sqrt)
    state = {"square_avg": np.array([1.0]), "grad_avg": np.array([1.0 + 1e-15])}
    opt.load_state_dict({"step": 5000, "hyperparams": opt.hyperparams, "state": [state]})
    opt.step(np.array([1.0]))
    return -theta[0], opt


def test_claim_rmsprop_centered_clamp_vs_torch_nan(claim):
    """The page's state (v = 1, ḡ = 1 + 1e-15, then g = 1, α 0.99, lr 0.01, float64): after the update ḡ² exceeds v
    by rounding. torch.optim.RMSprop(centered=True) from the same state gives a NaN parameter; the package clamps
    v − ḡ² at 0 and moves by lr·g/eps."""
    claim.unused("2013", why="the year of Graves' paper")
    torch = require("torch")
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([p], lr=0.01, alpha=0.99, centered=True)
    p.grad = torch.ones(1, dtype=torch.float64)
    opt.step()  # creates the state
    with torch.no_grad():
        p.zero_()
        opt.state[p]["square_avg"].fill_(1.0)
        opt.state[p]["grad_avg"].fill_(1.0 + 1e-15)
    opt.step()
    assert torch.isnan(p).all()
    moved, ours = _clamp_state()
    s = ours.state[0]
    assert s["square_avg"][0] - s["grad_avg"][0] ** 2 < 0  # rounding made it negative
    eps = ours.hyperparams["eps"]
    claim.num(r"clamps it at (0)").check((0.01 * 1.0 / moved - eps) ** 2)  # moved = lr·g/(√clamped + ε)
    theta = np.zeros(3)
    opt = RMSprop(theta, lr=1e-3, alpha=0.99, centered=True)
    spread = []
    for g in np.random.default_rng(0).normal(size=(200, 3)):
        opt.step(g)
        spread.append(opt.state[0]["square_avg"] - opt.state[0]["grad_avg"] ** 2)
    assert np.min(spread) >= claim.num(r"\\ge (0)\$").value  # without rounding trouble it holds


def test_claim_rmsprop_centered_constant_gradient_growth(claim):
    """Centered RMSprop (α 0.99, lr 0.01) on g = 1: the package's v − ḡ² against the printed formula for t ≤ 1000;
    between steps 1000 and 1500 the ratio of consecutive steps against 1/√α."""
    one_a, one_b = claim.num(r"\((1)-\\alpha").value, claim.num(r"\$(1)/\\sqrt").value
    alpha = 0.99
    theta = np.zeros(1)
    opt = RMSprop(theta, lr=0.01, alpha=alpha, centered=True)
    moved, spread = [], []
    for _ in range(1500):
        before = theta[0]
        opt.step(np.array([1.0]))
        moved.append(before - theta[0])
        s = opt.state[0]
        spread.append(s["square_avg"][0] - s["grad_avg"][0] ** 2)
    t = np.arange(1, 1001)
    np.testing.assert_allclose(spread[:1000], alpha**t * (one_a - alpha**t), rtol=1e-6, atol=0)
    np.testing.assert_allclose(np.array(spread[500:1000]) / spread[499:999], alpha, rtol=1e-3)  # shrinks by α
    ratios = np.array(moved[1000:]) / np.array(moved[999:-1])
    np.testing.assert_allclose(ratios, one_b / np.sqrt(alpha), rtol=1e-3)


def test_claim_rmsprop_centered_eps_inside_caps_step(claim):
    """The same clamped state with eps_in_sqrt=True (Keras/optax placement): the step is lr·g/√eps."""
    eps = claim.num("\\epsilon = 10^{-8}").value
    assert eps == inspect.signature(RMSprop).parameters["eps"].default
    moved, _ = _clamp_state(eps_in_sqrt=True)
    claim.num("10^2").check(moved)
    outside, _ = _clamp_state(eps_in_sqrt=False)
    assert outside == pytest.approx(0.01 / eps, rel=1e-9)  # outside the root: lr·g/eps, 10⁴ times more


@pytest.fixture(scope="module")
def option_runs():
    """The page's options run (lr 0.01, α 0.99, 100 steps on the article's example): name -> path."""
    options = {
        "plain": {},
        "momentum": {"momentum": 0.9},
        "centered": {"centered": True},
    }
    return {name: run(RMSprop, quadratic.grad, quadratic.start, 100, lr=0.01, **kw) for name, kw in options.items()}


def _steps(path):
    return np.abs(np.diff(path, axis=0))


def test_claim_rmsprop_options_plain_is_slow(claim, option_runs):
    """Plain RMSprop's median step per coordinate in units of η; f after the printed number of steps is above a third
    of its start value."""
    path = option_runs["plain"]
    claim.num("100 steps").check(len(path) - 1)
    for median in np.median(_steps(path), axis=0) / 0.01:
        claim.num("1.4").check(median)
    assert quadratic.f(path[-1]) > quadratic.f(quadratic.start) / 3


def test_claim_rmsprop_options_momentum_steps_longer(claim, option_runs):
    """Mean step length over the first steps with momentum 0.9 over the plain run's; every coordinate's gradient keeps
    its sign over those steps of the momentum run."""
    n = int(claim.num("first 20").value)
    ratio = _steps(option_runs["momentum"])[:n].mean() / _steps(option_runs["plain"])[:n].mean()
    claim.num("than 5").above(ratio)
    signs = np.sign(quadratic.grad(option_runs["momentum"][:n].T).T)
    assert np.all(signs == signs[0])


def test_claim_rmsprop_options_centered_steps_longer(claim, option_runs):
    """Centered run: at every step √(v − ḡ²) < √v (from the state), the median step in units of η, f below plain's."""
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=0.01, centered=True)
    for _ in range(100):
        opt.step(quadratic.grad(theta))
        s = opt.state[0]
        assert np.all(np.sqrt(s["square_avg"] - s["grad_avg"] ** 2) < np.sqrt(s["square_avg"]))
    np.testing.assert_array_equal(theta, option_runs["centered"][-1])
    for median in np.median(_steps(option_runs["centered"]), axis=0) / 0.01:
        claim.num("1.8").check(median)
    assert quadratic.f(option_runs["centered"][-1]) < quadratic.f(option_runs["plain"][-1])


def test_claim_rmsprop_momentum_lr_placement(claim):
    """Both conventions on the package's normalized gradients: PyTorch's (the package's RMSprop with momentum, lr read
    at each step from hyperparams) and TensorFlow/Keras' (b ← μb + η·u with u = g/(√v + ε) from a momentum-free
    package RMSprop at lr 1), on 40 random gradients: identical paths (1e-12) at a constant lr; with the lr halved
    after 20 steps, the paths differ by more than 1e-3 at every later step."""
    assert claim.numbers == []
    grads = np.random.default_rng(1).normal(size=(40, 3))

    def paths(lrs, mu=0.9):
        outside = np.zeros(3)
        torch_style = RMSprop(outside, lr=lrs[0], alpha=0.9, momentum=mu)
        u_theta = np.zeros(3)
        normalizer = RMSprop(u_theta, lr=1.0, alpha=0.9)  # its step is −u
        inside, b = np.zeros(3), np.zeros(3)
        out_path, in_path = [], []
        for lr, g in zip(lrs, grads):
            torch_style.hyperparams["lr"] = lr
            torch_style.step(g)
            before = u_theta.copy()
            normalizer.step(g)
            b = mu * b + lr * (before - u_theta)
            inside = inside - b
            out_path.append(outside.copy())
            in_path.append(inside.copy())
        return np.array(out_path), np.array(in_path)

    outside, inside = paths(np.full(40, 0.01))
    np.testing.assert_allclose(outside, inside, rtol=0, atol=1e-12)
    outside, inside = paths(np.where(np.arange(40) < 20, 0.01, 0.005))
    assert np.all(np.max(np.abs(outside[20:] - inside[20:]), axis=1) > 1e-3)


def test_claim_rmsprop_options_weight_decay_cancels(claim):
    """The page's run (lr 0.01, α 0.99, 100 steps on the article's example) with the printed weight decays: the final f
    against the printed value and plain RMSprop's (1e-7 relative; ε keeps it from exact). The mechanism: the gradient
    plus λθ is (h + λ)θ per coordinate (h from the gradient), and RMSprop fed the plain gradient scaled per coordinate
    by (h + λ)/h follows the weight-decay path to 1e-9. The contrast: the package's SGD with the same weight decay is
    pulled to the origin: f below 1e-3 of plain SGD's."""
    plain = run(RMSprop, quadratic.grad, quadratic.start, 100, lr=0.01)
    f_plain = quadratic.f(plain[-1])
    h = np.diag(np.column_stack([quadratic.grad(e) for e in np.eye(2)]))
    small, large = claim.num("10^{-4}").value, claim.num("λ = 10").value
    for lam in (small, large):
        theta = np.array([0.3, -0.7])
        np.testing.assert_allclose(quadratic.grad(theta) + lam * theta, (h + lam) * theta, rtol=1e-15)
        decayed = run(RMSprop, quadratic.grad, quadratic.start, 100, lr=0.01, weight_decay=lam)
        claim.num("10.6").check(quadratic.f(decayed[-1]))
        assert abs(quadratic.f(decayed[-1]) / f_plain - 1) < 1e-7
        scale = (h + lam) / h
        rescaled = run(RMSprop, lambda th, s=scale: s * quadratic.grad(th), quadratic.start, 100, lr=0.01)
        np.testing.assert_allclose(rescaled, decayed, rtol=1e-9, atol=0)
    sgd_plain = run(SGD, quadratic.grad, quadratic.start, 100, lr=0.01)
    sgd_decayed = run(SGD, quadratic.grad, quadratic.start, 100, lr=0.01, weight_decay=large)
    assert quadratic.f(sgd_decayed[-1]) < 1e-3 * quadratic.f(sgd_plain[-1])
