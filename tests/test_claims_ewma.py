"""Claims on the EWMA page (docs/ewma.md), each measured with the package (or pandas, or the
drawn figure) against the numbers its sentence prints (the `claim` fixture; tests/claims.py)."""

from __future__ import annotations

import math

import numpy as np

from conftest import require
from rmsprop_ref import Adagrad, RMSprop, ewma, quadratic


def _first_two_steps(opt_class, key, **settings):
    """(gradient, state[key], θ) after each of the first two steps on the article's example."""
    theta = quadratic.start.copy()
    opt = opt_class(theta, lr=1.0, **settings)
    out = []
    for _ in range(2):
        g = quadratic.grad(theta)
        opt.step(g)
        out.append((g.copy(), opt.state[0][key].copy(), theta.copy()))
    return out


def test_claim_ewma_article_worked_example(claim):
    """The package's first two steps on the article's example (lr 1, the sentence's α), first
    coordinate: the gradients' sizes, g₁², v₂ within 2 % of v₁ ("barely moved"), the weight of
    g₁² in v₂ split into its two printed factors (v₁/g₁² and the part of v₂ that is not g₂'s,
    over v₁), RMSprop's step ratio and the gradient ratio, Adagrad's step ratio and its gradient
    ratio (with its gradients), and Adagrad's step ratio below its gradient ratio ("shrank
    more"). The hand calculation above the sentence is the page's printed block."""
    alpha = claim.num("α = 0.9").value
    rms = _first_two_steps(RMSprop, "square_avg", alpha=alpha)
    (g1, v1, th1), (g2, v2, th2) = rms
    claim.num("from 9").check(abs(g1[0]))
    claim.num(r"to (2.68):").check(abs(g2[0]))
    claim.num("= 81").check(g1[0] ** 2)
    assert abs(v2[0] / v1[0] - 1) < 0.02
    claim.num(r"\\cdot (0.1)").check(v1[0] / g1[0] ** 2)
    claim.num(r"(0.9) \\cdot").check((v2[0] - (1 - alpha) * g2[0] ** 2) / v1[0])
    rms_ratio = abs(th2[0] - th1[0]) / abs(th1[0] - quadratic.start[0])
    claim.num("to 0.30 of").check(rms_ratio)
    claim.num(r"\$(2.68)/9").check(abs(g2[0]))
    claim.num(r"2.68/(9)").check(abs(g1[0]))
    claim.num(r"2.68/9 = (0.30)").check(abs(g2[0]) / abs(g1[0]))
    ada = _first_two_steps(Adagrad, "sum_sq")
    (a_g1, _, a_th1), (a_g2, _, a_th2) = ada
    ada_ratio = abs(a_th2[0] - a_th1[0]) / abs(a_th1[0] - quadratic.start[0])
    claim.num("0.61").check(ada_ratio)
    claim.num(r"(7)/9").check(abs(a_g2[0]))
    claim.num(r"7/(9)").check(abs(a_g1[0]))
    claim.num("0.78").check(abs(a_g2[0]) / abs(a_g1[0]))
    assert ada_ratio < abs(a_g2[0]) / abs(a_g1[0])


def _curves(fig):
    lines = fig.axes[0].get_lines()
    return [np.asarray(ln.get_ydata()) for ln in lines if len(ln.get_xdata()) > 2], [
        float(ln.get_xdata()[0]) for ln in lines if len(ln.get_xdata()) == 2
    ]


def test_claim_ewma_weights_figure(claim):
    """Read from the figure the page shows (rmsprop_ref.figures.ewma_weights, its drawn lines):
    each curve's ratio of consecutive points is constant (geometric), and that ratio is its β,
    the printed ones in order; each first point plus β is 1 (it starts at 1 − β), and the
    printed 1 in "(1-beta)·beta^k" is each point over β^k plus β; the dotted verticals stand
    at the printed steps, each 1/(1 − β) of its curve."""
    require("matplotlib")
    from rmsprop_ref import figures

    curves, verticals = _curves(figures.ewma_weights())
    betas = [claim.num("0.5"), claim.num(r"(0.9) and"), claim.num("0.95")]
    marks = [claim.num(r"= (2),"), claim.num(r", (10) and"), claim.num(r"and (20) steps")]
    first, starts, one_over = claim.num(r"\((1)-beta\)·"), claim.num(r"at (1)-beta"), claim.nums(r"1/\((1)-beta")
    (numerator,) = claim.nums(r"(1)/\(")
    assert len(curves) == len(betas) == len(verticals)
    for y, beta, x, mark in zip(curves, betas, sorted(verticals), marks):
        ratios = y[1:] / y[:-1]
        np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
        beta.check(ratios[0])
        starts.check(y[0] + ratios[0])
        for k in (0, 5, 10):
            first.check(y[k] / ratios[0] ** k + ratios[0])
        mark.check(x)
        for printed in one_over:
            printed.check(1 / x + ratios[0])  # 1/(1 - β) = x: the 1 of 1 - β
        numerator.check(x * (1 - ratios[0]))


def test_claim_ewma_smoothing_figure(claim):
    """Read from the figure the page shows (rmsprop_ref.figures.ewma_smoothing, its drawn
    lines: data, zero-started EWMA, bias-corrected EWMA): the data's mean rounds to the printed
    level; β is measured from the EWMA's first point (v₁ = (1 − β)x₁) and its recurrence; the
    zero-started EWMA is first within 10 % of the corrected one at step 22 ("20 or so", trailing
    zero not significant); the corrected one equals the data at step 1 and is, over the first
    20 steps, at least 3x closer to the data than the zero-started one."""
    require("matplotlib")
    from rmsprop_ref import figures

    (x, v, v_hat), _ = _curves(figures.ewma_smoothing())
    claim.num("around 5").check(x.mean())
    beta = 1 - v[0] / x[0]
    np.testing.assert_allclose(v[1:], beta * v[:-1] + (1 - beta) * x[1:], rtol=1e-9)
    claim.num("0.9").check(beta)
    claim.num("20 or so").about(np.flatnonzero(v >= 0.9 * v_hat)[0] + 1)
    assert math.isclose(v_hat[0], x[0], rel_tol=1e-12)
    assert np.mean(np.abs(v_hat[:20] - x[:20])) * 3 < np.mean(np.abs(v[:20] - x[:20]))


def test_claim_ewma_com_is_mean_age(claim):
    """The weights (1-β)β^k of ages k = 0, 1, ... read off the package's ewma of a unit impulse
    sum to 1; their mean age, computed by a long sum, is β/(c − β) with the printed c, for
    several β (9 at β = 0.9)."""
    (one,) = claim.nums("1")
    for beta in (0.5, 0.9, 0.99):
        impulse = np.zeros(20000)
        impulse[0] = 1.0
        w = ewma(impulse, beta)  # v_t = (1-β)β^t: the weight of the value t steps back
        assert math.isclose(w.sum(), 1, rel_tol=1e-9)
        age = np.sum(np.arange(w.size) * w)
        one.check(beta / age + beta)


def test_claim_ewma_pandas_adjust_false_starts_at_x1(claim):
    """Against pandas itself: ewm(alpha=0.1, adjust=False).mean() equals x₁ at the first step
    and then follows y_t = 0.9 y_{t-1} + 0.1 x_t (written out here); the package's EWMA starts
    at the printed value (v₀, recovered from v₁ = βv₀ + (1 − β)x₁); the two differ, with or
    without bias correction, from step 2 on."""
    pd = require("pandas")
    x = np.random.default_rng(5).normal(loc=3.0, size=50)
    theirs = pd.Series(x).ewm(alpha=0.1, adjust=False).mean().to_numpy()
    expected = [x[0]]
    for value in x[1:]:
        expected.append(0.9 * expected[-1] + 0.1 * value)
    np.testing.assert_allclose(theirs, expected, rtol=1e-12)
    ours = ewma(x, 0.9)
    claim.num("0").check((ours[0] - 0.1 * x[0]) / 0.9)
    for v in (ours, ewma(x, 0.9, bias_correction=True)):
        assert np.all(np.abs(v[1:] - theirs[1:]) > 1e-6)


def test_claim_ewma_recent_share_63_to_65(claim):
    """The first item's weights, read off the package's ewma of a unit impulse, are (c − β)β^k
    with the printed c. The newest n = 1/(1 − β) values' share, summed from those weights where
    n is whole (β = 0.9, 0.95, ..., 0.99999) and from the page's formula 1 − β^(1/(1 − β)) on a
    fine grid of β from the printed lower end, spans the printed percentages (its smallest and
    largest round to them); the largest is at the lower end, and below it (β = 0.85) the share
    is past the printed top. The number of newest values it takes to pass the printed 63 % is
    1/(1 − β) to within one value (the printed numerator of 1/(1 − β))."""
    for printed in claim.nums(r"\((1)-\\beta\)"):
        for beta in (0.5, 0.9):
            impulse = np.zeros(50)
            impulse[0] = 1.0
            w = ewma(impulse, beta)
            for k in (0, 3, 10):
                printed.check(w[k] / beta**k + beta)
    low, top = claim.num("63").value / 100, claim.num("65%")
    beta_min = claim.num(r"\\ge (0.9)").value
    shares = []
    for n in (10, 20, 50, 100, 1000, 100000):  # where 1/(1 - β) is whole: the newest n weights, from ewma
        beta = 1 - 1 / n
        if beta >= beta_min:
            shares.append(np.sum(ewma(np.r_[1.0, np.zeros(n - 1)], beta)))
    grid = np.concatenate([np.linspace(beta_min, 0.999, 500), 1 - np.logspace(-3, -5, 100)])
    formula = 1 - grid ** (1 / (1 - grid))
    shares = np.concatenate([shares, formula])
    claim.num("63").check(100 * shares.min())
    top.check(shares.max())
    assert np.argmax(formula) == 0 and 1 - 0.85 ** (1 / 0.15) > top.value + top.unit / 2
    (numerator,) = claim.nums(r"(1)/\(1")
    for beta in (0.9, 0.99, 0.999):
        w = (1 - beta) * beta ** np.arange(100000)
        n = np.searchsorted(np.cumsum(w), low) + 1
        numerator.check(n * (1 - beta))
