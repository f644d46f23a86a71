"""Claims on docs/comparison.md: each test reads its tagged text (the `claim` fixture, tests/claims.py),
measures with the package, and checks the measurement against the numbers the page prints."""

import math

import numpy as np
import pytest

from rmsprop_ref import SGD, Adagrad, RMSprop, compare, d2l_quadratic, ewma, quadratic, rotated_quadratic, run
from rmsprop_ref.compare import ARTICLE, PROTOCOL, article_runs, choose, grid_distances, settle_step, tune
from rmsprop_ref.problems import PROBLEMS

DETERMINISTIC = [name for name in PROTOCOL["problems"] if not PROBLEMS[name].noisy]
QUADRATICS = ("quadratic", "d2l_quadratic", "rotated_quadratic")


@pytest.fixture(scope="module")
def long_run():
    return article_runs(200)


@pytest.fixture(scope="module")
def protocol_runs():
    """The protocol's runs of every method on every problem and seed: (problem, method) -> [distances per seed].
    They are the runs `tune` chose from (compare.protocol_runs, memoised), not run a second time."""
    problems, methods = PROTOCOL["problems"], PROTOCOL["methods"]
    return {(name, m): list(compare.protocol_runs(m, name)) for name in problems for m in methods}


def drawn(name):
    """The data figure `name` draws (rmsprop_ref.figures.FIGURES): the figure, and per panel
    {label: (x, y)} of its labelled lines."""
    from conftest import require

    require("matplotlib")
    from rmsprop_ref import figures

    fig = figures.FIGURES[name]()
    panels = [
        {
            ln.get_label(): (np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float))
            for ln in ax.get_lines()
        }
        for ax in fig.axes
    ]
    return fig, panels


def _hessian(p):
    """The (constant) Hessian of a quadratic problem, column by column from its exact gradient."""
    zero = np.zeros(p.start.size)
    return np.column_stack([p.grad(e) - p.grad(zero) for e in np.eye(p.start.size)])


def test_claim_comparison_article_figure(claim):
    """The figure's drawn paths against runs at the caption's settings, and the caption's readings of them."""
    _, (th1, th2) = drawn("adagrad_vs_rmsprop.svg")
    lr, alpha = claim.num("η = 1").value, claim.num("α = 0.9").value
    start = np.array([claim.num("(−4.5").value, claim.num(r"(4\.5)\)").value])
    claim.num("0.5").check(quadratic.f(np.array([0.0, 1.0])))  # f's coefficient of θ₂²
    assert quadratic.f(np.array([1.0, 0.0])) == 1.0
    paths = {
        "Adagrad": run(Adagrad, quadratic.grad, start, ARTICLE["steps"], lr=lr),
        "RMSprop": run(RMSprop, quadratic.grad, start, ARTICLE["steps"], lr=lr, alpha=alpha),
    }
    for name, path in paths.items():
        x, y1 = th1[name]
        np.testing.assert_array_equal(np.column_stack([y1, th2[name][1]]), path)
        claim.num("(0 to").check(x[0])
        claim.num(r"to (30)\)").check(x[-1])
    rms, ada = paths["RMSprop"], paths["Adagrad"]
    first = claim.num("1.34")
    first.check(np.abs(rms[1]).min())
    first.check(np.abs(rms[1]).max())
    tol = claim.num("within 0.01").value
    claim.num("step 5").check(settle_step(np.abs(rms).max(axis=1), tol))
    claim.num(r"0\.01 of (0)").check(quadratic.x_min.max())
    claim.num(r"approaches (0)").check(np.abs(quadratic.x_min).max())
    # smoothly: |θᵢ| falls at every step and never changes sign
    assert (np.diff(np.abs(ada), axis=0) < 0).all() and (np.sign(ada) == np.sign(ada[0])).all()
    for coordinate in np.abs(ada[-1]):
        claim.num("0.06").check(coordinate)
    claim.num(r"after (30) steps").check(len(ada) - 1)


def test_claim_comparison_first_steps(claim):
    """One step of each at the article's settings; the formula evaluated with the printed constants."""
    alpha, lr = ARTICLE["alpha"], claim.num("η = 1").value
    one_a, one_b = claim.num(r"\$(1)/\\sqrt").value, claim.num(r"\{(1)-\\alpha").value
    rms = run(RMSprop, quadratic.grad, quadratic.start, 1, lr=lr, alpha=alpha)
    ada = run(Adagrad, quadratic.grad, quadratic.start, 1, lr=lr)
    ratio, steps = claim.nums("3.16")
    for step in np.abs(rms[1] - rms[0]):
        ratio.check(step / lr)
        steps.check(step)
    ratio.check(one_a / math.sqrt(one_b - alpha))
    start, start_again = claim.nums("-4.5")
    start.check(quadratic.start[0])
    start_again.check(rms[0, 0])
    after = claim.num("-1.34")
    after.check(rms[1, 0])
    after.check(start_again.value + steps.value)  # the printed sum
    np.testing.assert_allclose(np.abs(ada[1] - ada[0]), lr, rtol=1e-9)  # η, up to ε


def test_claim_comparison_mirror_is_scale_invariance(claim):
    """Scaling θ₂'s gradient leaves both paths unchanged; the start's gradient is the page's; from a start with
    |θ₁| ≠ |θ₂| the mirror is gone, so it is the start's doing."""
    g = quadratic.grad(quadratic.start)
    claim.num("-9").check(g[0])
    claim.num("4.5").check(g[1])
    claim.num("factor $-2").check(g[0] / g[1])
    claim.num(r"g_1 = (2)\\theta_1").check(quadratic.grad(np.array([1.0, 0.0]))[0])
    h = np.diag(_hessian(quadratic))
    assert h[0] == 2 * h[1]  # "twice"
    for cls, kw in ((Adagrad, {}), (RMSprop, {"alpha": ARTICLE["alpha"]})):
        base = run(cls, quadratic.grad, quadratic.start, 30, lr=ARTICLE["lr"], **kw)
        assert np.abs(base[:, 0] + base[:, 1]).max() < 1e-7
        for c in (0.2, 3.0):
            scaled = run(cls, lambda x, c=c: np.array([2 * x[0], c * x[1]]), quadratic.start, 30, lr=1.0, **kw)
            assert np.abs(scaled - base).max() < 1e-6
        other = run(cls, quadratic.grad, np.array([-4.5, 3.0]), 30, lr=ARTICLE["lr"], **kw)
        assert np.abs(other[:, 0] + other[:, 1]).max() > 0.5


def test_claim_comparison_adagrad_remembers(claim):
    """The rotation by 45° and its cost from the study; Adagrad keeps its first squared gradient, RMSprop forgets;
    the EWMA's weights, measured with the package's ewma, have their centre about 1/(1−α) steps back."""
    eigvecs = np.linalg.eigh(_hessian(rotated_quadratic))[1]
    claim.num("45°").check(np.degrees(np.arctan2(abs(eigvecs[1, 0]), abs(eigvecs[0, 0]))))
    claim.num("99 steps").check(tune("Adagrad", "rotated_quadratic").settle)
    claim.num("instead of 7").check(tune("Adagrad", "d2l_quadratic").settle)
    alpha = claim.num("α = 0.9").value
    theta = quadratic.start.copy()
    ada = Adagrad(theta, lr=1.0)
    rates = []
    for _ in range(30):
        ada.step(quadratic.grad(theta))
        rates.append(ada.effective_lr()[0][0])
    assert (np.diff(rates) < 0).all()
    assert ada.state[0]["sum_sq"][0] >= quadratic.grad(quadratic.start)[0] ** 2  # still holds g₁²
    theta = quadratic.start.copy()
    rms = RMSprop(theta, lr=1.0, alpha=alpha)
    rms.step(quadratic.grad(theta))
    v1 = rms.state[0]["square_avg"][0]
    for _ in range(29):
        rms.step(quadratic.grad(theta))
    assert rms.state[0]["square_avg"][0] < v1 / 10  # mostly forgotten
    n = 2000
    weights = ewma(np.eye(n)[0], alpha)  # an impulse: entry k is the weight of the value k steps back
    window = float(np.sum((np.arange(n) + 1) * weights) / weights.sum())  # mean age, the newest counting 1
    one_a, one_b = claim.num(r"\$(1)/\(").value, claim.num(r"\((1)-\\alpha").value
    claim.num("= 10").check(window)
    claim.num("= 10").check(one_a / (one_b - alpha))


def test_claim_comparison_rate_peak(claim, long_run):
    """RMSprop's effective rate for θ₁ at each step of the article's run (article_runs); h from the gradient."""
    h = _hessian(quadratic)[0, 0]
    two, limit = claim.num(r"\$(2)/h").value, claim.num(r"2/h = (1)")
    limit.check(two / h)
    r1 = long_run["rate"][:, 0]  # row k is step k + 1
    claim.num("step 22").check(int(np.argmax(r1 > limit.value)) + 1)
    claim.num("3.94").check(r1.max())
    claim.num("step 48").check(int(np.argmax(r1)) + 1)
    claim.num("almost 7").below(abs(1 - h * r1.max()))


def test_claim_comparison_theta2_rate_doubles(claim, long_run):
    """The ratio of the two rates is 2 to 1e-5 over 200 steps; θ₂'s limit 2/h with h from the gradient."""
    h2 = _hessian(quadratic)[1, 1]
    claim.num(r"2/h = (2)").check(claim.num(r"\$(2)/h").value / h2)
    rate = long_run["rate"]
    np.testing.assert_allclose(rate[:, 1] / rate[:, 0], 2.0, rtol=1e-5)  # "twice"
    assert np.abs(long_run["RMSprop"].sum(axis=1)).max() < 1e-5  # mirrored


def test_claim_comparison_long_run_figure(claim):
    """The figure's drawn data (rmsprop_ref.figures.article_long_run), panel by panel."""
    fig, (left, right) = drawn("article_long_run.svg")
    lr = claim.num("η = 1").value
    (rms_x, rms), (_, ada), (_, dec) = (left[k] for k in ("RMSprop, η = 1", "Adagrad, η = 1", "RMSprop, $η_t$ = 1/t"))
    claim.num("over 200 steps").check(rms_x[-1])
    ref = run(RMSprop, quadratic.grad, quadratic.start, 200, lr=lr, alpha=ARTICLE["alpha"])
    floor = claim.num("1e-16")
    floor.check(fig.axes[0].get_ylim()[0])
    np.testing.assert_array_equal(rms, np.maximum(np.linalg.norm(ref, axis=1), floor.value))
    shade = fig.axes[0].patches[0]
    claim.num("shaded 30 steps").check(shade.get_x() + shade.get_width())
    window = int(claim.num("shaded 30 steps").value)
    claim.nums("1e-11")[0].below(rms[window])
    claim.num("near 0.1").check(ada[window])
    claim.num("2.5").check(rms[window:].max())
    claim.num("step 49").check(window + int(np.argmax(rms[window:] > 1)))
    lo, hi = claim.num("between 0.6"), claim.num("and 0.8")
    claim.num("from step 97").check(np.flatnonzero((rms < lo.value) | (rms > hi.value))[-1] + 1)
    settled = rms[int(claim.num("from step 97").value) :]
    lo.above(settled.min())
    hi.below(settled.max())
    assert (np.diff(ada) < 0).all()
    claim.nums("1e-11")[1].check(ada[-1])
    decay = claim.num(r"η_t = (1)/t").value
    ref = run(
        RMSprop, quadratic.grad, quadratic.start, 200, lr=lr, alpha=ARTICLE["alpha"], lr_schedule=lambda t: decay / t
    )
    np.testing.assert_array_equal(dec, np.maximum(np.linalg.norm(ref, axis=1), floor.value))
    low = int(np.argmax(dec <= floor.value))
    claim.num("step 96").check(low)
    claim.num("0.02").check(dec[low:].max())
    claim.num("2e-3").check(dec[-1])
    x, r1 = right["η/(√$v$ + ε) for $θ_1$"]
    h = _hessian(quadratic)[0, 0]
    limit = claim.num(r"2/h = (1)")
    limit.check(claim.num(r"(2)/h").value / h)
    cross = int(np.argmax(r1 > limit.value))
    claim.num("step 22").check(x[cross])
    claim.num("3.9").check(r1.max())
    claim.num("step 48").check(x[np.argmax(r1)])
    after = np.argmax(r1)
    assert (r1[after:] < claim.num(r"below (1),").value).any()
    back = claim.num(r"back to (1)").value
    assert np.abs(r1[-50:] - back).max() < 0.01


def test_claim_comparison_study_quadratics_figure(claim):
    """The figure's drawn data (harder_problems on the three quadratics); RMSprop's curves against runs at the caption's
    rate."""
    fig, panels = drawn("study_quadratics.svg")
    vectors = np.abs(np.linalg.eigh(_hessian(rotated_quadratic))[1])
    claim.num("45°").check(np.degrees(np.arctan2(vectors[1, 0], vectors[0, 0])))
    horizon, tol, floor = claim.num("2000").value, claim.num("tolerance 0.01"), claim.num("1e-16")
    below = claim.num("1e-15").value
    lr = claim.num("η = 0.01").value
    lows, bounces, settles, finals = [], [], [], []
    for ax, name, panel in zip(fig.axes, QUADRATICS, panels):
        floor.check(ax.get_ylim()[0])
        tol.check(panel["_child3"][1][0])  # the dotted line
        for method in ("SGD", "Adagrad"):
            ((x, d),) = (v for k, v in panel.items() if k.startswith(method))
            assert x[-1] == horizon and d[-1] < below
        ((_, d),) = (v for k, v in panel.items() if k.startswith("RMSprop"))
        p = PROBLEMS[name]
        path = run(RMSprop, p.grad, p.start, int(horizon), lr=lr, **PROTOCOL["fixed"]["RMSprop"])
        np.testing.assert_array_equal(d, np.maximum(np.linalg.norm(path - p.x_min, axis=1), floor.value))
        low = int(np.argmin(d))
        if name != "rotated_quadratic":  # the axis-aligned two overshoot and bounce out
            lows.append(low)
            bounces.append(d[low:].max())
        else:  # once inside, it stays inside
            assert d[int(np.argmax(d <= tol.value)) :].max() <= tol.value
        settles.append(settle_step(d, tol.value))
        finals.append(d[-100:])
    claim.num("0.007").check(np.min(finals))
    claim.num("0.007").check(np.max(finals))
    assert panels[0]["RMSprop, η = 0.01"][1].min() == floor.value  # the article's: below the floor
    assert panels[1]["RMSprop, η = 0.01"][1].min() > floor.value
    claim.num("steps 522").check(lows[0])
    claim.num("and 557 (").check(lows[1])
    claim.num("0.027").check(bounces[0])
    claim.num("0.024").check(bounces[1])
    assert all(b > tol.value for b in bounces)
    claim.num("after 557").check(min(settles))
    claim.num("643").check(max(settles))


def test_claim_comparison_study_others_figure(claim):
    """The figure's drawn data (harder_problems on Rosenbrock, the sparse and the noisy problem)."""
    _, (ros, sparse, noisy) = drawn("study_others.svg")

    def curve(panel, method):
        ((_, d),) = (v for k, v in panel.items() if k.startswith(method + ","))
        return d

    seed = int(claim.num("seed 0").value)
    p = PROBLEMS["noisy_least_squares"]
    for method in PROTOCOL["methods"]:  # the study's own run at the chosen rate on that seed (memoised)
        runs = compare.protocol_runs(method, p.name)[PROTOCOL["seeds"].index(seed)]
        ref = runs[:, PROTOCOL["lr_grid"].index(tune(method, p.name).lr)]
        np.testing.assert_array_equal(curve(noisy, method), np.maximum(ref, 1e-16))
    tol = claim.num("method gets within 0.01").value
    ends = {m: curve(ros, m)[-1] for m in PROTOCOL["methods"]}
    assert all(curve(ros, m).min() > tol for m in PROTOCOL["methods"])
    assert min(ends, key=ends.get) == "SGD"
    claim.num("0.015").check(ends["SGD"])
    for method in ("SGD", "Adagrad"):
        claim.num("1e-14").below(curve(sparse, method)[-1])
    rms = curve(sparse, "RMSprop")
    inside = claim.num("just inside 0.01").value
    assert settle_step(rms, inside) is not None and inside - 0.005 < rms[-1] < inside
    ada = curve(noisy, "Adagrad")
    s = settle_step(ada, claim.num("Adagrad settles within 0.01").value)
    claim.num("step 574").check(s)
    claim.num("2e-4").check(ada[s:].min())
    claim.num("1e-2").check(ada[s:].max())
    # the same criterion for both methods (settles), and SGD's first entry beside it
    claim.num("step 1926").check(settle_step(curve(noisy, "SGD"), claim.num("Adagrad settles within 0.01").value))
    claim.num("step 1801").check(int(np.argmax(curve(noisy, "SGD") <= claim.num("first within 0.01").value)))
    claim.num("0.02").check(curve(noisy, "RMSprop")[-1])


def test_claim_comparison_rmsprop_rate_fits_the_cycle(claim):
    """For each deterministic problem, tune's choice against the largest grid rate whose cycle fits; on the
    quadratics the chosen rate's last 100 steps are the cycle, ±η/2 per coordinate at distance η√d/2."""
    claim.unused("0.1", why="the tolerance of the section above, measured by comparison_tolerance_decides")
    claim.unused("2-cycle", why="the name of the cycle; its period is checked below (the sign flips every step)")
    half = claim.num(r"\\pm\\eta/(2)").value
    over = [n.value for n in claim.nums(r"\\sqrt\{d\}/(2)")]
    tol = claim.num(r"\\le (0\.01)").value
    by_dim = {}
    for name in DETERMINISTIC:
        p = PROBLEMS[name]
        fits = max(lr for lr in PROTOCOL["lr_grid"] if lr * np.sqrt(p.dim) / over[1] <= tol)
        assert tune("RMSprop", name).lr == fits
        by_dim[p.dim] = fits
        if name in QUADRATICS:
            path = run(RMSprop, p.grad, p.start, PROTOCOL["horizon"], lr=fits, **PROTOCOL["fixed"]["RMSprop"])
            tail = path[-100:] - p.x_min
            assert np.abs(np.abs(tail) - fits / half).max() < 1e-6
            assert (np.sign(tail[1:]) == -np.sign(tail[:-1])).all()
            assert np.abs(np.linalg.norm(tail, axis=1) - fits * np.sqrt(p.dim) / over[0]).max() < 1e-6
    claim.num(r"\((0\.01) in").check(by_dim[int(claim.num(r"in (2)\s+dimensions").value)])
    claim.num("0.005").check(by_dim[int(claim.num(r"in (5)\)").value)])


def test_claim_comparison_rmsprop_final_is_the_cycle(claim):
    """The final distance on each quadratic equals the cycle's η√2/2 (the printed formula evaluated), and the
    iterates of the last 100 steps alternate between ±η/2 per coordinate rather than shrinking."""
    lr = claim.num(r"\$(0\.01)\\sqrt").value
    root, over = claim.num(r"\\sqrt\{(2)\}").value, claim.num(r"\}/(2)\$").value
    for name in QUADRATICS:
        final = tune("RMSprop", name).final
        claim.num("0.007").check(final)
        assert tune("RMSprop", name).lr == lr and abs(final - lr * math.sqrt(root) / over) < 1e-6
        p = PROBLEMS[name]
        path = run(RMSprop, p.grad, p.start, PROTOCOL["horizon"], lr=lr, **PROTOCOL["fixed"]["RMSprop"])
        assert np.abs(np.abs(path[-100:] - p.x_min) - lr / 2).max() < 1e-6


def test_claim_comparison_rotation_costs_adagrad(claim):
    """Settle steps from tune; SGD's path on the rotated problem is d2l's turned by the angle (to 1e-12);
    Adagrad's is not."""
    angle = np.radians(claim.num("45°").value)
    a, b = tune("Adagrad", "d2l_quadratic").settle, tune("Adagrad", "rotated_quadratic").settle
    claim.num("(7 steps").check(a)
    claim.num("to 99)").check(b)
    claim.num("factor of 14").check(b / a)
    claim.num("(153)").check(tune("SGD", "d2l_quadratic").settle)
    assert tune("SGD", "rotated_quadratic").settle == tune("SGD", "d2l_quadratic").settle
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    for cls, same in ((SGD, True), (Adagrad, False)):
        p = run(cls, d2l_quadratic.grad, d2l_quadratic.start, 50, lr=0.2)
        q = run(cls, rotated_quadratic.grad, rotated_quadratic.start, 50, lr=0.2)
        assert (np.abs(q - p @ R.T).max() < 1e-12) == same


def test_claim_comparison_adagrad_first_step_luck(claim):
    """One Adagrad step at the printed η from each start; and the lead: that η settles at least twice as fast as
    the next rate below it on the grid."""
    lr = claim.num("η = 5").value
    start = np.array([claim.num("(-4.5").value, claim.num(r"(4\.5)\)").value])
    np.testing.assert_array_equal(start, quadratic.start)
    after = run(Adagrad, quadratic.grad, start, 1, lr=lr)[1]
    claim.num("(0.5").check(after[0])
    claim.num("-0.5)").check(after[1])
    claim.num("from $-5$").check(d2l_quadratic.start[0])
    claim.num(r"to (0)\.").check(run(Adagrad, d2l_quadratic.grad, d2l_quadratic.start, 1, lr=lr)[1, 0])
    grid = list(PROTOCOL["lr_grid"])
    for name in ("quadratic", "d2l_quadratic"):
        t = tune("Adagrad", name)
        assert t.lr == lr and 2 * t.settles[grid.index(lr)] <= t.settles[grid.index(lr) - 1]


def test_claim_comparison_sparse_low_curvature(claim):
    """Settle steps from tune; the Hessian XᵀX/n from the (linear) gradient; after 50 SGD steps at its chosen rate the
    rare coordinate holds most of SGD's error but not Adagrad's."""
    p = PROBLEMS["sparse_least_squares"]
    ada, sgd = tune("Adagrad", p.name).settle, tune("SGD", p.name).settle
    claim.num("(9 steps").check(ada)
    claim.num("91").check(sgd)
    claim.num("10 times").check(sgd / ada)
    diag = np.diag(_hessian(p))
    claim.num("0.06").check(diag[4])
    claim.num("0.8").check(diag[:4].min())
    claim.num("1.2").check(diag[:4].max())
    sgd_err = run(SGD, p.grad, p.start, 50, lr=tune("SGD", p.name).lr) - p.x_min
    ada_err = run(Adagrad, p.grad, p.start, 50, lr=tune("Adagrad", p.name).lr) - p.x_min
    assert abs(sgd_err[-1, 4]) > 0.9 * np.linalg.norm(sgd_err[-1])
    assert abs(ada_err[-1, 4]) < 1e-3


def test_claim_comparison_noisy_jitter(claim):
    """A minibatch gradient at θ* is not zero; the closest final distance of every method's chosen rate, any seed."""
    noisy = PROBLEMS["noisy_least_squares"]
    assert np.linalg.norm(noisy.gradients(0)(noisy.x_min)) > 1e-2
    closest = min(final for m in PROTOCOL["methods"] for _, final in tune(m, noisy.name).per_seed)
    claim.num("9 \\times 10^{-4}").above(closest)


def test_claim_comparison_decayed_cycle_shrinks(claim):
    """RMSprop with η_t = 1/t on the article's problem, steps 1000 to 2000: both coordinates change sign at every
    step, and the distance after step t is within 2 % of the printed η_t√2/2."""
    root, over = claim.num(r"\\sqrt\{(2)\}").value, claim.num(r"\}/(2)").value
    path = run(RMSprop, quadratic.grad, quadratic.start, 2000, lr=1.0, alpha=0.9, lr_schedule=lambda t: 1.0 / t)
    tail = path[1000:]
    assert (np.sign(tail[1:]) == -np.sign(tail[:-1])).all()
    t = np.arange(1000, 2001)
    np.testing.assert_allclose(np.linalg.norm(tail, axis=1), (1.0 / t) * math.sqrt(root) / over, rtol=0.02)


def test_claim_comparison_no_choice_at_grid_edge(claim):
    """Every tuned rate of the study against the grid's smallest and largest values (the sentence prints none)."""
    assert claim.numbers == []
    grid = PROTOCOL["lr_grid"]
    for problem in PROTOCOL["problems"]:
        for method in PROTOCOL["methods"]:
            assert grid[0] < tune(method, problem).lr < grid[-1]


def _coefficients(p):
    """(a, b, c) of a 2-D quadratic a·θ₁² + b·θ₂² + c·θ₁θ₂, evaluated from the problem's f."""
    a, b = p.f(np.array([1.0, 0.0])), p.f(np.array([0.0, 1.0]))
    return a, b, p.f(np.array([1.0, 1.0])) - a - b


def test_claim_comparison_protocol_problems(claim):
    """Each problem of rmsprop_ref.PROBLEMS against its printed definition: the quadratics' coefficients from f,
    their starts, the rotation and curvatures from the Hessian, the least-squares sizes; the noisy problem rebuilt
    from the printed sizes (rows, batch) is the study's (same θ*, same minibatch gradients)."""
    from rmsprop_ref.problems import _make_noisy_least_squares

    claim.num(r"(0\.5)\\,\\theta_2").check(_coefficients(quadratic)[1])
    claim.num("(-4.5").check(quadratic.start[0])
    claim.num(r"(4\.5)\)").check(quadratic.start[1])
    a, b, _ = _coefficients(d2l_quadratic)
    claim.num(r"(0\.1)\\,\\theta_1").check(a)
    claim.num(r"(2)\\,\\theta_2").check(b)
    claim.num("(-5").check(d2l_quadratic.start[0])
    claim.num("-2)").check(d2l_quadratic.start[1])
    angle = claim.num("45°").value
    R = np.array(
        [
            [np.cos(np.radians(angle)), -np.sin(np.radians(angle))],
            [np.sin(np.radians(angle)), np.cos(np.radians(angle))],
        ]
    )
    np.testing.assert_allclose(rotated_quadratic.start, R @ d2l_quadratic.start, atol=1e-12)
    first, second = claim.nums("1.05")
    a, b, c = _coefficients(rotated_quadratic)
    first.check(a)
    second.check(b)
    claim.num("1.9").check(-c)
    curvatures = np.linalg.eigvalsh(_hessian(rotated_quadratic))
    claim.num("curvatures 0.2").check(curvatures[0])
    claim.num("and 4 lie").check(curvatures[1])
    vectors = np.abs(np.linalg.eigh(_hessian(rotated_quadratic))[1])
    np.testing.assert_allclose(vectors, np.sqrt(0.5), atol=1e-12)  # along the diagonals
    claim.num("(-1.5").check(PROBLEMS["rosenbrock"].start[0])
    claim.num(r"(2)\)\$; least").check(PROBLEMS["rosenbrock"].start[1])
    sparse = PROBLEMS["sparse_least_squares"]
    claim.num(r"\((5)\s+coordinates").check(sparse.start.size)
    assert sparse.sampler is None  # full-batch
    noisy = PROBLEMS["noisy_least_squares"]
    claim.num(r"\s(5) features").check(noisy.start.size)
    scales = np.sqrt(np.diag(_hessian(noisy)))  # the features' scales (unit-variance draws times the scale)
    claim.num("scales 4").check(scales[0])
    np.testing.assert_allclose(scales[-1], claim.num(r"to (1)/4").value / claim.num(r"1/(4)").value, rtol=0.05)
    rows, batch = int(claim.num("(1000").value), int(claim.num("batches of 10").value)
    rebuilt = _make_noisy_least_squares(n=rows, batch=batch)
    np.testing.assert_array_equal(rebuilt.x_min, noisy.x_min)
    theta = noisy.x_min + 0.1
    ours, theirs = rebuilt.gradients(3), noisy.gradients(3)
    for _ in range(2 * rows // batch):
        np.testing.assert_array_equal(ours(theta), theirs(theta))


def test_claim_comparison_grid_widened(claim, protocol_runs):
    """The protocol's fixed α and grid; the same runs ranked on the grid cut at the printed end: Adagrad's choice is
    that end on more than one problem; on the full grid it is never the end."""
    claim.num("fixed at 0.9").check(PROTOCOL["fixed"]["RMSprop"]["alpha"])
    grid = list(PROTOCOL["lr_grid"])
    claim.num("16-value").check(len(grid))
    claim.num("widened to 10").check(grid[-1])
    old_end = claim.num("ended at 2").value
    cut = grid.index(old_end) + 1
    at_end = [
        name
        for name in PROTOCOL["problems"]
        if choose(grid[:cut], [d[:, :cut] for d in protocol_runs[name, "Adagrad"]], PROTOCOL["tol"])[0] == cut - 1
    ]
    assert len(at_end) >= 2, at_end  # "several"
    assert all(tune("Adagrad", name).lr < grid[-1] for name in PROTOCOL["problems"])


def test_claim_comparison_noise_level_chosen(claim):
    """The problem rebuilt with the printed noise is the study's (same θ*); with the louder noise, every method and grid
    rate run on seed 0 (a rate that does not settle on one seed does not settle by the protocol) ends outside tol."""
    from rmsprop_ref.problems import _make_noisy_least_squares

    quiet = _make_noisy_least_squares(noise=claim.num("0.05").value)
    np.testing.assert_array_equal(quiet.x_min, PROBLEMS["noisy_least_squares"].x_min)
    assert any(tune(m, "noisy_least_squares").settle is not None for m in PROTOCOL["methods"])
    loud = _make_noisy_least_squares(noise=claim.num("at 0.5").value)
    for method in PROTOCOL["methods"]:
        d = grid_distances(method, loud, PROTOCOL["lr_grid"], PROTOCOL["horizon"], seed=0)
        assert all(settle_step(d[:, j], PROTOCOL["tol"]) is None for j in range(d.shape[1])), method


def test_claim_comparison_tolerance_decides(claim, protocol_runs):
    """The protocol's runs ranked by `choose` at the page's tolerances. Independently of `choose`, each method's best
    settle step over the grid (the worst over the seeds) is computed with settle_step directly, and "settles first"
    means strictly fewer steps than both other methods."""
    loose, loose_again = claim.nums("0.1")
    tight = claim.num("10^{-3}").value
    assert loose.value == loose_again.value
    grid, methods = PROTOCOL["lr_grid"], PROTOCOL["methods"]
    first = {}
    for name in PROTOCOL["problems"]:
        for tol in (loose.value, PROTOCOL["tol"], tight):
            chosen = {}
            for m in methods:
                runs = protocol_runs[name, m]
                best, settles, _ = choose(grid, runs, tol)
                chosen[m] = settles[best]
                per_rate = [[settle_step(d[:, j], tol) for d in runs] for j in range(len(grid))]
                fastest = [max(s) for s in per_rate if None not in s]
                assert chosen[m] == (min(fastest) if fastest else None)
            first[name, tol] = chosen
    rms_loose = {name: first[name, loose.value]["RMSprop"] for name in PROTOCOL["problems"]}
    assert [n for n, s in rms_loose.items() if s is None] == ["rosenbrock"]
    noisy = first["noisy_least_squares", loose.value]
    claim.num("(410").check(noisy["RMSprop"])
    claim.num("1058").check(noisy["SGD"])
    assert all(first[name, tight]["RMSprop"] is None for name in PROTOCOL["problems"])
    for (name, tol), chosen in first.items():
        settled = {m: s for m, s in chosen.items() if s is not None}
        if name == "rosenbrock":
            assert list(settled) == (["SGD"] if tol == loose.value else [])
        elif settled:
            others = [s for m, s in settled.items() if m != "Adagrad"]
            assert "Adagrad" in settled and all(settled["Adagrad"] < s for s in others)


def test_claim_comparison_rosenbrock_adagrad_stalls(claim):
    """Adagrad at its chosen rate on Rosenbrock: the final distances of the three tuned methods; Adagrad's effective
    rate per coordinate from the printed step on stays within 0.1 % of where it ends, and the step before it does not;
    θ₁'s final rate against SGD's chosen rate."""
    p = PROBLEMS["rosenbrock"]
    horizon = claim.num("within 2000").value
    assert horizon == PROTOCOL["horizon"]
    finals = {m: tune(m, p.name).final for m in PROTOCOL["methods"]}
    assert all(tune(m, p.name).settle is None for m in PROTOCOL["methods"])
    assert min(finals, key=finals.get) == "SGD" and max(finals, key=finals.get) == "Adagrad"
    claim.num("0.34").check(finals["Adagrad"])
    claim.num("0.12").check(finals["RMSprop"])
    theta = p.start.astype(float).copy()
    opt = Adagrad(theta, lr=tune("Adagrad", p.name).lr)
    rates = []
    for _ in range(int(horizon)):
        opt.step(p.grad(theta))
        rates.append(opt.effective_lr()[0].copy())
    rates = np.array(rates)  # row k is step k + 1's
    early = int(claim.num("first 6 steps").value)
    assert (np.abs(rates[early - 1 :] / rates[-1] - 1) < 1e-3).all()
    assert (np.abs(rates[early - 2] / rates[-1] - 1) > 1e-3).any()  # the step before, still moving
    claim.num("4.8 \\times 10^{-4}").check(rates[-1, 0])
    sgd = claim.num("0.002")
    sgd.check(tune("SGD", p.name).lr)
    assert rates[-1, 0] < sgd.value / 4  # less than a quarter
    claim.num("1994").check(horizon - early)
