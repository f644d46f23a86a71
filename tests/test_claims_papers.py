"""Claims of docs/papers.md, each measured against the numbers its sentence prints (the `claim`
fixture reads the sentence from the page). The runs are the package's (`rmsprop_ref.papers`,
cached per session, shared with the page's blocks); the paper's own algorithm is written out
again here from its Algorithm 2, independently of the page's block."""

from __future__ import annotations

import functools

import numpy as np

from rmsprop_ref import Adagrad, Adam, set_lr
from rmsprop_ref.papers import REDDI, REDDI_PROTOCOL, reddi_gradients, reddi_runs, wilson_data, wilson_study

STEPS = REDDI_PROTOCOL["steps"]


def _at(runs, t: int) -> int:
    return list(runs.t).index(t)


def _rate(runs, first: int, last: int) -> np.ndarray:
    """Regret per step over steps first+1..last, for every method, rate and problem."""
    regret = runs.regret()
    return (regret[_at(runs, last)] - regret[_at(runs, first)]) / (last - first)


def test_claim_papers_reddi_online(claim):
    """The period's sum of slopes and the regret of a fixed point, measured on the gradients;
    where Adam and AMSGrad end at eta = 1 and their regret per step over the second half."""
    runs = reddi_runs()
    period = claim.nums("101")
    g = reddi_gradients(int(period[0].value) * 4)
    assert all(p.value == REDDI["period"] for p in period)
    claim.num("1010").check(g[0])
    claim.num("- 100 ·").check(np.sum(g[: REDDI["period"]] < 0))
    small, per_period, in_cost = claim.nums("10")
    small.check(-g[1])
    per_period.check(g[: REDDI["period"]].sum())
    one = claim.num("θ + 1")
    for theta in (-1.0, -0.5, 0.3, 1.0):  # a fixed point's regret per step over whole periods
        regret = (g * (theta + 1)).sum() / g.size
        assert np.isclose(regret, in_cost.value * (theta + one.value) / period[1].value)
    best = claim.num("point is $-1$")
    assert best.value == REDDI["box"][0] and g.sum() > 0  # positive total slope: the left end is best
    j = runs.etas.index(claim.num("η = 1").value)
    end = _at(runs, STEPS)
    claim.num("0.986").check(runs.x[end, 0, j, 0])
    claim.num("−0.997").check(runs.x[end, 1, j, 0])
    half = _rate(runs, STEPS // 2, STEPS)
    claim.num("0.307").check(half[0, j, 0])
    claim.num("0.122").check(half[1, j, 0])
    worst = claim.num("0.198")
    plus_one = claim.num("+1")
    worst.check((g * (plus_one.value + 1)).sum() / g.size)
    assert half[0, j, 0] > worst.value > half[1, j, 0]
    # "still falling": the last tenth's regret per step is below the second half's
    assert _rate(runs, STEPS - STEPS // 10, STEPS)[1, j, 0] < half[1, j, 0]


def test_claim_papers_reddi_still_falling(claim):
    """R_t/t at the end of the run is below its value 10 000 steps earlier, for Adam and AMSGrad
    on the online problem at the rate printed (not at every rate: at 0.1 Adam's rises)."""
    runs = reddi_runs()
    steps = int(claim.num("10^5").value)
    assert steps == STEPS
    j = runs.etas.index(claim.num("η = 1").value)
    average = runs.regret()[:, :, j, 0] / np.maximum(runs.t, 1)[:, None]
    assert np.all(average[_at(runs, steps)] < average[_at(runs, steps - 10_000)])


def test_claim_papers_reddi_rates(claim):
    """Online problem, every rate: Adam's final iterate (the lowest of them) above 0.85, AMSGrad's
    (the highest) below 0, AMSGrad's second-half regret per step below Adam's; AMSGrad at 0.1."""
    runs = reddi_runs()
    assert int(claim.num("10^5").value) == STEPS
    end = _at(runs, STEPS)
    claim.num("above 0.85").above(runs.x[end, 0, :, 0].min())
    claim.num("below 0").below(runs.x[end, 1, :, 0].max())
    half = _rate(runs, STEPS // 2, STEPS)
    assert np.all(half[1, :, 0] < half[0, :, 0])
    j = runs.etas.index(claim.num("η = 0.1").value)
    claim.num("−0.287").check(runs.x[end, 1, j, 0])


def test_claim_papers_reddi_stochastic(claim):
    """Stochastic version at eta = 1, five seeds: the range of Adam's and AMSGrad's final iterates;
    AMSGrad's is below Adam's on every seed and above -1 + 0.5 on every seed (not at the optimum)."""
    runs = reddi_runs()
    assert int(claim.num("10^5").value) == STEPS
    j = runs.etas.index(1.0)
    end = _at(runs, STEPS)
    adam, ams = runs.x[end, 0, j, 1:], runs.x[end, 1, j, 1:]
    assert adam.size == ams.size == 5
    claim.num("between 0.91").above(adam.min())
    claim.num("1.00").check(adam.max())
    claim.num("−0.36").above(ams.min())
    claim.num("0.08").below(ams.max())
    assert np.all(ams < adam)
    assert np.all(ams > REDDI["box"][0] + 0.5)


@functools.cache
def _paper_algorithm(amsgrad: bool, eta: float = 1.0, steps: int = STEPS) -> float:
    """Reddi et al.'s Algorithm 2 (AMSGrad; with amsgrad False, v itself: their Adam of section 2),
    constant beta1, no bias correction, no epsilon, projection onto [-1, 1]; online problem."""
    beta1, beta2 = REDDI["betas"]
    x, m, v, v_hat = REDDI_PROTOCOL["start"], 0.0, 0.0, 0.0
    for t, g in enumerate(reddi_gradients(steps).tolist(), start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_hat, v) if amsgrad else v
        x = x - eta / np.sqrt(t) * m / np.sqrt(v_hat)
        x = min(max(x, -1.0), 1.0)
    return x


def test_claim_papers_reddi_paper_variant(claim):
    """The paper's own updates (written out here) end where the sentence says; Adam's equals the
    package's to the printed digits, AMSGrad's is the printed distance short of the package's."""
    runs = reddi_runs()
    end, j = _at(runs, STEPS), runs.etas.index(1.0)
    adam = claim.num("0.986")
    adam.check(_paper_algorithm(False))
    adam.check(runs.x[end, 0, j, 0])
    claim.num("−0.968").check(_paper_algorithm(True))
    claim.num("0.028").check(_paper_algorithm(True) - runs.x[end, 1, j, 0])


def test_claim_papers_reddi_mechanism(claim):
    """Adam and AMSGrad (`Adam` itself, betas (0.9, 0.99), eta/sqrt(t), clipped) on the online
    problem for 20 periods: over the last period, Adam's v just before the next large gradient is
    0.37 of its value just after the last one, and its effective rate rises through the period;
    AMSGrad's v_max stays at its peak and its rate does not rise."""
    eta = claim.num("η = 1").value
    period = REDDI["period"]
    steps = 20 * period
    g = reddi_gradients(steps + 1)
    found = {}
    for amsgrad in (False, True):
        x = np.zeros(1)
        opt = Adam(x, lr=eta, betas=REDDI["betas"], amsgrad=amsgrad)
        v, rate = [], []
        for t in range(1, steps + 1):
            set_lr(opt, eta / np.sqrt(t))
            opt.step(np.array([g[t - 1]]))
            np.clip(x, -1.0, 1.0, out=x)
            state = opt.state[0]["max_exp_avg_sq" if amsgrad else "exp_avg_sq"][0]
            v.append(state)
            # the next step's effective rate: eta_{t+1} / (sqrt(v / (1 - beta2^t)) + eps)
            corrected = np.sqrt(state / (1 - REDDI["betas"][1] ** t))
            rate.append(eta / np.sqrt(t + 1) / (corrected + opt.hyperparams["eps"]))
        found[amsgrad] = (np.array(v), np.array(rate))
    last = slice(steps - period, steps)  # steps 19 * 101 + 1 .. 20 * 101: a large gradient, then 100 small
    v, rate = found[False]
    assert g[steps - period] == REDDI["large"]
    claim.num("0.37").check(v[last][-1] / v[last][0])
    assert np.all(np.diff(rate[last]) > 0)
    v_max, rate_max = found[True]
    assert np.all(v_max[last] == v_max[last][0]) and v_max[last][0] == v_max.max()
    assert np.all(np.diff(rate_max[last]) <= 0)


def test_claim_papers_wilson_fit(claim):
    """Every fitting run: training accuracy 1 on the 100 points; SGD's test accuracy and weights
    (the minimum-norm solution's, from numpy's pseudo-inverse); each adaptive method's test
    accuracy at every fitting rate equals the share of positive test labels, and its label
    weight is below the sum of its two constant weights."""
    from rmsprop_ref.papers import WILSON_PROTOCOL as P

    X, y, y_test = wilson_data(P["n"], P["p"], P["n_test"], P["seed"])
    claim.num("all 100").check(X.shape[0])
    study = wilson_study()
    min_norm = np.linalg.pinv(X) @ y
    for method, r in study.items():
        fit = r.fits()
        assert fit.any(), method
        assert np.all(r.train[fit] == 1.0), method
    sgd = study["SGD"]
    claim.num("1.000").check(sgd.test[sgd.fits()].min())
    assert np.allclose(sgd.head[sgd.fits()], min_norm[:3], atol=1e-9)
    share = claim.num("0.596")
    share.check((y_test > 0).mean())
    for method in ("Adagrad", "RMSprop", "Adam"):
        r = study[method]
        fit = r.fits()
        assert np.all(r.test[fit] == (y_test > 0).mean()), method
        assert np.all(r.head[fit, 0] < r.head[fit, 1] + r.head[fit, 2]), method


def test_claim_papers_wilson_adagrad_departure(claim):
    """The package's Adagrad (its default eps) on Wilson et al.'s data at the printed rates: the
    departure of theta from the direction of sign(X^T y) (the largest coordinate of theta minus
    its projection on that direction) after the first step at rate 1, by the printed step at rate
    1, its largest over the run at 0.01; at 0.1 and 1 magnified more than a million times and the
    three weights unequal in the study's runs, whose test accuracy stays the share of positive
    labels."""
    from rmsprop_ref.papers import WILSON_PROTOCOL as P

    X, y, y_test = wilson_data(P["n"], P["p"], P["n_test"], P["seed"])
    sign = np.sign(X.T @ y)
    first, later = claim.nums("0.1")
    assert first.value == later.value
    big = claim.nums("and 1") + claim.nums("rate 1")
    assert len({b.value for b in big}) == 1
    small = claim.num("0.01")
    eps = claim.num("10^{-10}")
    eps.check(Adagrad(np.zeros(1)).hyperparams["eps"])
    lrs = (small.value, first.value, big[0].value)
    thetas = [np.zeros(X.shape[1]) for _ in lrs]  # one Adagrad per rate, each from 0
    opts = [Adagrad(theta, lr=lr) for theta, lr in zip(thetas, lrs)]
    departure = np.empty((P["steps"], len(lrs)))
    for t in range(P["steps"]):
        for k, (theta, opt) in enumerate(zip(thetas, opts)):
            opt.step(2 * X.T @ (X @ theta - y))
            departure[t, k] = np.abs(theta - (sign @ theta) / (sign @ sign) * sign).max()
    claim.num("5 \\cdot 10^{-11}").check(departure[0, 2])
    by = int(claim.num("step 10").value)
    claim.num("above 0.6").above(departure[by - 1, 2])
    claim.num("below $10^{-11}").below(departure[:, 0].max())
    for k in (1, 2):  # magnified: the run's largest departure against the first step's
        assert departure[:, k].max() > 1e6 * departure[0, k]
    study = wilson_study()["Adagrad"]
    for lr in lrs:
        k = study.lrs.index(lr)
        assert np.allclose(study.head[k], thetas[lrs.index(lr)][:3], atol=1e-6)  # the study's runs
        assert study.test[k] == (y_test > 0).mean()
    for lr in lrs[1:]:
        head = study.head[study.lrs.index(lr)]
        assert abs(head[0] - head[1]) > 1e-3


def test_claim_papers_wilson_weight_decay(claim):
    """With weight decay lambda: each method at the rate of its lowest objective has test accuracy
    1.000, and its first three weights are within the printed bound (tight: the largest
    difference of any method) of those of the one minimizer of ||X theta - y||^2 +
    (lambda/2)||theta||^2, solved here in closed form."""
    from rmsprop_ref.papers import WILSON_PROTOCOL as P

    lam = claim.num("λ = 0.1").value
    X, y, _ = wilson_data(P["n"], P["p"], P["n_test"], P["seed"])
    ridge = np.linalg.solve(2 * X.T @ X + lam * np.eye(X.shape[1]), 2 * X.T @ y)  # gradient = 0
    accuracy = claim.num("1.000")
    gaps = []
    for r in wilson_study(weight_decay=lam).values():
        k = r.best()
        accuracy.check(r.test[k])
        gaps.append(np.abs(r.head[k] - ridge[:3]).max())
    claim.num("within 0.001").below(max(gaps))


def _drawn(name: str):
    """Per panel of figure `name` (rmsprop_ref.figures.FIGURES), its lines as (colour, x, y)."""
    from matplotlib.colors import to_hex

    from rmsprop_ref import figures

    fig = figures.FIGURES[name]()
    return [
        [(to_hex(line.get_color()), np.asarray(line.get_xdata()), np.asarray(line.get_ydata())) for line in ax.lines]
        for ax in fig.axes
    ]


def test_claim_papers_reddi_figure(claim):
    """The drawn lines of reddi_online.svg (Adam's and AMSGrad's colours): the optimum line at -1;
    left panel, from the printed steps on, Adam's lowest and AMSGrad's highest value (tight bounds)
    and both end values; right panel, the ranges of the five seeds' end values; steps 0 to 10^5."""
    from rmsprop_ref.figures import _BEYOND_COLORS

    adam_colour, ams_colour = _BEYOND_COLORS["Adam"], _BEYOND_COLORS["AMSGrad"]
    left, right = _drawn("reddi_online.svg")
    for panel in (left, right):
        assert any(np.all(y == claim.num("optimum −1").value) for _, _, y in panel)
    ((t, adam),) = [(x, y) for c, x, y in left if c == adam_colour]
    ((_, ams),) = [(x, y) for c, x, y in left if c == ams_colour]
    claim.num("0 to").check(t[0])
    claim.num("10⁵").check(t[-1])
    claim.num("η = 1").check(1.0)
    claim.num("above 0.9").above(adam[t >= claim.num("step 3000").value].min())
    claim.num("below −0.7").below(ams[t >= claim.num("step 2000").value].max())
    claim.num("0.986").check(adam[-1])
    claim.num("−0.997").check(ams[-1])
    adam_ends = [y[-1] for c, _, y in right if c == adam_colour]
    ams_ends = [y[-1] for c, _, y in right if c == ams_colour]
    assert len(adam_ends) == len(ams_ends) == 5
    claim.num("between 0.91").above(min(adam_ends))
    claim.num("and 1,").check(max(adam_ends))
    claim.num("−0.36").above(min(ams_ends))
    claim.num("0.08").below(max(ams_ends))
