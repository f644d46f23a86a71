"""Claims on the EWMA page (docs/ewma.md), each measured with the package or by hand."""

from __future__ import annotations

import math

import numpy as np

from conftest import require
from rmsprop_ref import Adagrad, RMSprop, ewma, quadratic


def _first_two_steps(opt_class, key, **settings):
    theta = quadratic.start.copy()
    opt = opt_class(theta, lr=1.0, **settings)
    out = []
    for _ in range(2):
        g = quadratic.grad(theta)
        opt.step(g)
        out.append((g.copy(), opt.state[0][key].copy(), theta.copy()))
    return out


def test_claim_ewma_article_worked_example():
    """ "RMSprop's average $v_2$ has barely moved although the gradient fell from 9 to 2.68: with
    $\\alpha = 0.9$ the old $g_1^2 = 81$ still carries weight $0.9 \\cdot 0.1$, so RMSprop's
    step shrank in proportion to the gradient (to 0.30 of the first, as $2.68/9 = 0.30$).
    Adagrad's sum counts $g_1^2$ in full, so its step shrank more than its gradient (to 0.61
    of the first, against $7/9 = 0.78$)."

    The hand calculation written on the page, redone here in plain arithmetic (f = θ₁² +
    0.5 θ₂², gradient (2θ₁, θ₂), start (-4.5, 4.5), lr 1, α 0.9, ε negligible) and compared
    with the package's state and iterates; then the sentence itself: v₂ within 2 % of v₁
    while |g₂| < 0.3 |g₁|, the weight of g₁² in v₂ is 0.09, RMSprop's step ratio equals the
    gradient ratio (0.30), Adagrad's is 0.61, below its gradient ratio 7/9.
    """
    # RMSprop by hand, first coordinate: v1 = 0.1·81; step 9/√v1; g2 = 2·θ1; v2 = 0.9·v1 + 0.1·g2².
    v1 = 0.1 * 81
    th1 = -4.5 + 9 / math.sqrt(v1)
    g2 = 2 * th1
    v2 = 0.9 * v1 + 0.1 * g2**2
    th2 = th1 - g2 / math.sqrt(v2)
    assert (round(v1, 4), round(th1, 4), round(g2, 4), round(v2, 4), round(th2, 4)) == (
        8.1,
        -1.3377,
        -2.6754,
        8.0058,
        -0.3922,
    )  # fmt: skip  -- the numbers the page prints and writes out
    rms = _first_two_steps(RMSprop, "square_avg", alpha=0.9)
    np.testing.assert_allclose([rms[0][1][0], rms[0][2][0], rms[1][0][0], rms[1][1][0], rms[1][2][0]],
                               [v1, th1, g2, v2, th2], rtol=1e-7)  # fmt: skip
    # The second coordinate mirrors the first (v is a quarter: g is half).
    np.testing.assert_allclose(rms[1][2], [th2, -th2], rtol=1e-7)
    # Adagrad by hand: s1 = 81, step 1; g2 = -7, s2 = 130, step 7/√130.
    s2 = 81 + 49
    ada = _first_two_steps(Adagrad, "sum_sq")
    assert ada[0][1][0] == 81 and math.isclose(ada[1][1][0], s2, rel_tol=1e-9)
    assert math.isclose(ada[0][2][0], -3.5, rel_tol=1e-9)  # eps = 1e-10 shows in the 11th digit
    np.testing.assert_allclose(ada[1][2][0], -3.5 + 7 / math.sqrt(s2), rtol=1e-9)
    # The sentence: v2 barely moved, the gradient fell to under a third, 81 keeps weight 0.09.
    assert abs(v2 / v1 - 1) < 0.02 and abs(rms[0][0][0]) == 9 and f"{abs(g2):.2f}" == "2.68"
    weight_of_g1_sq = 0.9 * 0.1  # v2 = 0.9·(0.1·g1²) + 0.1·g2²
    assert math.isclose(v2, weight_of_g1_sq * 81 + 0.1 * g2**2)
    # Step ratios: RMSprop's equals the gradient ratio to 2 decimals, Adagrad's is smaller.
    rms_steps = [abs(rms[0][2][0] - quadratic.start[0]), abs(rms[1][2][0] - rms[0][2][0])]
    assert f"{rms_steps[1] / rms_steps[0]:.2f}" == f"{abs(g2) / 9:.2f}" == "0.30"
    ada_steps = [abs(ada[0][2][0] - quadratic.start[0]), abs(ada[1][2][0] - ada[0][2][0])]
    assert f"{ada_steps[1] / ada_steps[0]:.2f}" == "0.61" and f"{7 / 9:.2f}" == "0.78"
    # Adagrad's step shrank more than its gradient did.
    assert ada_steps[1] / ada_steps[0] < 7 / 9


def test_claim_ewma_weights_figure():
    """ "each curve starts at 1-beta and decays geometrically; dotted vertical lines mark
    1/(1-beta) = 2, 10 and 20 steps."

    Measured on the figure the page shows (rmsprop_ref.figures.ewma_weights): each plotted
    curve's first point is 1 - β, consecutive points have the constant ratio β, and the
    vertical lines stand at 2, 10 and 20.
    """
    require("matplotlib")
    from rmsprop_ref import figures

    fig = figures.ewma_weights()
    ax = fig.axes[0]
    curves = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]
    verticals = [line for line in ax.get_lines() if len(line.get_xdata()) == 2]
    assert len(curves) == 3
    for line, beta in zip(curves, (0.5, 0.9, 0.95)):
        y = np.asarray(line.get_ydata())
        assert math.isclose(y[0], 1 - beta)
        np.testing.assert_allclose(y[1:] / y[:-1], beta, rtol=1e-9)
    assert sorted(round(float(line.get_xdata()[0]), 9) for line in verticals) == [2, 10, 20]


def test_claim_ewma_smoothing_figure():
    """ "A noisy series around 5, its EWMA with beta = 0.9 starting from zero and rising slowly
    for the first 20 or so steps, and the bias-corrected EWMA, which follows the data from
    the first step."

    Measured on the figure's own series (rmsprop_ref.figures.noisy_series): its mean is
    within 0.5 of 5; the zero-started EWMA stays below 90 % of the bias-corrected one until
    step 22 (ratio 1 - 0.9^t, so "20 or so"); the bias-corrected EWMA equals the data at
    step 1 and is, over the first 20 steps, at least 3x closer to the data than the
    zero-started one.
    """
    require("matplotlib")
    from rmsprop_ref.figures import noisy_series

    x = noisy_series()
    assert abs(x.mean() - 5) < 0.5
    v, v_hat = ewma(x, 0.9), ewma(x, 0.9, bias_correction=True)
    below = np.flatnonzero(v < 0.9 * v_hat)
    assert below[-1] + 1 == 21  # steps 1..21 below 90 %, from step 22 on above
    assert math.isclose(v_hat[0], x[0], rel_tol=1e-12)
    assert np.mean(np.abs(v_hat[:20] - x[:20])) * 3 < np.mean(np.abs(v[:20] - x[:20]))


def test_claim_ewma_com_is_mean_age():
    """ "The center of mass $\\beta/(1-\\beta)$ is the average age of the weights, in steps."

    The weights (1-β)β^k of ages k = 0, 1, ... sum to 1; their mean age Σ k (1-β)β^k is
    computed by a long sum and compared with β/(1-β) for several β (9 at β = 0.9).
    """
    for beta in (0.5, 0.9, 0.99):
        k = np.arange(20000)
        w = (1 - beta) * beta**k
        assert math.isclose(w.sum(), 1, rel_tol=1e-9)
        assert math.isclose(np.sum(k * w), beta / (1 - beta), rel_tol=1e-9)


def test_claim_ewma_pandas_adjust_false_starts_at_x1():
    """ "(pandas' `adjust=False` is a
    different average: it starts at $x_1$ instead of 0.)"

    Against pandas itself: ewm(alpha=0.1, adjust=False).mean() equals x₁ at the first step
    and then follows y_t = 0.9 y_{t-1} + 0.1 x_t (written out here); it differs from the
    package's zero-started EWMA, with or without bias correction, from step 2 on.
    """
    pd = require("pandas")
    x = np.random.default_rng(5).normal(loc=3.0, size=50)
    theirs = pd.Series(x).ewm(alpha=0.1, adjust=False).mean().to_numpy()
    expected = [x[0]]
    for value in x[1:]:
        expected.append(0.9 * expected[-1] + 0.1 * value)
    np.testing.assert_allclose(theirs, expected, rtol=1e-12)
    for ours in (ewma(x, 0.9), ewma(x, 0.9, bias_correction=True)):
        assert np.all(np.abs(ours[1:] - theirs[1:]) > 1e-6)


def test_claim_ewma_recent_share_63_to_65():
    """ "About $1/(1-\\beta)$ recent values carry most of the weight (63 to 65% for $\\beta \\ge 0.9$);"

    Where 1/(1-β) is a whole number n (β = 0.9, 0.95, 0.98, 0.99, 0.999, 0.99999), the weight
    of the newest n values of a long series, summed from the weights (1-β)β^k themselves,
    lies between 0.63 and 0.655 (0.651 at β = 0.9). In between, the page's formula
    1 - β^(1/(1-β)) stays in the same range on a fine grid of β from 0.9 to 0.99999, and it
    is within 1e-4 of 1 - 1/e at β = 0.9999.
    """
    for n in (10, 20, 50, 100, 1000, 100000):
        beta = 1 - 1 / n
        share = np.sum((1 - beta) * beta ** np.arange(n))
        assert 0.63 <= share < 0.655, (beta, share)
    for beta in np.concatenate([np.linspace(0.9, 0.999, 500), 1 - np.logspace(-3, -5, 100)]):
        share = 1 - beta ** (1 / (1 - beta))
        assert 0.63 <= share < 0.655, (beta, share)
    assert abs((1 - 0.9999**10000) - (1 - 1 / math.e)) < 1e-4
