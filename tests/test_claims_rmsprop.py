"""Claims on the RMSprop page (docs/rmsprop.md), each measured with the package or a framework."""

from __future__ import annotations

import numpy as np

from conftest import require
from rmsprop_ref import SGD, Adagrad, RMSprop, d2l_quadratic, quadratic, run


def test_claim_rmsprop_d2l_figure():
    """ "RMSprop is within 0.1 of the minimum at the origin after 15 steps, while Adagrad's
    steps shrink and it is still near (-1.9, -0.05) after 30."

    The figure's settings (d2l's quadratic from (-5, -2), lr 0.4, α 0.9): RMSprop's distance
    at step 15 is below 0.1; Adagrad's step lengths decrease at every step and its iterate
    at step 30 rounds to (-1.9, -0.05).
    """
    rms = run(RMSprop, d2l_quadratic.grad, d2l_quadratic.start, 30, lr=0.4, alpha=0.9)
    ada = run(Adagrad, d2l_quadratic.grad, d2l_quadratic.start, 30, lr=0.4)
    assert np.linalg.norm(rms[15]) < 0.1
    assert np.all(np.diff(np.linalg.norm(np.diff(ada, axis=0), axis=1)) < 0)
    assert round(ada[30, 0], 1) == -1.9 and round(ada[30, 1], 2) == -0.05


def test_claim_rmsprop_d2l_leaves_after_window():
    """ "The figure stops at step 30, where RMSprop is $5 \\times 10^{-6}$ from the minimum. Run on
    with the same settings, it does not stay there: it is 0.01 away at step 60 and 0.25 at
    step 100, and it ends 0.28 away, each coordinate jumping between $+\\eta/2$ and
    $-\\eta/2$, while Adagrad keeps closing in, to 0.05 at step 200."

    The figure's settings (d2l's quadratic, lr 0.4, α 0.9) run for 2000 steps.
    """
    rms = run(RMSprop, d2l_quadratic.grad, d2l_quadratic.start, 2000, lr=0.4, alpha=0.9)
    d = np.linalg.norm(rms, axis=1)
    assert f"{d[30]:.0e}" == "5e-06" and f"{d[60]:.2f}" == "0.01" and f"{d[100]:.2f}" == "0.25"
    assert f"{d[-1]:.2f}" == "0.28" and np.abs(np.abs(rms[-100:]) - 0.2).max() < 1e-3
    assert (np.sign(rms[-99:]) == -np.sign(rms[-100:-1])).all()
    ada = np.linalg.norm(run(Adagrad, d2l_quadratic.grad, d2l_quadratic.start, 200, lr=0.4), axis=1)
    assert (np.diff(ada) < 0).all() and f"{ada[200]:.2f}" == "0.05"


def test_claim_rmsprop_without_root_steps_shrink():
    """ "Without the root, $g_i/v_i$ has the units of $1/g_i$: a coordinate whose gradients are
    1000 times larger would take steps 1000 times *smaller*."

    A hand-written variant dividing by v instead of √v (α 0.9, no ε), fed a fixed gradient
    sequence and the same sequence times 1000: every step of the second is 1000 times
    smaller. The real update (with the root) takes identical steps on both.
    """
    rng = np.random.default_rng(0)
    grads = rng.normal(size=20)

    def steps(scale, root):
        v, out = 0.0, []
        for g in scale * grads:
            v = 0.9 * v + 0.1 * g * g
            out.append(g / (np.sqrt(v) if root else v))
        return np.array(out)

    np.testing.assert_allclose(steps(1000.0, root=False) * 1000, steps(1.0, root=False), rtol=1e-12)
    np.testing.assert_allclose(steps(1000.0, root=True), steps(1.0, root=True), rtol=1e-12)


def test_claim_rmsprop_effective_lr_figure():
    """ "Adagrad's falls and flattens near 0.062; RMSprop's rises at every step, from 0.35 to
    1.54, as its average v forgets the large first gradients."

    Read from the figure (rmsprop_ref.figures.effective_lr): Adagrad's curve never rises,
    ends at 0.062 and changes by less than 0.5 % over its last 10 steps; RMSprop's rises at
    every step from 0.35 to 1.54. The cause (the package's run): v of θ₁ falls at every
    step, and from step 11 on by the factor α = 0.9 per step (1e-6 relative): the squared
    gradients it takes in are negligible, it only forgets.
    """
    require("matplotlib")
    from rmsprop_ref import figures

    lines = [line for line in figures.effective_lr().axes[0].get_lines() if len(line.get_ydata()) == 30]
    ada, rms = (np.asarray(line.get_ydata()) for line in lines[:2])
    assert np.all(np.diff(ada) <= 0) and f"{ada[-1]:.3f}" == "0.062" and abs(ada[-1] / ada[-11] - 1) < 0.005
    assert np.all(np.diff(rms) > 0) and f"{rms[0]:.2f}" == "0.35" and f"{rms[-1]:.2f}" == "1.54"
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=1.0, alpha=0.9)
    v = []
    for _ in range(30):
        opt.step(quadratic.grad(theta))
        v.append(opt.state[0]["square_avg"][0])
    v = np.array(v)
    assert np.all(np.diff(v) < 0)
    np.testing.assert_allclose(v[11:] / v[10:-1], 0.9, rtol=1e-6)


def test_claim_rmsprop_does_not_settle():
    """ "learning rate does not settle at the minimum: on this example it is within $10^{-12}$ of
    it at step 21, 1.8 away at step 50, and from step 200 on about 0.707 away, each coordinate
    jumping between $+\\eta/2$ and $-\\eta/2$."

    The article's settings (lr 1, α 0.9) for 1000 steps: distance below 1e-12 at step 21,
    1.8 (rounded) at step 50, within 1e-3 of √2/2 = 0.707 at every step from 200 to 1000, every
    coordinate within 1e-3 of ±0.5 and changing sign at every step from 200 on.
    """
    path = run(RMSprop, quadratic.grad, quadratic.start, 1000, lr=1.0, alpha=0.9)
    d = np.linalg.norm(path, axis=1)
    assert d[21] < 1e-12 and f"{d[50]:.1f}" == "1.8"
    assert np.all(np.abs(d[200:] - np.sqrt(0.5)) < 1e-3)
    assert np.max(np.abs(np.abs(path[200:]) - 0.5)) < 1e-3
    assert np.all(np.sign(path[201:]) == -np.sign(path[200:-1]))


def test_claim_rmsprop_large_eps_is_sgd():
    """ "Larger values (Inception v3 used 1.0) make RMSprop behave more like SGD with learning
    rate $\\eta/\\epsilon$ on small gradients."

    With ε = 1 and gradients of size about 1e-3 (50 random steps), RMSprop's path stays within
    0.5 % (in norm) of SGD's with lr η/ε = η; with ε = 1e-8 it is over 100x farther out.
    """
    rng = np.random.default_rng(0)
    grads = 1e-3 * rng.normal(size=(50, 4))

    def path(opt_class, **kw):
        theta = np.zeros(4)
        opt = opt_class(theta, **kw)
        for g in grads:
            opt.step(g)
        return theta.copy()

    sgd = path(SGD, lr=0.1)
    assert np.linalg.norm(path(RMSprop, lr=0.1, alpha=0.9, eps=1.0) - sgd) < 5e-3 * np.linalg.norm(sgd)
    assert np.linalg.norm(path(RMSprop, lr=0.1, alpha=0.9, eps=1e-8)) > 100 * np.linalg.norm(sgd)


def _clamp_state(eps_in_sqrt=False):
    theta = np.zeros(1)
    opt = RMSprop(theta, lr=0.01, alpha=0.99, centered=True, eps_in_sqrt=eps_in_sqrt)
    state = {"square_avg": np.array([1.0]), "grad_avg": np.array([1.0 + 1e-15])}
    opt.load_state_dict({"step": 5000, "hyperparams": opt.hyperparams, "state": [state]})
    opt.step(np.array([1.0]))
    return -theta[0]


def test_claim_rmsprop_centered_clamp_vs_torch_nan():
    """ "negative number; the package clamps it at 0 where PyTorch would produce NaN."

    The page's state (v = 1, ḡ = 1 + 1e-15, then g = 1, α 0.99, lr 0.01, float64): after the
    update ḡ² exceeds v by rounding. torch.optim.RMSprop(centered=True) from the same state
    gives a NaN parameter; the package moves by lr·g/eps = 1e6.
    """
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
    assert np.isclose(_clamp_state(), 0.01 / 1e-8, rtol=1e-12)


def test_claim_rmsprop_centered_constant_gradient_growth():
    """ "With a constant gradient $v_t - \\bar g_t^2 = \\alpha^t (1-\\alpha^t)$, which shrinks by the
    factor $\\alpha$ per step, so the step grows by $1/\\sqrt{\\alpha}$ per step."

    Centered RMSprop (α 0.99, lr 0.01) on g = 1: the package's v − ḡ² matches α^t(1 − α^t)
    (rtol 1e-6) for t ≤ 1000; between steps 1000 and 1500 the ratio of consecutive steps is
    1/√0.99 within 1e-3.
    """
    alpha = 0.99
    theta = np.zeros(1)
    opt = RMSprop(theta, lr=0.01, alpha=alpha, centered=True)
    moved = []
    for t in range(1, 1501):
        before = theta[0]
        opt.step(np.array([1.0]))
        moved.append(before - theta[0])
        if t <= 1000:
            s = opt.state[0]
            spread = s["square_avg"][0] - s["grad_avg"][0] ** 2
            assert np.isclose(spread, alpha**t * (1 - alpha**t), rtol=1e-6, atol=0), t
    ratios = np.array(moved[1000:]) / np.array(moved[999:-1])
    np.testing.assert_allclose(ratios, 1 / np.sqrt(alpha), rtol=1e-3)


def test_claim_rmsprop_centered_eps_inside_caps_step():
    """ "which caps the step at $\\eta\\, g/\\sqrt{\\epsilon}$ instead ($10^2$ with $\\epsilon = 10^{-8}$)."

    The same clamped state with eps_in_sqrt=True (Keras/optax placement): the step is
    lr·g/√eps = 0.01/1e-4 = 100, against 1e6 with PyTorch's placement.
    """
    assert np.isclose(_clamp_state(eps_in_sqrt=True), 100.0, rtol=1e-9)
    assert np.isclose(_clamp_state(eps_in_sqrt=False), 1e6, rtol=1e-9)


def _option_steps(**extra):
    path = run(RMSprop, quadratic.grad, quadratic.start, 100, lr=0.01, **extra)
    return np.abs(np.diff(path, axis=0)), path


def test_claim_rmsprop_options_plain_is_slow():
    """ "At this small learning rate plain RMSprop moves each coordinate by a median $1.4\\eta$
    per step, so after 100 steps it is still far from the minimum."

    Plain RMSprop (lr 0.01, α 0.99), 100 steps on the article's example: the median step of
    each coordinate is 0.014 (1.4η, rounded), and f after 100 steps is above a third of its
    start value 30.4.
    """
    steps, path = _option_steps()
    assert np.all(np.round(np.median(steps, axis=0) / 0.01, 1) == 1.4)
    assert quadratic.f(path[-1]) > quadratic.f(quadratic.start) / 3


def test_claim_rmsprop_options_momentum_steps_longer():
    """ "Momentum is what changes the result: the buffer adds up the normalized gradients while
    they keep their sign, so over the first 20 steps its steps are on average more than 5
    times longer than plain RMSprop's."

    Mean step length over steps 1-20 with momentum 0.9 divided by the plain run's is above 5;
    the gradient of each coordinate keeps its sign over those 20 steps of the momentum run.
    """
    plain, _ = _option_steps()
    mom, path = _option_steps(momentum=0.9)
    assert mom[:20].mean() > 5 * plain[:20].mean()
    signs = np.sign(path[:20])
    assert np.all(signs == signs[0])


def test_claim_rmsprop_options_centered_steps_longer():
    """ "Centering helps a little: it divides by the spread $\\sqrt{v_t - \\bar g_t^2}$, which is
    smaller than $\\sqrt{v_t}$, so its median step is $1.8\\eta$."

    Centered run (lr 0.01, α 0.99, 100 steps): at every step √(v − ḡ²) < √v (from the state),
    the median step rounds to 1.8η, and f ends below the plain run's.
    """
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=0.01, centered=True)
    for _ in range(100):
        opt.step(quadratic.grad(theta))
        s = opt.state[0]
        assert np.all(np.sqrt(s["square_avg"] - s["grad_avg"] ** 2) < np.sqrt(s["square_avg"]))
    steps, path = _option_steps(centered=True)
    assert np.all(np.round(np.median(steps, axis=0) / 0.01, 1) == 1.8)
    _, plain = _option_steps()
    assert quadratic.f(path[-1]) < quadratic.f(plain[-1])


def test_claim_rmsprop_momentum_lr_placement():
    """ "With a constant learning rate the two give the same path; they
    differ when the learning rate changes during training (pytorch/pytorch#32545)."

    The two conventions written out by hand (tests/test_claims_frameworks.py::_paths) on the
    same 40 random gradients: identical paths (1e-12) at a constant lr 0.01; with the lr
    halved after 20 steps, the paths differ by more than 1e-3 at every later step.
    """
    from test_claims_frameworks import _paths

    grads = np.random.default_rng(1).normal(size=(40, 3))
    outside, inside = _paths(np.full(40, 0.01), grads)
    np.testing.assert_allclose(outside, inside, rtol=0, atol=1e-12)
    outside, inside = _paths(np.where(np.arange(40) < 20, 0.01, 0.005), grads)
    assert np.all(np.max(np.abs(outside[20:] - inside[20:]), axis=1) > 1e-3)


def test_claim_rmsprop_options_weight_decay_cancels():
    """ "A weight decay of $10^{-4}$ changes nothing visible, and not because it is small: here
    each coordinate's gradient is $h\\,\\theta_i$, so adding $\\lambda\\theta_i$ only rescales it to
    $(h+\\lambda)\\,\\theta_i$, and the division by $\\sqrt{v}$ cancels a rescaling. Even
    $\\lambda = 10$ ends at the same $f = 10.6$, where SGD would be pulled to the origin faster."

    The page's run (lr 0.01, α 0.99, 100 steps on the article's example): with weight decay
    1e-4, 1 and 10 the final f rounds to 10.6 and equals plain RMSprop's to 1e-7 relative (ε
    is what keeps it from exact). The mechanism: the gradient plus λθ is (h + λ)θ per
    coordinate (h = 2, 1 by hand), and RMSprop fed the plain gradient scaled per coordinate
    by (h + λ)/h follows the weight-decay path to 1e-9. The contrast: gradient descent at the
    same lr with λθ added by hand (L2 penalty λ = 10) ends with f below 1e-3 of plain gradient
    descent's.
    """
    plain = run(RMSprop, quadratic.grad, quadratic.start, 100, lr=0.01)
    f_plain = quadratic.f(plain[-1])
    h = np.array([2.0, 1.0])  # f = θ₁² + 0.5·θ₂²
    theta = np.array([0.3, -0.7])
    for lam in (1e-4, 1.0, 10.0):
        np.testing.assert_allclose(quadratic.grad(theta) + lam * theta, (h + lam) * theta, rtol=1e-15)
        decayed = run(RMSprop, quadratic.grad, quadratic.start, 100, lr=0.01, weight_decay=lam)
        assert f"{quadratic.f(decayed[-1]):.3g}" == "10.6"
        assert abs(quadratic.f(decayed[-1]) / f_plain - 1) < 1e-7
        scale = (h + lam) / h
        rescaled = run(RMSprop, lambda th, s=scale: s * quadratic.grad(th), quadratic.start, 100, lr=0.01)
        np.testing.assert_allclose(rescaled, decayed, rtol=1e-9, atol=0)

    def sgd_final(lam):
        theta = quadratic.start.copy()
        for _ in range(100):
            theta -= 0.01 * (quadratic.grad(theta) + lam * theta)
        return quadratic.f(theta)

    assert sgd_final(10.0) < 1e-3 * sgd_final(0.0)


def test_claim_rmsprop_d2l_shared_rate_handicaps_adagrad():
    """ "The shared $\\eta = 0.4$ is d2l's choice for RMSprop and handicaps Adagrad, whose first
    step is $\\eta$ where RMSprop's is $\\eta/\\sqrt{1-\\alpha} \\approx 3.2\\,\\eta$. With
    $\\eta = 2$, the rate d2l itself moves Adagrad to, Adagrad is within 0.015 of the minimum
    after 15 steps, closer than RMSprop above."

    On d2l's quadratic from (-5, -2): the first step of each coordinate is 0.4 for Adagrad
    and 0.4/√0.1 = 1.26 (3.16 η) for RMSprop at η 0.4, α 0.9; Adagrad at η = 2 is below
    0.015 from the origin at step 15, and RMSprop at η = 0.4 (the figure's run) is farther
    at step 15 (0.094).
    """
    ada = run(Adagrad, d2l_quadratic.grad, d2l_quadratic.start, 15, lr=0.4)
    rms = run(RMSprop, d2l_quadratic.grad, d2l_quadratic.start, 15, lr=0.4, alpha=0.9)
    np.testing.assert_allclose(np.abs(ada[1] - ada[0]), 0.4, rtol=1e-8)
    np.testing.assert_allclose(np.abs(rms[1] - rms[0]), 0.4 / np.sqrt(0.1), rtol=1e-7)
    assert f"{1 / np.sqrt(0.1):.1f}" == "3.2"
    ada2 = run(Adagrad, d2l_quadratic.grad, d2l_quadratic.start, 15, lr=2.0)
    assert np.linalg.norm(ada2[15]) < 0.015 < np.linalg.norm(rms[15])


def test_claim_rmsprop_tf1_start_at_one():
    """ "TensorFlow 1 avoided the blow-up another way, by starting $v$ at 1 (optax's
    `initial_scale`, see [Framework conventions](frameworks.md#rmsprop)): then
    $v_1 = \\alpha + (1-\\alpha)\\, g_1^2$, the first step is $\\eta$ for $|g_1| = 1$, but it is no
    longer scale-free, about $0.01\\,\\eta$ for $g_1 = 0.01$ at $\\alpha = 0.99$."

    The package started from v = 1 (its state loaded with square_avg = 1 at step 0), α 0.99,
    lr 0.01: v₁ equals α + (1 − α)g₁² computed by hand; gradients ±1 move by lr (rel. 1e-7);
    a gradient of 0.01 moves by 0.01/√(0.99 + 0.01·1e-4) · lr, which rounds to 0.01 lr, while
    from the zero start the same gradient moves by 10 lr.
    """
    alpha, lr = 0.99, 0.01

    def first_step(g, v0):
        theta = np.zeros(len(g))
        opt = RMSprop(theta, lr=lr, alpha=alpha)
        if v0 is not None:
            state = [{"square_avg": np.full(len(g), v0)}]
            opt.load_state_dict({"step": 0, "hyperparams": opt.hyperparams, "state": state})
        opt.step(np.array(g))
        return -theta, opt.state[0]["square_avg"]

    moved, v1 = first_step([1.0, -1.0, 0.01], 1.0)
    np.testing.assert_allclose(v1, alpha + (1 - alpha) * np.array([1.0, 1.0, 1e-4]), rtol=1e-15)
    np.testing.assert_allclose(np.abs(moved[:2]), lr, rtol=1e-7)
    np.testing.assert_allclose(moved[2], lr * 0.01 / np.sqrt(alpha + (1 - alpha) * 1e-4), rtol=1e-7)
    assert f"{moved[2] / lr:.2f}" == "0.01"
    zero_start, _ = first_step([0.01], None)
    np.testing.assert_allclose(zero_start, 10 * lr, rtol=1e-5)


def test_claim_rmsprop_first_step_is_the_longest_possible():
    """ "No later step of plain RMSprop
    is longer (momentum and centering change that): $v_t \\ge (1-\\alpha)\\, g_t^2$, so every step
    is at most $\\eta/\\sqrt{1-\\alpha}$."

    Plain RMSprop (lr 0.01) at α = 0.9 and 0.99 on 3000 steps of heavy-tailed random
    gradients (Cauchy, with sudden jumps after tiny ones): every step is at most
    lr/√(1 − α) (the first step's length, rel. 1e-12), v_t ≥ (1 − α)g_t² in the state, and
    the longest step after the first comes within 1 % of the bound (so it is a bound that is
    reached, not a loose one). The parenthesis: on a constant gradient 1 at α = 0.99, momentum
    0.9 and centering each take a step longer than the bound within 100 steps.
    """
    rng = np.random.default_rng(4)
    grads = rng.standard_cauchy(size=(3000, 3)) * np.where(rng.random((3000, 1)) < 0.5, 1e-6, 1.0)
    for alpha in (0.9, 0.99):
        bound = 0.01 / np.sqrt(1 - alpha)
        theta = np.zeros(3)
        opt = RMSprop(theta, lr=0.01, alpha=alpha)
        longest_later = 0.0
        for t, g in enumerate(grads):
            before = theta.copy()
            opt.step(g)
            step = np.abs(before - theta)
            assert np.all(step <= bound * (1 + 1e-12))
            assert np.all(opt.state[0]["square_avg"] >= (1 - alpha) * g**2)
            if t > 0:
                longest_later = max(longest_later, step.max())
        assert longest_later > 0.99 * bound
    for extra in ({"momentum": 0.9}, {"centered": True}):
        path = run(RMSprop, lambda th: np.ones(1), np.zeros(1), 100, lr=0.01, alpha=0.99, **extra)
        assert np.abs(np.diff(path[:, 0])).max() > 0.01 / np.sqrt(1 - 0.99)


def test_claim_rmsprop_eps_rounds_to_zero_in_float16():
    """ "In float16 the default $\\epsilon = 10^{-8}$ itself rounds to 0, below
    float16's smallest positive number."

    The package's default eps (read from RMSprop's signature) converted to float16 is 0, and
    float16's smallest subnormal (about 6e-8) is above it; float32 keeps it nonzero.
    """
    import inspect

    eps = inspect.signature(RMSprop).parameters["eps"].default
    assert eps == 1e-8
    assert np.float16(eps) == 0 and np.finfo(np.float16).smallest_subnormal > eps
    assert np.float32(eps) > 0
