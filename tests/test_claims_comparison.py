"""Claims on docs/comparison.md, each measured with the package (see tests/test_claim_tags.py)."""

import numpy as np
import pytest

from rmsprop_ref import SGD, Adagrad, RMSprop, d2l_quadratic, quadratic, rotated_quadratic, run
from rmsprop_ref.compare import PROTOCOL, article_runs, distances, settle_step, tune
from rmsprop_ref.problems import PROBLEMS

DETERMINISTIC = [name for name in PROTOCOL["problems"] if not PROBLEMS[name].noisy]
QUADRATICS = ("quadratic", "d2l_quadratic", "rotated_quadratic")


@pytest.fixture(scope="module")
def long_run():
    return article_runs(200)


def _norm(path):
    return np.linalg.norm(path, axis=1)


def test_claim_comparison_article_figure():
    """ "Two panels, θ₁ and θ₂ against the step (0 to 30) for Adagrad and RMSprop on f(θ) = θ₁² + 0.5·θ₂² with η = 1
    and α = 0.9 from (−4.5, 4.5): RMSprop's first step takes both coordinates to about ±1.34 and from step 5 on both
    are within 0.01 of 0; Adagrad approaches 0 smoothly and is still about 0.06 away on each coordinate after 30
    steps."

    The figure's runs (rmsprop_ref.figures.article_paths, the article's settings) measured.
    """
    from rmsprop_ref.figures import article_paths

    paths = article_paths()
    rms, ada = paths["RMSprop"], paths["Adagrad"]
    assert rms.shape == ada.shape == (31, 2)
    np.testing.assert_allclose(np.abs(rms[1]), 1.34, atol=0.005)
    assert np.abs(rms[5:]).max() < 0.01 and np.abs(rms[4]).max() > 0.01
    # smoothly: |θᵢ| falls at every step and never changes sign
    assert (np.diff(np.abs(ada), axis=0) < 0).all() and (np.sign(ada) == np.sign(ada[0])).all()
    np.testing.assert_allclose(np.abs(ada[30]), 0.06, atol=0.005)


def test_claim_comparison_mirror_is_scale_invariance():
    """ "That is not a property of the problem but of this start and of the update's scale invariance: multiplying a
    coordinate's gradients by a constant leaves $g/\\sqrt{v}$ (and $g/\\sqrt{s}$) unchanged up to $\\epsilon$, and
    here $g_1 = 2\\theta_1$ and $g_2 = \\theta_2$ start at $-9$ and $4.5$, the same up to the factor $-2$."

    Scaling θ₂'s gradient by 0.2 or 3 leaves both paths unchanged to 1e-6; the start's gradient is (−9, 4.5); and
    from a start with |θ₁| ≠ |θ₂| the mirror is gone, so it is the start's doing.
    """
    np.testing.assert_array_equal(quadratic.grad(quadratic.start), [-9.0, 4.5])
    for cls, kw in ((Adagrad, {}), (RMSprop, {"alpha": 0.9})):
        base = run(cls, quadratic.grad, quadratic.start, 30, lr=1.0, **kw)
        for c in (0.2, 3.0):
            scaled = run(cls, lambda x, c=c: np.array([2 * x[0], c * x[1]]), quadratic.start, 30, lr=1.0, **kw)
            assert np.abs(scaled - base).max() < 1e-6
        other = run(cls, quadratic.grad, np.array([-4.5, 3.0]), 30, lr=1.0, **kw)
        assert np.abs(other[:, 0] + other[:, 1]).max() > 0.5


def test_claim_comparison_adagrad_remembers():
    """ "**Adagrad's steps shrink** because its sum $s_t$ keeps the early, large gradients forever; RMSprop's $v_t$
    forgets them (an EWMA with $\\alpha = 0.9$ averages about the last $1/(1-\\alpha) = 10$ squared gradients)."

    Over the article's 30 steps: Adagrad's effective rate falls at every step and its s₃₀ still holds the first
    squared gradient (s₃₀ ≥ g₁² = 81 for θ₁); RMSprop's v₃₀ is below a tenth of v₁, and the weights (1−α)α^k of
    the last 10 squared gradients sum to 1 − 0.9¹⁰ ≈ 0.65 of the total.
    """
    theta = quadratic.start.copy()
    ada = Adagrad(theta, lr=1.0)
    rates = []
    for _ in range(30):
        ada.step(quadratic.grad(theta))
        rates.append(ada.effective_lr()[0][0])
    assert (np.diff(rates) < 0).all()
    assert ada.state[0]["sum_sq"][0] >= 81.0
    theta = quadratic.start.copy()
    rms = RMSprop(theta, lr=1.0, alpha=0.9)
    rms.step(quadratic.grad(theta))
    v1 = rms.state[0]["square_avg"][0]
    for _ in range(29):
        rms.step(quadratic.grad(theta))
    assert rms.state[0]["square_avg"][0] < v1 / 10
    assert abs(sum(0.1 * 0.9**k for k in range(10)) - 0.65) < 0.01


def test_claim_comparison_rate_peak(long_run):
    """ "$\\theta_1$'s rate passes $2/h = 1$ at step 22 and peaks at 3.94 at step 48; by then each step multiplies the
    error by almost 7."

    RMSprop's effective rate for θ₁ at each step of the article's run (article_runs), h = 2.
    """
    r1 = long_run["rate"][:, 0]  # row k is step k + 1
    assert int(np.argmax(r1 > 1.0)) + 1 == 22
    assert int(np.argmax(r1)) + 1 == 48 and abs(r1.max() - 3.94) < 0.005
    assert 6.5 < abs(1 - 2 * r1.max()) < 7.0


def test_claim_comparison_theta2_rate_doubles(long_run):
    """ "($\\theta_2$'s rate is twice $\\theta_1$'s against a limit $2/h = 2$ twice as large, so it does the same,
    mirrored.)"

    The ratio of the two rates is 2 to 1e-5 over 200 steps, and θ₂ = −θ₁ to 1e-5 over 2000 steps.
    """
    rate = long_run["rate"]
    np.testing.assert_allclose(rate[:, 1] / rate[:, 0], 2.0, rtol=1e-5)
    path = run(RMSprop, quadratic.grad, quadratic.start, 2000, lr=1.0, alpha=0.9)
    assert np.abs(path[:, 0] + path[:, 1]).max() < 1e-5


def test_claim_comparison_long_run_figure(long_run):
    """ "Two panels, the article's problem over 200 steps. Left, distance to the minimum (log scale): in the shaded 30
    steps RMSprop at η = 1 falls below 1e-11, Adagrad is near 0.1; RMSprop jumps above 1 near step 50 and from step
    100 on stays between 0.6 and 0.8; Adagrad falls to about 1e-11; RMSprop with η_t = 1/t drops below the axis' floor
    of 1e-16 near step 95, bounces to about 0.02 and ends near 2e-3. Right: RMSprop's effective rate for θ₁ passes
    2/h = 1 at step 22, peaks near 3.9 at step 48, drops below 1, then oscillates back to 1."

    The figure's data (article_runs(200)) measured panel by panel.
    """
    rms, ada, dec = (_norm(long_run[k]) for k in ("RMSprop", "Adagrad", "RMSprop, η/t"))
    assert rms[:31].min() < 1e-11 and 0.05 < ada[30] < 0.15
    assert rms[45:56].max() > 1 and 0.6 < rms[100:].min() and rms[100:].max() < 0.8
    assert (np.diff(ada) < 0).all() and 5e-12 < ada[200] < 2e-11
    assert dec[:90].min() > 1e-16 and dec[90:100].min() < 1e-16  # the figure clips at 1e-16
    assert 0.015 < dec[120:].max() < 0.03 and 1.5e-3 < dec[200] < 3e-3
    r1 = long_run["rate"][:, 0]
    assert int(np.argmax(r1 > 1.0)) + 1 == 22 and int(np.argmax(r1)) + 1 == 48 and 3.85 < r1.max() < 3.95
    assert r1[49] < 1 and np.abs(r1[150:] - 1).max() < 0.01


def test_claim_comparison_study_quadratics_figure():
    """ "Three panels, the article's quadratic, d2l's quadratic and the same turned by 45°: distance to the minimum on a
    log scale over 2000 steps, each method at its chosen rate, the tolerance 0.01 dotted. SGD and Adagrad fall below
    1e-15 on all three. RMSprop at η = 0.01 falls slowly; on the two axis-aligned quadratics it overshoots near step
    550 (on the article's, below the axis' floor of 1e-16) and is thrown back above the tolerance, to about
    0.025; on all three it settles after 550 to 650 steps and stays at 0.007, just inside the tolerance."

    The tuned runs the figure draws (compare.tune), on the three quadratics.
    """
    for name in QUADRATICS:
        assert tune("SGD", name).final < 1e-15 and tune("Adagrad", name).final < 1e-15
        r = tune("RMSprop", name)
        assert r.lr == 0.01 and 550 <= r.settle <= 650
        d = distances("RMSprop", PROBLEMS[name], PROTOCOL["horizon"], lr=0.01)
        assert np.abs(d[-100:] - 0.007).max() < 0.0002 and d[-100:].max() < 0.01
        low = int(np.argmin(d))
        bounce = d[low : low + 100].max()
        if name == "rotated_quadratic":  # no overshoot: once inside, it stays inside
            assert d[int(np.argmax(d <= 0.01)) :].max() <= 0.01
        else:
            assert 500 < low < 600 and 0.02 < bounce < 0.03
    d = distances("RMSprop", PROBLEMS["quadratic"], PROTOCOL["horizon"], lr=0.01)
    assert d.min() < 1e-16  # below the figure's floor (it clips at 1e-16)


def test_claim_comparison_study_others_figure():
    """ "Three panels, Rosenbrock, the sparse least-squares problem and the noisy least-squares problem (seed 0), the
    same axes. On Rosenbrock no method gets within 0.01 (SGD ends closest, at 0.015). On the sparse problem SGD and
    Adagrad fall below 1e-13 and RMSprop settles just inside 0.01. On the noisy problem Adagrad settles within 0.01
    in under 600 steps and then jitters between about 2e-4 and 1e-2, SGD gets within 0.01 only after 1800 steps, and
    RMSprop ends about 0.02 away."

    The tuned runs the figure draws, the noisy problem with seed 0.
    """
    horizon = PROTOCOL["horizon"]
    ros = {m: distances(m, PROBLEMS["rosenbrock"], horizon, lr=tune(m, "rosenbrock").lr) for m in PROTOCOL["methods"]}
    assert all(d.min() > 0.01 for d in ros.values())
    assert min(ros, key=lambda m: ros[m][-1]) == "SGD" and abs(ros["SGD"][-1] - 0.015) < 0.001
    assert tune("SGD", "sparse_least_squares").final < 1e-13 and tune("Adagrad", "sparse_least_squares").final < 1e-13
    r = tune("RMSprop", "sparse_least_squares")
    assert r.settle is not None and 0.005 < r.final < 0.01
    noisy = PROBLEMS["noisy_least_squares"]
    d = {m: distances(m, noisy, horizon, lr=tune(m, noisy.name).lr, seed=0) for m in PROTOCOL["methods"]}
    s = settle_step(d["Adagrad"], 0.01)
    assert s < 600 and 1e-4 < d["Adagrad"][s:].min() < 5e-4 and d["Adagrad"][s:].max() <= 0.01
    assert int(np.argmax(d["SGD"] <= 0.01)) > 1800
    assert 0.015 < d["RMSprop"][-1] < 0.025


def test_claim_comparison_rmsprop_rate_fits_the_cycle():
    """ "Its chosen rate is on each deterministic problem the largest rate of the grid with $\\eta\\sqrt{d}/2 \\le
    0.01$ (0.01 in 2 dimensions, 0.005 in 5)."

    For each deterministic problem, tune's choice against the largest grid rate whose cycle fits.
    """
    for name in DETERMINISTIC:
        d = PROBLEMS[name].dim
        fits = max(lr for lr in PROTOCOL["lr_grid"] if lr * np.sqrt(d) / 2 <= PROTOCOL["tol"])
        assert tune("RMSprop", name).lr == fits == {2: 0.01, 5: 0.005}[d]


def test_claim_comparison_rmsprop_final_is_the_cycle():
    """ "Its final distance of 0.007 on the quadratics is that cycle, $0.01\\sqrt{2}/2$, not slow progress."

    The final distance equals 0.01·√2/2 to 1e-6, and in the last 100 steps the iterates alternate between ±η/2
    per coordinate (to 1e-6), rather than shrinking.
    """
    for name in QUADRATICS:
        assert abs(tune("RMSprop", name).final - 0.01 * np.sqrt(2) / 2) < 1e-6
        path = run(RMSprop, PROBLEMS[name].grad, PROBLEMS[name].start, PROTOCOL["horizon"], lr=0.01, alpha=0.9)
        assert np.abs(np.abs(path[-100:]) - 0.005).max() < 1e-6


def test_claim_comparison_rotation_costs_adagrad():
    """ "**Turning the problem by 45° costs Adagrad a factor of 14** (7 steps to 99) and leaves SGD exactly as it was
    (153), since gradient descent does not depend on the axes while per-coordinate scaling does: it helps most when
    the curvature lies along them."

    Settle steps from tune; SGD's path on the rotated problem is d2l's turned by 45° (to 1e-12); Adagrad's is not.
    """
    a, b = tune("Adagrad", "d2l_quadratic").settle, tune("Adagrad", "rotated_quadratic").settle
    assert (a, b) == (7, 99) and round(b / a) == 14
    assert tune("SGD", "d2l_quadratic").settle == tune("SGD", "rotated_quadratic").settle == 153
    R = np.sqrt(0.5) * np.array([[1.0, -1.0], [1.0, 1.0]])
    for cls, same in ((SGD, True), (Adagrad, False)):
        p = run(cls, d2l_quadratic.grad, d2l_quadratic.start, 50, lr=0.2)
        q = run(cls, rotated_quadratic.grad, rotated_quadratic.start, 50, lr=0.2)
        assert (np.abs(q - p @ R.T).max() < 1e-12) == same


def test_claim_comparison_adagrad_first_step_luck():
    """ "Part of Adagrad's lead on the two axis-aligned quadratics is its first step, which moves every coordinate by
    $\\eta$ (up to $\\epsilon$): at $\\eta = 5$ it takes the article's $(-4.5, 4.5)$ to $(0.5, -0.5)$ and d2l's flat
    coordinate $\\theta_1$ from $-5$ to 0."

    One Adagrad step at η = 5 on each; and the lead: η = 5 settles at least twice as fast as the next best rate.
    """
    np.testing.assert_allclose(run(Adagrad, quadratic.grad, quadratic.start, 1, lr=5.0)[1], [0.5, -0.5], atol=1e-8)
    assert abs(run(Adagrad, d2l_quadratic.grad, d2l_quadratic.start, 1, lr=5.0)[1, 0]) < 1e-8
    grid = list(PROTOCOL["lr_grid"])
    for name in ("quadratic", "d2l_quadratic"):
        settles = tune("Adagrad", name).settles
        assert 2 * settles[grid.index(5.0)] <= settles[grid.index(2.0)]


def test_claim_comparison_sparse_low_curvature():
    """ "The rare feature makes its coordinate a flat one, curvature 0.06 against 0.8 to 1.2 for the others, so SGD's
    rate, capped by the steep coordinates, crawls along it; Adagrad scales each coordinate by its own gradients."

    The Hessian XᵀX/n from the (linear) gradient; SGD's stability limit 2/λ_max is below the next grid rate (2),
    so its chosen rate is 1, and after 50 steps at it the rare coordinate holds most of SGD's error but not Adagrad's.
    """
    p = PROBLEMS["sparse_least_squares"]
    H = np.column_stack([p.grad(e) - p.grad(np.zeros(5)) for e in np.eye(5)])
    diag = np.diag(H)
    assert abs(diag[4] - 0.06) < 0.005 and 0.8 <= diag[:4].min() and diag[:4].max() <= 1.2
    assert 2 / np.linalg.eigvalsh(H).max() < 2.0 and tune("SGD", p.name).lr == 1.0
    sgd = run(SGD, p.grad, p.start, 50, lr=1.0) - p.x_min
    ada = run(Adagrad, p.grad, p.start, 50, lr=tune("Adagrad", p.name).lr) - p.x_min
    assert abs(sgd[-1, 4]) > 0.9 * np.linalg.norm(sgd[-1])
    assert abs(ada[-1, 4]) < 1e-3


def test_claim_comparison_noisy_jitter():
    """ "With noisy minibatch gradients** the gradients do not vanish at $\\theta^\\ast$, so every run ends jittering
    around it: no run ends closer than $5 \\times 10^{-4}$."

    A minibatch gradient at θ* is not zero; every method's chosen rate ends above 5e-4 on every seed.
    """
    noisy = PROBLEMS["noisy_least_squares"]
    assert np.linalg.norm(noisy.gradients(0)(noisy.x_min)) > 1e-2
    for method in PROTOCOL["methods"]:
        assert min(final for _, final in tune(method, noisy.name).per_seed) > 5e-4


def test_claim_comparison_decayed_cycle_shrinks():
    """ "It still jumps across the minimum at every step, but its distance is about $\\eta_t\\sqrt{2}/2$ and shrinks
    with $\\eta_t$."

    RMSprop with η_t = 1/t on the article's problem, steps 1000 to 2000: both coordinates change sign at every
    step, and the distance after step t is within 2 % of η_t·√2/2.
    """
    path = run(RMSprop, quadratic.grad, quadratic.start, 2000, lr=1.0, alpha=0.9, lr_schedule=lambda t: 1.0 / t)
    tail = path[1000:]
    assert (np.sign(tail[1:]) == -np.sign(tail[:-1])).all()
    t = np.arange(1000, 2001)
    np.testing.assert_allclose(np.linalg.norm(tail, axis=1), (1.0 / t) * np.sqrt(2) / 2, rtol=0.02)


def test_claim_comparison_no_choice_at_grid_edge():
    """ "No chosen rate lies at either end of the grid."

    Every tuned rate of the study against the grid's smallest and largest values.
    """
    grid = PROTOCOL["lr_grid"]
    for problem in PROTOCOL["problems"]:
        for method in PROTOCOL["methods"]:
            assert grid[0] < tune(method, problem).lr < grid[-1]


def test_claim_comparison_noise_level_chosen():
    """ "**Noise**: the noisy problem's targets have noise of standard deviation 0.05, picked so that some method can
    settle within the horizon: at 0.5 no method settles at any rate of the grid."

    The problem rebuilt with noise 0.05 is the study's (same θ*); with noise 0.5, every method and grid rate run on
    seed 0 (a rate that does not settle on one seed does not settle by the protocol) ends outside 0.01.
    """
    from rmsprop_ref.compare import grid_distances
    from rmsprop_ref.problems import _make_noisy_least_squares

    np.testing.assert_array_equal(_make_noisy_least_squares(noise=0.05).x_min, PROBLEMS["noisy_least_squares"].x_min)
    loud = _make_noisy_least_squares(noise=0.5)
    for method in PROTOCOL["methods"]:
        d = grid_distances(method, loud, PROTOCOL["lr_grid"], PROTOCOL["horizon"], seed=0)
        assert all(settle_step(d[:, j], PROTOCOL["tol"]) is None for j in range(d.shape[1])), method


def test_claim_comparison_tolerance_decides():
    """ "At a looser tolerance RMSprop looks much better: at 0.1 it settles on every problem but
    Rosenbrock, and on the noisy one before SGD (410 steps against 1058); at $10^{-3}$ it
    settles on none. Adagrad settles first on the five problems other than Rosenbrock at
    every tolerance where any method settles on them, and on Rosenbrock only SGD ever
    settles (at 0.1)."

    The protocol's runs (grid, horizon, seeds, fixed settings) ranked by `choose` at tol 0.1, 0.01 and 1e-3.
    Independently of `choose`, each method's best settle step over the grid (the worst over the seeds) is computed
    with settle_step directly, and "settles first" means strictly fewer steps than both other methods.
    """
    from rmsprop_ref.compare import choose, grid_distances

    grid, methods = PROTOCOL["lr_grid"], PROTOCOL["methods"]
    first = {}
    for name in PROTOCOL["problems"]:
        p = PROBLEMS[name]
        seeds = PROTOCOL["seeds"] if p.noisy else (0,)
        runs = {m: [grid_distances(m, p, grid, PROTOCOL["horizon"], s) for s in seeds] for m in methods}
        for tol in (0.1, 0.01, 0.001):
            chosen = {}
            for m in methods:
                best, settles, _ = choose(grid, runs[m], tol)
                chosen[m] = settles[best]
                # the chosen rate settles soonest of the grid: check against settle_step directly
                per_rate = [[settle_step(d[:, j], tol) for d in runs[m]] for j in range(len(grid))]
                fastest = [max(s) for s in per_rate if None not in s]
                assert chosen[m] == (min(fastest) if fastest else None)
            first[name, tol] = chosen
    rms_01 = {name: first[name, 0.1]["RMSprop"] for name in PROTOCOL["problems"]}
    assert [n for n, s in rms_01.items() if s is None] == ["rosenbrock"]
    noisy = first["noisy_least_squares", 0.1]
    assert (noisy["RMSprop"], noisy["SGD"]) == (410, 1058)
    assert all(first[name, 0.001]["RMSprop"] is None for name in PROTOCOL["problems"])
    for (name, tol), chosen in first.items():
        settled = {m: s for m, s in chosen.items() if s is not None}
        if name == "rosenbrock":
            assert settled == ({"SGD": 23} if tol == 0.1 else {})
        elif settled:
            others = [s for m, s in settled.items() if m != "Adagrad"]
            assert "Adagrad" in settled and all(settled["Adagrad"] < s for s in others)


def test_claim_comparison_rosenbrock_adagrad_stalls():
    """ "The steep walls' large gradients in
    its first 10 steps fill its sums, and from then on its effective rate stays where they
    left it, $4.8 \\times 10^{-4}$ for $\\theta_1$, less than a quarter of SGD's 0.002, for
    the remaining 1990 steps."

    Adagrad at its chosen rate on Rosenbrock: the final distances of the three tuned methods (Adagrad's the largest);
    Adagrad's effective rate per coordinate from step 10 to 2000 changes by less than 0.1 %, θ₁'s is 4.8e-4 (to 2 %)
    and below SGD's chosen rate / 4; at step 10 the sum already holds over 99.9 % of its final value.
    """
    p = PROBLEMS["rosenbrock"]
    finals = {m: tune(m, p.name).final for m in PROTOCOL["methods"]}
    assert max(finals, key=finals.get) == "Adagrad" and abs(finals["Adagrad"] - 0.34) < 0.005
    assert abs(finals["RMSprop"] - 0.12) < 0.005
    theta = p.start.astype(float).copy()
    opt = Adagrad(theta, lr=tune("Adagrad", p.name).lr)
    grad = p.gradients(0)
    rates, sums = [], []
    for _ in range(PROTOCOL["horizon"]):
        opt.step(grad(theta))
        rates.append(opt.effective_lr()[0].copy())
        sums.append(opt.state[0]["sum_sq"].copy())
    rates, sums = np.array(rates), np.array(sums)  # row k is step k + 1's
    assert (np.abs(rates[9:] / rates[9] - 1) < 1e-3).all()
    assert abs(rates[-1, 0] / 4.8e-4 - 1) < 0.02 and rates[-1, 0] < tune("SGD", p.name).lr / 4
    assert (sums[9] > 0.999 * sums[-1]).all()
