"""Claims on docs/pitfalls.md: each test reads its tagged text (the `claim` fixture, tests/claims.py),
measures with the package (or the framework the text names), and checks the measurement against
the numbers the page prints."""

import inspect
import os

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import SGD, Adagrad, Adam, RMSprop, quadratic, run
from rmsprop_ref.compare import ARTICLE, PROTOCOL, settle_step, tune


def _articles_gradient(x, c=0.2):
    return np.array([2 * x[0], c * x[1]])


@pytest.fixture(scope="module")
def article_rmsprop():
    """The article's RMSprop run (η = 1, α = 0.9) for 2000 steps: path, θ₁'s rate per step, and the optimizer."""
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=ARTICLE["lr"], alpha=ARTICLE["alpha"])
    path, rates = [theta.copy()], []
    for _ in range(2000):
        opt.step(quadratic.grad(theta))
        path.append(theta.copy())
        rates.append(opt.effective_lr()[0].copy())
    return np.array(path), np.array(rates), opt  # rates[k] is step k + 1's


def _first_step(dtype, g, **kw):
    """One RMSprop step from the zero state in `dtype`: (θ after it, the optimizer)."""
    theta = np.ones(np.size(g), dtype=dtype)
    opt = RMSprop(theta, lr=0.01, **kw)
    with np.errstate(all="ignore"):
        opt.step(np.asarray(g, dtype=dtype).reshape(theta.shape))
    return theta, opt


def test_claim_pitfalls_wrong_gradient_figure(claim):
    """The drawn θ₂ curves (rmsprop_ref.figures.wrong_gradient): the dashed one is the run with the caption's gradient
    coefficient, and in each panel the two differ by less than 1e-6 of θ₂'s range."""
    require("matplotlib")
    from rmsprop_ref import figures

    coefficient = claim.num("0.2·θ₂").value
    fig = figures.FIGURES["wrong_gradient.svg"]()
    for ax, (name, cls, kw) in zip(fig.axes, (("Adagrad", Adagrad, {}), ("RMSprop", RMSprop, {"alpha": 0.9}))):
        assert ax.get_title().startswith(name)
        true, wrong = (np.asarray(line.get_ydata(), float) for line in ax.get_lines()[:2])
        path = run(cls, lambda x: _articles_gradient(x, coefficient), quadratic.start, len(wrong) - 1, lr=1.0, **kw)
        np.testing.assert_array_equal(wrong, path[:, 1])
        assert np.abs(true - wrong).max() < 1e-6 * np.ptp(true)


def test_claim_pitfalls_sgd_slower_along_theta2(claim):
    """SGD from the article's start with the true gradient and the article's: θ₂'s factor per step against the printed
    formulas, and the steps until |θ₂| is within the printed tolerance, at the printed learning rates."""
    one_a, coefficient, one_b = (claim.num(p).value for p in (r"(1) - 0\.2", r"(0\.2)\\,\\eta", r"(1) - \\eta\$"))
    start = claim.num("4.5")
    start.check(quadratic.start[1])
    tol = claim.num(r"within (0\.01)").value

    def steps(lr):
        out = []
        for grad, factor in ((quadratic.grad, one_b - lr), (_articles_gradient, one_a - coefficient * lr)):
            path = run(SGD, grad, quadratic.start, 5000, lr=lr)
            assert abs(path[1, 1] / path[0, 1] - factor) < 1e-12
            out.append(int(np.argmax(np.abs(path[:, 1]) < tol)))
        return out

    for ratio, lr in (("5.0", r"\\eta = (0\.01)"), ("5.2", r"\\eta = (0\.1)")):
        true, wrong = steps(claim.num(lr).value)
        claim.num(ratio).check(wrong / true)
    true, wrong = steps(claim.num(r"\\eta = (1)\$").value)
    claim.num("28 steps").check(wrong)
    claim.num("instead of 1").check(true)


def test_claim_pitfalls_eps_placement_agrees_for_large_v(claim):
    """One RMSprop step from zero state with ε = 1e-7 inside and outside the root: for a gradient of 1 (v = 0.1) the
    steps agree to 1e-5 relative; for a gradient of 1e-6 (v = 1e-13) they differ by more than a factor of 100."""
    assert claim.numbers == []

    def step(g, inside):
        theta, _ = _first_step(np.float64, [g], alpha=0.9, eps=1e-7, eps_in_sqrt=inside)
        return 1 - theta[0]

    assert abs(step(1.0, True) / step(1.0, False) - 1) < 1e-5
    assert step(1e-6, False) / step(1e-6, True) > 100


def test_claim_pitfalls_float32_square_overflow(claim):
    """float32's largest number; the package's RMSprop in float32 fed gradients around the threshold: the smallest
    float32 gradient that makes its v infinite, found by bisection over the float32 values."""
    big = np.finfo(np.float32).max
    claim.num("3.4 \\times 10^{38}").check(big)

    def overflows(g):
        _, opt = _first_step(np.float32, [g])
        return np.isinf(opt.state[0]["square_avg"][0])

    lo, hi = np.float32(1e18), np.float32(1e20)  # finite, infinite
    assert not overflows(lo) and overflows(hi)
    while np.nextafter(lo, hi) != hi:
        mid = np.float32((float(lo) + float(hi)) / 2)
        if mid in (lo, hi):
            mid = np.nextafter(lo, hi)
        lo, hi = (lo, mid) if overflows(mid) else (mid, hi)
    claim.num("1.84 \\times 10^{19}").check(float(hi))


def test_claim_pitfalls_float16_square_overflow(claim):
    """float16's largest number; the package's RMSprop in float16 fed every float16 gradient from 200 to 300: v is
    infinite exactly from the printed |g| on."""
    claim.num("65504").check(np.finfo(np.float16).max)
    values = np.unique(np.linspace(200, 300, 1000).astype(np.float16))
    infinite = []
    for g in values:
        _, opt = _first_step(np.float16, [g])
        infinite.append(bool(np.isinf(opt.state[0]["square_avg"][0])))
    infinite = np.array(infinite)
    first = values[np.argmax(infinite)]
    assert infinite[values >= first].all()
    claim.num("256").check(float(first))


def test_claim_pitfalls_float16_small_gradient_infinite(claim):
    """Every float16 gradient from 1e-4 to 3e-3, one step of the package's RMSprop in float16 at the printed α: the
    step is infinite exactly where the package's v is 0, which is where (1 − α)·g², computed in float16, is 0; the
    largest such |g| against the printed bound; and the middle coordinate of the page's example."""
    alpha = claim.num("α = 0.99").value
    one = claim.num(r"\((1)-\\alpha").value
    zero, v_zero, divisor = claim.num(r"rounds to (0)"), claim.num(r"v = (0)"), claim.num(r"g/(0)")
    values = np.unique(np.linspace(1e-4, 3e-3, 3000).astype(np.float16))
    infinite = []
    for g in values:
        theta, opt = _first_step(np.float16, [g], alpha=alpha)
        v = opt.state[0]["square_avg"][0]
        with np.errstate(all="ignore"):
            term = np.float16(one - alpha) * (g * g)
        assert np.isinf(theta[0]) == (v == v_zero.value) == (term == zero.value), g
        if np.isinf(theta[0]):
            divisor.check(np.sqrt(v))
            infinite.append(float(g))
    claim.num("1.7 \\times 10^{-3}").check(max(infinite))
    theta, _ = _first_step(np.float16, [0.0, claim.num("g = 10^{-3}").value, 1.0], alpha=alpha)
    assert theta[1] == -np.inf and np.isnan(theta[0]) and np.isfinite(theta[2])


def test_claim_pitfalls_amp_keeps_float32_state(claim):
    """With torch: under autocast (CPU, bfloat16) a layer's output is half precision while its weights, their gradients
    and RMSprop's square_avg stay float32, and a zero gradient gives no NaN; torch's RMSprop and the package's on a
    float16 parameter with a zero gradient give NaN, the package's in float32 does not."""
    assert claim.numbers == []
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
    ours, _ = _first_step(np.float16, [0.0, 1.0])
    assert np.isnan(ours[0]) and np.isfinite(ours[1])
    ours, _ = _first_step(np.float32, [0.0, 1.0])
    assert np.isfinite(ours).all()


def test_claim_pitfalls_float16_eps_keras(claim):
    """Keras' default epsilon; float16 holds it (not 0); the package's RMSprop in float16 with it inside the root, and
    in float32 with PyTorch's eps, leave a zero-gradient coordinate unmoved and give the small gradient 1e-3 (infinite
    at PyTorch's eps in float16) a finite step."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    require("torch", "Keras runs here on its torch backend")
    keras = require("keras", "the claim quotes Keras' default")
    eps = claim.num("10^{-7}")
    eps.check(keras.optimizers.RMSprop().get_config()["epsilon"])
    assert np.float16(eps.value) > 0
    for dtype, kw in ((np.float16, {"eps": eps.value, "eps_in_sqrt": True}), (np.float32, {})):
        theta, _ = _first_step(dtype, [0.0, 1e-3, 1.0], **kw)
        assert np.isfinite(theta).all() and theta[0] == 1 and theta[1] < 1
    theta, _ = _first_step(np.float16, [0.0, 1e-3, 1.0])
    assert np.isinf(theta[1])


def test_claim_pitfalls_default_learning_rates(claim):
    """The defaults read from torch.optim.RMSprop and keras.optimizers.RMSprop (the package's RMSprop has torch's); and
    the package's Adam, with bias correction, moves by about η on its first step, where RMSprop at torch's α moves
    10η."""
    torch = require("torch", "the claim quotes PyTorch's default")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = require("keras", "the claim quotes Keras' default")
    torch_lr = inspect.signature(torch.optim.RMSprop).parameters["lr"].default
    claim.num("0.01").check(torch_lr)
    assert inspect.signature(RMSprop).parameters["lr"].default == torch_lr
    claim.num("0.001").check(keras.optimizers.RMSprop().get_config()["learning_rate"])
    adam = run(Adam, quadratic.grad, quadratic.start, 1, lr=torch_lr)
    rms = run(RMSprop, quadratic.grad, quadratic.start, 1, lr=torch_lr)
    np.testing.assert_allclose(np.abs(adam[1] - adam[0]), torch_lr, rtol=1e-6)
    np.testing.assert_allclose(np.abs(rms[1] - rms[0]), 10 * torch_lr, rtol=1e-6)


def test_claim_pitfalls_rate_passes_2_over_h(claim, article_rmsprop):
    """On the article's run (h from the gradient): while the gradients are tiny the rate grows by the printed
    1/√α per step; each step's θ₁ is the previous one times (1 − ηh·rate/η) exactly (to 1e-9); from the step the rate
    passes 2/h to the peak, |θ₁| grows at every step (the factor is above 1); after the peak the rate falls back."""
    path, rates, _ = article_rmsprop
    h = quadratic.grad(np.array([1.0, 0.0]))[0]
    r = rates[:60, 0]
    th1 = path[:61, 0]
    growth = claim.num(r"\$(1)/\\sqrt").value / np.sqrt(ARTICLE["alpha"])
    np.testing.assert_allclose(r[15:40] / r[14:39], growth, rtol=1e-3)
    one, above = claim.num(r"\|(1) -").value, claim.num(r"> (1)\$").value
    np.testing.assert_allclose(th1[1:], (one - h * r) * th1[:-1], rtol=1e-9, atol=1e-300)
    cross, peak = int(np.argmax(r > claim.num(r"\$(2)/h").value / h)), int(np.argmax(r))
    assert (np.abs(one - h * r[cross : peak + 1]) > above).all()
    assert (np.abs(th1[cross + 2 : peak + 2]) > np.abs(th1[cross + 1 : peak + 1])).all()
    assert r[peak + 2] < 2 / h


def test_claim_pitfalls_two_cycle(claim, article_rmsprop):
    """After 2000 steps of the article's run: period 2, ±η/2 per coordinate, v = (hη/2)², the rates 2/h, each step ±η,
    the distance η√2/2, all to 1e-6 (h from the gradient, η the article's)."""
    path, rates, opt = article_rmsprop
    eta = ARTICLE["lr"]
    h = np.array([quadratic.grad(e) @ e for e in np.eye(2)])
    period, up, down, g_half, v_half, rate_two, stay, root, over = (
        claim.num(pattern)
        for pattern in (
            "2-cycle",
            r"\+\\eta/(2)",
            r"\$-\\eta/(2)",
            r"\\pm h\\eta/(2)",
            r"\(h\\eta/(2)\)",
            r"\$(2)/h",
            r"stays \$\\eta/(2)",
            r"\\sqrt\{(2)\}",
            r"\}/(2) = 0\.71",
        )
    )
    claim.num("0.71").check(np.linalg.norm(path[-1]))
    tail = path[-101:]
    assert (tail[int(period.value) :] == tail[: -int(period.value)]).all() and not (tail[1:] == tail[:-1]).all()
    np.testing.assert_allclose(tail.max(axis=0), eta / up.value, atol=1e-6)
    np.testing.assert_allclose(tail.min(axis=0), -eta / down.value, atol=1e-6)
    g = np.array([quadratic.grad(x) for x in tail])
    assert np.abs(np.abs(g) - h * eta / g_half.value).max() < 1e-6
    np.testing.assert_allclose(opt.state[0]["square_avg"], (h * eta / v_half.value) ** 2, atol=1e-6)
    np.testing.assert_allclose(rates[-1], rate_two.value / h, atol=1e-6)
    np.testing.assert_allclose(np.abs(np.diff(tail, axis=0)), eta, atol=1e-6)
    np.testing.assert_allclose(np.abs(tail), eta / stay.value, atol=1e-6)
    assert abs(np.linalg.norm(path[-1]) - eta * np.sqrt(root.value) / over.value) < 1e-6


def test_claim_pitfalls_decay_settles(claim):
    """RMSprop with lr_schedule η/t for 2000 steps: settle_step at the printed tolerance."""
    path = run(RMSprop, quadratic.grad, quadratic.start, 2000, lr=1.0, alpha=0.9, lr_schedule=lambda t: 1.0 / t)
    tol = claim.num("10^{-2}").value
    claim.num("step 156").check(settle_step(np.linalg.norm(path, axis=1), tol))


def test_claim_pitfalls_adagrad_settles(claim):
    """Adagrad at the article's settings at the printed step; the study's settle steps (never = last): five of six
    problems, the sparse one included."""
    at = int(claim.num("step 100").value)
    path = run(Adagrad, quadratic.grad, quadratic.start, at, lr=ARTICLE["lr"])
    claim.num("10^{-5}").below(np.linalg.norm(path[at]))
    firsts = []
    for problem in PROTOCOL["problems"]:
        settle = {m: tune(m, problem).settle for m in PROTOCOL["methods"]}
        others = [s for m, s in settle.items() if m != "Adagrad"]
        if settle["Adagrad"] is not None and all(s is None or s > settle["Adagrad"] for s in others):
            firsts.append(problem)
    assert len(firsts) == 5 == len(PROTOCOL["problems"]) - 1 and "sparse_least_squares" in firsts
