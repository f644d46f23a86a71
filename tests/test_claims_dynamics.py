"""Claims of docs/dynamics.md: each prediction from rmsprop_ref.dynamics, each measurement from a
run of the package, both checked against the numbers the sentence prints."""

import functools

import numpy as np

from rmsprop_ref import (
    SGD,
    Adagrad,
    Adam,
    RMSprop,
    d2l_quadratic,
    inverse_sqrt,
    quadratic,
    rosenbrock,
    rotated_quadratic,
    run,
    set_lr,
)
from rmsprop_ref import dynamics as dy
from rmsprop_ref.compare import settle_step


def _h(problem):
    return np.diag(dy.hessian(problem.grad, problem.x_min))


def _fitted(problem, steps=300, first=10, last=None, **hyper):
    path = run(SGD, problem.grad, problem.start, steps, **hyper)
    return dy.fitted_contraction(np.linalg.norm(path, axis=1), first, last)


@functools.cache
def _figure_data():
    from rmsprop_ref.figures import contraction_data

    return contraction_data()


def test_claim_dynamics_d2l_best_rates(claim):
    """κ of d2l's curvatures; the best constant rate and its predicted and fitted contraction; the heavy
    ball's best pair and its predicted contraction, also as (√κ − 1)/(√κ + 1) with the printed κ. The
    opening ("every fitted contraction matches to the third decimal ... except at the best pairs"): on
    both quadratics at half the best rate, the best rate and 1.05 x the limit 2/h_max (GD), and at half
    the best pair's rate and at μ = 0.9 (heavy ball), the fit rounds to the prediction at 3 decimals."""
    h = _h(d2l_quadratic)
    kappa = claim.num(r"\kappa = 20")
    kappa.check(dy.condition_number(h))
    claim.num("2/h").check(dy.gd_max_stable_lr(h) * h.max())
    lr = dy.gd_best_lr(h)
    claim.num(r"\eta = 0.476").check(lr)
    q = claim.num("0.905")
    q.check(dy.gd_contraction(lr, h))
    q.check(_fitted(d2l_quadratic, lr=lr))
    lr_hb, mu, _ = dy.heavy_ball_best(h)
    claim.num(r"\eta = 0.668").check(lr_hb)
    claim.num(r"\mu = 0.403").check(mu)
    claim.num("0.635").check(dy.heavy_ball_contraction(lr_hb, mu, h))
    k = claim.nums(r"\sqrt{20}")
    one = claim.nums(r"(1)\)")
    assert len(k) == len(one) == 2
    claim.num("0.635").check((np.sqrt(k[0].value) - one[0].value) / (np.sqrt(k[1].value) + one[1].value))
    for problem in (quadratic, d2l_quadratic):
        hp = _h(problem)
        best = dy.gd_best_lr(hp)
        for lr in (best / 2, best, 1.05 * dy.gd_max_stable_lr(hp)):
            assert round(_fitted(problem, lr=lr), 3) == round(dy.gd_contraction(lr, hp), 3)
        lr_hb, mu, _ = dy.heavy_ball_best(hp)
        for lr, m in ((lr_hb / 2, mu), (lr_hb, 0.9)):
            assert round(_fitted(problem, lr=lr, momentum=m), 3) == round(dy.heavy_ball_contraction(lr, m, hp), 3)
        assert round(_fitted(problem, lr=lr_hb, momentum=mu), 3) != round(dy.heavy_ball_contraction(lr_hb, mu, hp), 3)


def test_claim_dynamics_double_eigenvalue(claim):
    """The fit over the printed steps at d2l's best pair; the double eigenvalue at both ends of the
    spectrum (discriminant 0 at h_min and h_max); and q times e to the slope of a line fitted to ln t
    over the printed steps, which is the printed fitted value."""
    h = _h(d2l_quadratic)
    lr, mu, q = dy.heavy_ball_best(h)
    first, last = int(claim.num("steps (10)").value), int(claim.num("to (300)").value)
    fitted = claim.nums("0.640")
    fitted[0].check(_fitted(d2l_quadratic, steps=last, first=first, lr=lr, momentum=mu))
    for x in h:
        roots = dy.heavy_ball_eigenvalues(lr, mu, x)
        assert abs(roots[0] - roots[1]) < 1e-6  # a double root
    claim.num("0.635").check(q)
    t = np.arange(first, last + 1)
    fitted[1].check(q * np.exp(np.polyfit(t, np.log(t), 1)[0]))


def test_claim_dynamics_article_momentum_gains_little(claim):
    """κ, the heavy ball's best μ and contraction (predicted; fitted from step 10 on) on the article's
    quadratic, against gradient descent's best contraction; the ratio of their logarithms (how many
    times as many steps gradient descent takes to a small distance), here and on d2l's quadratic."""
    h = _h(quadratic)
    claim.num(r"\kappa = 2").check(dy.condition_number(h))
    lr, mu, q = dy.heavy_ball_best(h)
    claim.num("0.029").check(mu)
    claim.nums("0.172")[0].check(q)
    claim.num("0.174").check(_fitted(quadratic, lr=lr, momentum=mu))
    gd = claim.nums("0.333")
    for printed in gd:
        printed.check(dy.gd_best_contraction(h))
    # steps to a small distance go as 1/(-ln q): the ratio of the logs, here and on d2l's quadratic
    claim.num("1.6").check(np.log(q) / np.log(dy.gd_best_contraction(h)))
    claim.nums("0.172")[1].check(q)
    h2 = _h(d2l_quadratic)
    claim.num("4.5").check(np.log(dy.heavy_ball_best(h2)[2]) / np.log(dy.gd_best_contraction(h2)))


def test_claim_dynamics_contraction_figure(claim):
    """On the data the figure draws (rmsprop_ref.figures.contraction_data): the curvatures and best
    momenta; every fitted point against its prediction at the same η; each predicted line's lowest
    value and where it is; where each crosses 1; and on d2l's quadratic the heavy ball's line below
    gradient descent's at every rate of the line."""
    data = _figure_data()["problems"]
    art, d2l = data["quadratic"], data["d2l_quadratic"]
    claim.num(r"curvatures (2) and").check(art["h"][0])
    claim.num(r"\((0\.2) and").check(d2l["h"][0])
    claim.num(r"2 and (1)\)").check(art["h"][1])
    claim.num(r"(4)\)").check(d2l["h"][1])
    claim.num("0.029").check(art["momentum"])
    claim.num("0.403").check(d2l["momentum"])
    worst = 0.0
    for d in (art, d2l):
        gd = [dy.gd_contraction(lr, d["h"]) for lr in d["lrs"]]
        hb = [dy.heavy_ball_contraction(lr, d["momentum"], d["h"]) for lr in d["lrs"]]
        worst = max(worst, np.abs(d["gd_fit"] - gd).max(), np.abs(d["hb_fit"] - hb).max())
    claim.num("within 1e-4").below(worst)
    for key, lows, at in (
        ("gd", ("0.333", "0.905"), ("0.667", "0.476")),
        ("hb", ("0.172", "0.635"), ("0.686", "0.668")),
    ):
        for d, low, where in zip((art, d2l), lows, at):
            i = np.argmin(d[key])
            step = d["curve_lrs"][1] - d["curve_lrs"][0]
            # the line's lowest point on its grid, within one grid step of the printed η
            assert abs(d["curve_lrs"][i] - claim.num(where).value) <= step
            claim.num(low).check(dy.gd_best_contraction(d["h"]) if key == "gd" else dy.heavy_ball_best(d["h"])[2])
            assert d[key][i] >= claim.num(low).value - 0.0005
    ones = claim.nums(r"passes (1) at")
    for one in ones:
        assert one.value == 1
    claim.num(r"at η = (1) and").check(dy.gd_max_stable_lr(art["h"]))
    claim.num(r"and (0\.5);").check(dy.gd_max_stable_lr(d2l["h"]))
    claim.num("1.03").check(dy.heavy_ball_max_stable_lr(art["momentum"], art["h"]))
    claim.num("0.70").check(dy.heavy_ball_max_stable_lr(d2l["momentum"], d2l["h"]))
    for d in (art, d2l):  # the lines cross 1 where the predictions say
        for key, limit in (
            ("gd", dy.gd_max_stable_lr(d["h"])),
            ("hb", dy.heavy_ball_max_stable_lr(d["momentum"], d["h"])),
        ):
            above = d["curve_lrs"][d[key] > 1]
            assert abs(above.min() - limit) <= d["curve_lrs"][1] - d["curve_lrs"][0]
    assert np.all(d2l["hb"] < d2l["gd"])


@functools.cache
def _adagrad(name):
    problem = {"d2l_quadratic": d2l_quadratic, "rotated_quadratic": rotated_quadratic}[name]
    H = dy.hessian(problem.grad, problem.x_min)
    theta = problem.start.copy()
    opt = Adagrad(theta, lr=5.0)
    d, s = [np.linalg.norm(theta)], {}
    for t in range(1, 201):
        opt.step(problem.grad(theta))
        d.append(np.linalg.norm(theta))
        s[t] = opt.state[0]["sum_sq"].copy()
    return H, np.array(d), s


def test_claim_dynamics_adagrad_rescaling(claim):
    """κ before and after the best diagonal rescaling of both Hessians; Adagrad at the study's η = 5
    (its chosen rate on both, rmsprop_ref.compare.tune): the late contraction predicted from its sum
    after the printed step, the fitted one, and the first step within the printed tolerance predicted
    from that step's distance, against the run's; their ratio, the study's factor."""
    from rmsprop_ref.compare import tune

    at = int(claim.num("step (5)").value)
    tol = claim.num("0.01").value
    kappas = claim.nums("20")
    q_pred, q_fit = claim.nums("0.313"), claim.nums("0.938")
    steps = {}
    for i, name in enumerate(("d2l_quadratic", "rotated_quadratic")):
        assert tune("Adagrad", name).lr == 5.0
        H, d, s = _adagrad(name)
        _, after = dy.diagonal_rescaling(H)
        kappas[0].check(dy.condition_number(H))
        if i == 0:
            claim.num("to (1)").check(after)
        else:
            kappas[1].check(after)
        q = dy.preconditioned_contraction(dy.adagrad_frozen_rates(5.0, s[at]), H)
        (q_pred, q_fit)[i][0].check(q)
        (q_pred, q_fit)[i][1].check(dy.fitted_contraction(d, 10))
        predicted = int(np.ceil(at + np.log(tol / d[at]) / np.log(q)))
        measured = settle_step(d, tol)
        assert predicted == measured
        steps[name] = measured
    claim.num("the (7)").check(steps["d2l_quadratic"])
    claim.num("and (99)").check(steps["rotated_quadratic"])
    claim.num("14").check(steps["rotated_quadratic"] / steps["d2l_quadratic"])


def test_claim_dynamics_no_diagonal_beats_gd(claim):
    """(κ − 1)/(κ + 1) of the turned quadratic after its best diagonal rescaling (which leaves κ at 20)
    is the printed bound; Adagrad's late contraction there is above it, and its frozen rates are within
    10 % of each other ("nearly equal")."""
    H, _, s = _adagrad("rotated_quadratic")
    ones = claim.nums(r"(1)\)")
    assert [o.value for o in ones] == [1, 1]
    _, after = dy.diagonal_rescaling(H)
    bound = claim.num("0.905")
    bound.check((after - ones[0].value) / (after + ones[1].value))
    bound.check(dy.gd_best_contraction(np.linalg.eigvalsh(H)))
    rates = dy.adagrad_frozen_rates(5.0, s[200])
    q = dy.preconditioned_contraction(rates, H)
    claim.num("0.938").check(q)
    assert q > bound.value and rates.max() / rates.min() < 1.1


@functools.cache
def _rosenbrock():
    theta = rosenbrock.start.copy()
    opt = Adagrad(theta, lr=2.0)
    d, s = [np.linalg.norm(theta - 1)], {}
    for t in range(1, 2001):
        opt.step(rosenbrock.grad(theta))
        d.append(np.linalg.norm(theta - 1))
        s[t] = opt.state[0]["sum_sq"].copy()
    return theta.copy(), np.array(d), s


def test_claim_dynamics_rosenbrock_stall(claim):
    """Adagrad (η = 2, its chosen rate on Rosenbrock) for 2000 steps: s after the printed early step
    against s at the end (to 4 decimals); the frozen rates; the Hessian's eigenvalues at the last
    iterate; predicted and fitted contraction (over the last 500 steps, as on the page); the remaining
    factor to the printed distance and the steps it takes at the fitted pace (within 5 %)."""
    from rmsprop_ref.compare import tune

    assert tune("Adagrad", "rosenbrock").lr == 2.0
    theta, d, s = _rosenbrock()
    early, end = int(claim.num("after (10) steps").value), int(claim.nums("2000")[0].value)
    assert claim.nums("2000")[1].value == end
    np.testing.assert_array_equal(np.round(s[early] / s[end], 4), 1.0)
    rates = dy.adagrad_frozen_rates(2.0, s[end])
    claim.num(r"4.8\times10^{-4}").check(rates[0])
    claim.num(r"1.5\times10^{-3}").check(rates[1])
    H = dy.hessian(rosenbrock.grad, theta)
    low, high = np.linalg.eigvalsh(H)
    claim.num("0.29").check(low)
    claim.num("1250").check(high)
    claim.num("0.99967").check(dy.preconditioned_contraction(rates, H))
    fit = dy.fitted_contraction(d, end - 500, end)
    claim.num("0.99963").check(fit)
    tol = claim.num("0.01").value
    claim.num("34").check(d[end] / tol)
    more = np.log(d[end] / tol) / -np.log(fit)
    assert abs(more / claim.num("about 9500").value - 1) < 0.05


def test_claim_dynamics_rmsprop_cycle(claim):
    """RMSprop (α = 0.9, 1000 steps) on the article's and d2l's quadratics at η = 1, 0.1, 0.01: the final
    distance against η√2/2 and against rmsprop_cycle_distance (with ε), both rounded to the printed six
    decimals; the √2/2 read from the sentence."""
    root, half = claim.nums("2")
    for problem in (quadratic, d2l_quadratic):
        h = _h(problem)
        assert h.size == root.value
        for lr, printed in zip((1.0, 0.1, 0.01), ("0.707107", "0.070711", "0.007071")):
            final = np.linalg.norm(run(RMSprop, problem.grad, problem.start, 1000, lr=lr, alpha=0.9)[-1])
            claim.num(printed).check(final)
            claim.num(printed).check(dy.rmsprop_cycle_distance(lr, h))
            claim.num(printed).check(lr * np.sqrt(root.value) / half.value)


def test_claim_dynamics_rmsprop_cycle_limits(claim):
    """RMSprop on the article's quadratic at the printed η: with α = 0 (the printed number of steps)
    the last two distances are the printed pair, the last steps alternate between them, and they are
    not the ±η/2 cycle's η√2/2; with α = 0.999 the iterate is exactly 0 from the printed step on
    (to step 1000) and not before."""
    claim.unused(r"(0) < \\alpha", why="the range of α, its two ends measured below")
    claim.unused(r"< (1)", why="the range of α, its two ends measured below")
    claim.unused(r"near (1)", why="α = 0.999 is the measured instance")
    claim.unused(r"\\pm\\eta/(2)", why="the cycle of the section above, measured by dynamics_rmsprop_cycle")
    claim.unused(r"exactly (0) in", why="measured: every coordinate == 0.0")
    claim.unused(r"gradient is (0)", why="the gradient of a quadratic at its minimum, a hand fact")
    zero = claim.num(r"\\alpha = (0)\$,").value
    lr = claim.num(r"\\eta = (0\.1)\$ the run").value
    assert claim.num(r"\\eta = (0\.1)\$ it").value == lr
    path = run(RMSprop, quadratic.grad, quadratic.start, int(claim.num("(1000) steps").value), lr=lr, alpha=zero)
    d = np.linalg.norm(path, axis=1)
    near, far = claim.num("0.026"), claim.num("0.115")
    near.check(min(d[-2:]))
    far.check(max(d[-2:]))
    for start in (-20, -19):  # the last 20 steps alternate between the two, at the printed precision
        printed = near if d[start] < d[start + 1] else far
        printed.check(d[start::2].min())
        printed.check(d[start::2].max())
    assert abs(d[-1] - lr * np.sqrt(2) / 2) > 0.01
    path = run(RMSprop, quadratic.grad, quadratic.start, 1000, lr=lr, alpha=claim.num("0.999").value)
    at_zero = np.all(path == 0.0, axis=1)
    first = int(np.argmax(at_zero))
    claim.num("step (508)").check(first)
    assert at_zero[first:].all() and not at_zero[:first].any()


@functools.cache
def _adam():
    theta = quadratic.start.copy()
    opt = Adam(theta, lr=1.0)
    d, r = [np.linalg.norm(theta)], [np.nan]
    for t in range(1, 5001):
        opt.step(quadratic.grad(theta))
        d.append(np.linalg.norm(theta))
        v_hat = opt.state[0]["exp_avg_sq"][0] / (1 - 0.999**t)
        r.append(1.0 / (np.sqrt(v_hat) + 1e-8))
    return np.array(d), np.array(r)


def test_claim_dynamics_adam_onset(claim):
    """Adam (η = 1, torch's betas) on the article's quadratic: the limit for θ₁ (h = 2, β₁ = 0.9); the
    first step its effective rate exceeds it; the first step after 1000 at which the least-squares line
    through ln(distance) over the 61 steps centred on it rises (by the closed-form slope, checked with
    fitted_contraction at that step and the one before), and the rate there, against the limit."""
    d, r = _adam()
    limit = dy.adam_max_stable_rate(2.0, 0.9)
    claim.num("passes (19)").check(limit)
    claim.num("4669").check(int(np.argmax(r[1:] > limit)) + 1)
    # least-squares slope over t - 30 .. t + 30 as one correlation with the centred steps (the
    # page uses numpy's polyfit on sliding windows; this is the closed form, Σ(k − k̄)y / Σ(k − k̄)²)
    k = np.arange(-30, 31)
    slopes = np.correlate(np.log(d), k / np.sum(k * k), mode="valid")  # slopes[j]: centred on j + 30
    turns = 1000 + int(np.argmax(slopes[1000 - 30 :] > 0))
    assert dy.fitted_contraction(d, turns - 30, turns + 30) > 1 >= dy.fitted_contraction(d, turns - 31, turns + 29)
    claim.num("4656").check(turns)
    claim.num("18.9").check(r[turns])
    assert 1 - r[turns] / limit <= claim.num("1 %").value


@functools.cache
def _spread(lr, steps=1000, schedule=None):
    rng = np.random.default_rng(0)
    theta = np.ones(2000)
    opt, means = SGD(theta, lr=lr), []
    for t in range(1, steps + 1):
        if schedule:
            set_lr(opt, schedule(t))
        opt.step(theta + rng.normal(size=theta.size))  # h = 1, noise of variance 1
        means.append(np.mean(theta**2))
    return np.array(means)


def test_claim_dynamics_sgd_spread(claim):
    """2000 runs of SGD on θ²/2 with N(0, 1) gradient noise, mean θ² over steps 301-1000, at each
    printed η: within the printed share of sgd_stationary_variance, which rounds to the printed value;
    the small-η form η/2h at η = 1."""
    lrs = [claim.num(r"= (0\.1),").value, claim.nums(r"(0\.5)")[0].value, claim.nums(r"and (1)\.")[0].value]
    share = claim.num("1 %").value
    for lr, printed in zip(lrs, ("0.053", "0.333", "1.000")):
        predicted = dy.sgd_stationary_variance(lr, 1.0, 1.0)
        claim.num(printed).check(predicted)
        assert abs(_spread(lr)[300:].mean() / predicted - 1) <= share
    two = claim.num(r"/(2)h")
    small, at = claim.nums(r"(0\.5)")[1], claim.num(r"$\eta = 1$")
    small.check(at.value / (two.value * 1.0))


def test_claim_dynamics_schedule_removes_spread(claim):
    """The same 2000 runs with η_t = 0.5/√t (as set by set_lr before each step): η_t and the mean θ² at
    the printed step against sgd_stationary_variance at η_t, and the constant-rate spread at η = 0.5."""
    eta = claim.num(r"$\eta = 0.5$").value
    schedule = inverse_sqrt(eta)
    late = int(claim.num("step (1000)").value)
    means = _spread(eta, late, schedule)
    claim.num("0.0158").check(schedule(late))
    spread = claim.num("0.0080")
    spread.check(means[late - 1])
    spread.check(dy.sgd_stationary_variance(schedule(late), 1.0, 1.0))
    claim.num("0.333").check(dy.sgd_stationary_variance(eta, 1.0, 1.0))


@functools.cache
def _scheduled_runs(steps=1000):
    """θ² of each of the 2000 scheduled runs after every step (the page's runs, same seed)."""
    rng = np.random.default_rng(0)
    theta = np.ones(2000)
    opt, schedule, out = SGD(theta, lr=0.5), inverse_sqrt(0.5), []
    for t in range(1, steps + 1):
        set_lr(opt, schedule(t))
        opt.step(theta + rng.normal(size=theta.size))  # h = 1, noise of variance 1
        out.append(theta**2)
    return np.array(out)


def test_claim_dynamics_schedule_lag(claim):
    """The recursion E θ_t² = (1 − η_t h)² E θ_{t−1}² + η_t² ω² (h = ω = 1, θ_0 = 1) stepped by hand at the
    schedule's rates, at the printed steps, against the quasi-static prediction; the runs' standard
    error at the early step, measured from the runs' θ² (their std / √runs), as a share of their mean,
    against the printed share and the Gaussian √(2/runs); and the measured mean within the printed
    number of standard errors of both predictions, while the two predictions are farther apart than
    one standard error."""
    one = claim.num(r"\(1 - ").value
    steps = claim.nums(r"step (\d+)")
    early, late = int(steps[0].value), int(steps[1].value)
    assert [n.value for n in steps] == [early, late, early]
    runs, runs_again = (int(n.value) for n in claim.nums("2000"))
    assert runs_again == runs
    two = claim.num(r"√(2)/")
    schedule = inverse_sqrt(0.5)
    lagged = [1.0]
    for t in range(1, late + 1):
        lagged.append((one - schedule(t)) ** 2 * lagged[-1] + schedule(t) ** 2)
    claim.num("0.0270").check(lagged[early])
    claim.num("0.0081").check(lagged[late])
    quasi = dy.sgd_stationary_variance(schedule(early), 1.0, 1.0)
    claim.num("0.0256").check(quasi)
    sq = _scheduled_runs(late)[early - 1]
    assert sq.size == runs
    np.testing.assert_allclose(sq.mean(), _spread(0.5, late, schedule)[early - 1], rtol=1e-12)
    measured = claim.num("0.0259")
    measured.check(sq.mean())
    se = sq.std() / np.sqrt(runs)
    share = claim.num("3 %")
    share.check(se / sq.mean())
    share.check(np.sqrt(two.value / runs))
    k = claim.num(r"within (2) standard").value
    assert abs(sq.mean() - lagged[early]) <= k * se and abs(sq.mean() - quasi) <= k * se
    assert lagged[early] - quasi > se
