"""Claims on docs/pitfalls.md, measured with the package or the framework they name (tests/test_claim_tags.py)."""

import os

import numpy as np

from conftest import require
from rmsprop_ref import SGD, Adagrad, RMSprop, quadratic, run
from rmsprop_ref.compare import PROTOCOL, settle_step, tune


def _articles_gradient(x):
    return np.array([2 * x[0], 0.2 * x[1]])


def test_claim_pitfalls_wrong_gradient_figure():
    """ "θ₂ against the iteration for Adagrad (left) and RMSprop (right), with the true gradient and with the article's
    gradient 0.2·θ₂: in both panels the two curves lie on top of each other."

    The figure's runs (article_paths with either gradient): θ₂ differs by less than 1e-6 of its range (4.5).
    """
    from rmsprop_ref.figures import article_paths

    true, wrong = article_paths(), article_paths(grad=_articles_gradient)
    for name in ("Adagrad", "RMSprop"):
        assert np.abs(true[name][:, 1] - wrong[name][:, 1]).max() < 1e-6 * 4.5


def test_claim_pitfalls_sgd_slower_along_theta2():
    """ "How much slower depends on
    $\\eta$: bringing $\\theta_2$ from 4.5 within 0.01 takes 5.0 times as many steps at
    $\\eta = 0.01$ and 5.2 times at $\\eta = 0.1$, but 28 steps instead of 1 at $\\eta = 1$."

    SGD from the article's start with the true gradient and with the article's: the factor θ₂ shrinks by in one step
    (1 − η against 1 − 0.2η), and the steps until |θ₂| < 0.01, at η = 0.01, 0.1 and 1.
    """
    for lr, ratio in ((0.01, "5.0"), (0.1, "5.2"), (1.0, None)):
        steps = []
        for grad, factor in ((quadratic.grad, 1 - lr), (_articles_gradient, 1 - 0.2 * lr)):
            path = run(SGD, grad, quadratic.start, 5000, lr=lr)
            assert abs(path[1, 1] / path[0, 1] - factor) < 1e-12
            steps.append(int(np.argmax(np.abs(path[:, 1]) < 0.01)))
        if ratio is None:
            assert steps == [1, 28]
        else:
            assert f"{steps[1] / steps[0]:.1f}" == ratio, (lr, steps)


def test_claim_pitfalls_float32_square_overflow():
    """ "In float32 the largest number is about $3.4 \\times 10^{38}$, so a gradient above $1.84 \\times 10^{19}$
    squares to infinity."

    numpy's float32 limits: max ≈ 3.4e38, √max ≈ 1.8447e19; 1.84e19² is finite, 1.85e19² is inf.
    """
    big = np.finfo(np.float32).max
    assert abs(big / 3.4e38 - 1) < 0.01
    with np.errstate(over="ignore"):
        assert np.isfinite(np.float32(1.84e19) ** 2) and np.isinf(np.float32(1.85e19) ** 2)


def test_claim_pitfalls_float16_square_overflow():
    """ "In float16 the threshold is much lower: it overflows above 65504, so $g^2$ does from $|g| = 256$ on."

    numpy's float16: max 65504; 255² (and the largest float16 below 256) square to finite values, 256² to inf.
    """
    assert np.finfo(np.float16).max == 65504
    below = np.nextafter(np.float16(256), np.float16(0))
    with np.errstate(over="ignore"):
        assert np.isfinite(below * below) and np.isfinite(np.float16(255) ** 2)
        assert np.isinf(np.float16(256) * np.float16(256)) and np.isinf(np.float16(-300) ** 2)


def test_claim_pitfalls_amp_keeps_float32_state():
    """ "Mixed-precision training normally avoids this by keeping the parameters the optimizer updates, and so its
    state, in float32 (PyTorch's autocast computes in half precision but leaves the float32 weights alone); the NaN
    appears when the optimizer itself runs in float16."

    With torch: under autocast (CPU, bfloat16) a layer's output is half precision while its weights, their gradients
    and RMSprop's square_avg stay float32, and a zero gradient gives no NaN; torch's RMSprop on a float16 parameter
    with a zero gradient gives NaN.
    """
    torch = require("torch", "the claim is about PyTorch's autocast")
    model = torch.nn.Linear(3, 2)
    with torch.no_grad():
        model.weight[1].zero_()
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(torch.ones(4, 3))
    assert out.dtype == torch.bfloat16
    out.float()[:, 0].sum().backward()  # row 1 of the weight gets a zero gradient
    assert model.weight.grad[1].abs().max() == 0
    opt.step()
    assert model.weight.dtype == model.weight.grad.dtype == opt.state[model.weight]["square_avg"].dtype == torch.float32
    assert torch.isfinite(model.weight).all()
    half = torch.ones(2, dtype=torch.float16, requires_grad=True)
    half_opt = torch.optim.RMSprop([half], lr=0.01)
    half.grad = torch.tensor([0.0, 1.0], dtype=torch.float16)
    half_opt.step()
    assert torch.isnan(half[0]) and torch.isfinite(half[1])


def test_claim_pitfalls_float16_eps_keras():
    """ "There, use an $\\epsilon$ that float16 can hold, such as Keras' $10^{-7}$ inside the root, or keep the
    optimizer in float32."

    float16 holds 1e-7 (as about 1.2e-7, not 0); RMSprop in float16 with eps=1e-7 inside the root, and RMSprop in
    float32 with PyTorch's eps, both leave a zero-gradient coordinate finite and unmoved, and give the small gradient
    1e-3 (infinite at PyTorch's eps in float16) a finite step.
    """
    assert np.float16(1e-7) > 0
    for dtype, kw in ((np.float16, {"eps": 1e-7, "eps_in_sqrt": True}), (np.float32, {})):
        theta = np.ones(3, dtype=dtype)
        RMSprop(theta, lr=0.01, **kw).step(np.array([0.0, 1e-3, 1.0], dtype=dtype))
        assert np.isfinite(theta).all() and theta[0] == 1 and theta[1] < 1


def test_claim_pitfalls_float16_small_gradient_infinite():
    """ "A gradient that is small but not zero fares worse: at $\\alpha = 0.99$, $(1-\\alpha)\\,g^2$
    rounds to 0 in float16 for $|g|$ below about $1.7 \\times 10^{-3}$, so $v = 0$ and the
    step is $g/0$, infinite (the middle coordinate above, $g = 10^{-3}$)."

    Every float16 gradient from 1e-4 to 3e-3, one RMSprop step in float16 at PyTorch's defaults: the step is
    infinite exactly for the values whose (1 − α)·g², computed by hand in float16, is 0, and the largest such
    value is within 3 % of 1.7e-3 (the hand bound: (1 − α)·g² < half the smallest subnormal, 2.98e-8, gives
    |g| < 1.73e-3). At g = 1e-3 the step is −inf.
    """
    values = np.unique(np.linspace(1e-4, 3e-3, 3000).astype(np.float16))
    infinite = []
    for g in values:
        theta = np.ones(1, dtype=np.float16)
        with np.errstate(all="ignore"):
            RMSprop(theta, lr=0.01).step(np.array([g], dtype=np.float16))
            underflows = np.float16(0.01) * (g * g) == 0
        assert np.isinf(theta[0]) == underflows, g
        if underflows:
            infinite.append(float(g))
    assert abs(max(infinite) - 1.7e-3) < 0.03 * 1.7e-3
    assert abs(np.sqrt(float(np.finfo(np.float16).smallest_subnormal) / 2 / 0.01) - 1.73e-3) < 1e-5
    theta = np.ones(1, dtype=np.float16)
    with np.errstate(all="ignore"):
        RMSprop(theta, lr=0.01).step(np.array([1e-3], dtype=np.float16))
    assert theta[0] == -np.inf


def test_claim_pitfalls_default_learning_rates():
    """ "Lower the learning rate (PyTorch's RMSprop default is 0.01, Keras' 0.001), warm it up, or use an optimizer
    with bias correction (Adam)."

    The defaults read from torch.optim.RMSprop and keras.optimizers.RMSprop; and Adam's first step, with bias
    correction, is about η (not η/√(1−β₂) = 31.6η), measured with torch.optim.Adam.
    """
    import inspect

    torch = require("torch", "the claim quotes PyTorch's default")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = require("keras", "the claim quotes Keras' default")
    assert inspect.signature(torch.optim.RMSprop).parameters["lr"].default == 0.01
    assert abs(keras.optimizers.RMSprop().get_config()["learning_rate"] - 0.001) < 1e-9  # stored as float32
    p = torch.zeros(1, requires_grad=True)
    adam = torch.optim.Adam([p], lr=0.01)
    p.grad = torch.tensor([3.0])
    adam.step()
    assert abs(abs(p.item()) - 0.01) < 1e-6


def test_claim_pitfalls_rate_passes_2_over_h():
    """ "From then on each step multiplies that coordinate's error by $|1 - \\eta h/(\\sqrt{v_t} + \\epsilon)| > 1$,
    and the error grows until the gradients it causes refill $v_t$ and the rate falls back:"

    On the article's run (h = 2 for θ₁): while the gradients are tiny the rate grows by 1/√α per step; each step's
    θ₁ is the previous one times (1 − 2r) exactly (to 1e-9); from the step the rate passes 1 to the peak, |θ₁| grows
    at every step; after the peak the rate falls below 1.
    """
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=1.0, alpha=0.9)
    th1, rate = [theta[0]], []
    for _ in range(60):
        opt.step(quadratic.grad(theta))
        th1.append(theta[0])
        rate.append(opt.effective_lr()[0][0])
    th1, rate = np.array(th1), np.array(rate)  # rate[k] is step k + 1's
    np.testing.assert_allclose(rate[15:40] / rate[14:39], 1 / np.sqrt(0.9), rtol=1e-3)
    np.testing.assert_allclose(th1[1:], (1 - 2 * rate) * th1[:-1], rtol=1e-9, atol=1e-300)
    cross, peak = int(np.argmax(rate > 1)), int(np.argmax(rate))
    assert (np.abs(th1[cross + 2 : peak + 2]) > np.abs(th1[cross + 1 : peak + 1])).all()
    assert rate[peak + 2] < 1


def test_claim_pitfalls_two_cycle():
    """ "There $g = \\pm h\\eta/2$, $v \\to (h\\eta/2)^2$, the rate is exactly $2/h$ and each step is
    $\\eta\\,g/\\sqrt{v} = \\pm\\eta$: sign descent, which stays $\\eta/2$ from the minimum per coordinate,
    $\\eta\\sqrt{2}/2 = 0.71$ here:"

    After 2000 steps of the article's run: v = (hη/2)² = (1, 0.25), the rates 2/h = (1, 2), each step ±η, the
    distance η√2/2, all to 1e-6.
    """
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=1.0, alpha=0.9)
    for _ in range(2000):
        opt.step(quadratic.grad(theta))
    np.testing.assert_allclose(opt.state[0]["square_avg"], [1.0, 0.25], atol=1e-6)
    np.testing.assert_allclose(opt.effective_lr()[0], [1.0, 2.0], atol=1e-6)
    before = theta.copy()
    opt.step(quadratic.grad(theta))
    np.testing.assert_allclose(np.abs(theta - before), 1.0, atol=1e-6)
    assert abs(np.linalg.norm(theta) - np.sqrt(2) / 2) < 1e-6


def test_claim_pitfalls_decay_settles():
    """ "[Adagrad vs RMSprop](comparison.md#what-makes-it-settle) shows $\\eta_t = \\eta/t$ settling within $10^{-2}$
    from step 156 on."

    RMSprop with lr_schedule η/t for 2000 steps: settle_step at 1e-2.
    """
    path = run(RMSprop, quadratic.grad, quadratic.start, 2000, lr=1.0, alpha=0.9, lr_schedule=lambda t: 1.0 / t)
    assert settle_step(np.linalg.norm(path, axis=1), 1e-2) == 156


def test_claim_pitfalls_adagrad_settles():
    """ "Adagrad's rate decays by itself: on this problem it is within $10^{-5}$ of the minimum by step 100, and in the
    [study](comparison.md#results) it settles first on five of six problems, the sparse one included."

    Adagrad at the article's settings after 100 steps; then the study's settle steps (never = last).
    """
    path = run(Adagrad, quadratic.grad, quadratic.start, 100, lr=1.0)
    assert np.linalg.norm(path[-1]) < 1e-5
    firsts = []
    for problem in PROTOCOL["problems"]:
        settle = {m: tune(m, problem).settle for m in PROTOCOL["methods"]}
        if settle["Adagrad"] is not None and all(
            s is None or s > settle["Adagrad"] for m, s in settle.items() if m != "Adagrad"
        ):
            firsts.append(problem)
    assert len(firsts) == 5 and "sparse_least_squares" in firsts


def test_claim_pitfalls_eps_placement_agrees_for_large_v():
    """ "The two agree when $v \\gg \\epsilon$, and disagree when the gradients are small, which is exactly when
    $\\epsilon$ matters."

    One RMSprop step from zero state with ε = 1e-7 inside and outside the root: for a gradient of 1 (v = 0.1) the
    steps agree to 1e-5 relative; for a gradient of 1e-6 (v = 1e-13) they differ by more than a factor of 100.
    """

    def step(g, inside):
        theta = np.zeros(1)
        RMSprop(theta, lr=0.01, alpha=0.9, eps=1e-7, eps_in_sqrt=inside).step(np.array([g]))
        return -theta[0]

    assert abs(step(1.0, True) / step(1.0, False) - 1) < 1e-5
    assert step(1e-6, False) / step(1e-6, True) > 100
