"""Claims on the Adagrad page (docs/adagrad.md), each measured with the package against the
numbers its sentence prints (the `claim` fixture reads them from the page; tests/claims.py)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import numpy as np

from conftest import load_file, require
from rmsprop_ref import SGD, Adagrad, RMSprop, quadratic, run

ROOT = Path(__file__).resolve().parents[1]

ARTICLE = {"lr": 1.0, "alpha": 0.9}  # the page's settings; checked against compare.ARTICLE below


def _paths(steps, start=None, lr=None):
    start = quadratic.start if start is None else np.asarray(start, dtype=float)
    lr = ARTICLE["lr"] if lr is None else lr
    return (
        run(Adagrad, quadratic.grad, start, steps, lr=lr),
        run(RMSprop, quadratic.grad, start, steps, lr=lr, alpha=ARTICLE["alpha"]),
    )


def test_the_page_uses_the_articles_settings():
    from rmsprop_ref import compare

    assert compare.ARTICLE["lr"] == ARTICLE["lr"] and compare.ARTICLE["alpha"] == ARTICLE["alpha"]


def test_claim_adagrad_small_rate_not_small_step(claim):
    """At the article's start the gradients are the printed ones. After the first step the
    coordinate with the larger gradient has the smaller rate (effective_lr), yet both moved by
    the same amount, η; and, "measured against their own history": multiplying a coordinate's
    whole gradient history by 100 leaves its Adagrad steps unchanged (to 1e-9), while SGD's
    grow 100-fold."""
    claim.unused("2011", why="the year of Duchi, Hazan and Singer's paper")
    g = quadratic.grad(quadratic.start)
    claim.num("-9").check(g[0])
    claim.num("4.5").check(g[1])
    theta = quadratic.start.copy()
    opt = Adagrad(theta, lr=1.0)
    opt.step(g)
    rate = opt.effective_lr()[0]
    assert rate[0] < rate[1]  # |g₁| = 9 > |g₂| = 4.5: a smaller rate
    move = np.abs(theta - quadratic.start)
    np.testing.assert_allclose(move, 1.0, rtol=1e-9)  # ... and the same step, η
    history = np.random.default_rng(0).normal(size=(50, 1))
    for cls in (Adagrad, SGD):
        paths = []
        for scale in (1.0, 100.0):
            theta = np.zeros(1)
            opt = cls(theta, lr=0.1, **({"eps": 1e-300} if cls is Adagrad else {}))
            steps = []
            for h in history:
                before = theta.copy()
                opt.step(scale * h)
                steps.append(theta - before)
            paths.append(np.array(steps))
        if cls is Adagrad:
            np.testing.assert_allclose(paths[1], paths[0], rtol=1e-9)
        else:
            np.testing.assert_allclose(paths[1], 100 * paths[0], rtol=1e-9)


def _drawn_paths(fig) -> list[np.ndarray]:
    """The paths a trajectories figure draws: each panel's line of more than two points, as (t, 2)."""
    out = []
    for ax in fig.axes:
        (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
        out.append(np.column_stack([line.get_xdata(), line.get_ydata()]))
    return out


def test_claim_adagrad_trajectories_figure(claim):
    """Read from the figure the page shows (rmsprop_ref.figures.trajectories, its drawn lines):
    its contours are of quadratic.f (the coefficient measured from f), each path has the printed
    start and number of steps; the learning rate is measured as Adagrad's first move, α from
    RMSprop's first move η/√(1 − α). Every drawn point has |θ₁ + θ₂| < 1e-5 (on the line) and θ₁
    moves monotonically towards 0 until within 1e-3; Adagrad's step lengths decrease at every
    step and its distance at the end rounds to the printed one; RMSprop's first step is longer
    and its distance at the printed step is below the printed bound."""
    require("matplotlib")
    from rmsprop_ref import figures

    claim.num("0.5").check(quadratic.f(np.array([0.0, 1.0])))
    ada, rms = _drawn_paths(figures.trajectories())
    for path in (ada, rms):
        claim.num("30 steps from").check(len(path) - 1)
        claim.num("-4.5").check(path[0, 0])
        claim.num("4.5").check(path[0, 1])
        assert np.max(np.abs(path[:, 0] + path[:, 1])) < 1e-5
        visible = np.abs(path[:, 0]) > 1e-3
        assert np.all(np.diff(path[visible, 0]) > 0)  # from -4.5 up towards 0, never back
    ada_steps = np.linalg.norm(np.diff(ada, axis=0), axis=1)
    rms_steps = np.linalg.norm(np.diff(rms, axis=0), axis=1)
    lr = np.abs(ada[1, 0] - ada[0, 0])  # Adagrad's first step is η in each coordinate
    claim.num("learning rate 1").check(lr)
    claim.num("α = 0.9").check(1 - (lr / np.abs(rms[1, 0] - rms[0, 0])) ** 2)
    assert np.all(np.diff(ada_steps) < 0)
    claim.num("0.09").check(np.linalg.norm(ada[-1]))
    claim.num("after 30 steps").check(len(ada) - 1)
    assert rms_steps[0] > ada_steps[0]
    k = int(claim.num("step 10").value)
    claim.num("1e-8").below(np.linalg.norm(rms[k]))


def test_claim_adagrad_rmsprop_leaves_the_origin(claim):
    """RMSprop with the article's settings: it comes within 1e-11 of the origin first, and its
    distance at the printed step rounds to the printed one."""
    steps = int(claim.num("step 50").value)
    _, rms = _paths(steps)
    d = np.linalg.norm(rms, axis=1)
    assert d[:steps].min() < 1e-11
    claim.num("1.8").check(d[steps])


def test_claim_adagrad_diagonal_because_symmetric_and_scale_free(claim):
    """The mechanism, checked part by part: (1) the first step of each method moves both
    coordinates by the same amount although the gradients are -9 and 4.5; (2) scale-free:
    each coordinate's path does not depend on its curvature, so from the symmetric start the
    path stays on θ₂ = −θ₁ also when the curvatures are d2l's 0.1 and 2 instead of 1 and 0.5;
    (3) the start matters: from (-4.5, 2) the path leaves the line through the start and the
    origin (θ₁/θ₂ changes by more than 0.3); (4) gradient descent, which is not scale-free,
    leaves the diagonal from the same symmetric start."""
    assert "scale-free" in claim.text and not claim.numbers
    ada, rms = _paths(1)
    for path in (ada, rms):
        move = np.abs(path[1] - path[0])
        assert abs(move[0] - move[1]) < 1e-7 * move[0]  # equal up to eps

    def grad_d2l_curvatures(theta):
        return np.array([0.2 * theta[0], 4.0 * theta[1]])

    for path in (
        run(Adagrad, grad_d2l_curvatures, quadratic.start, 30, lr=1.0),
        run(RMSprop, grad_d2l_curvatures, quadratic.start, 30, lr=1.0, alpha=0.9),
    ):
        assert np.max(np.abs(path[:, 0] + path[:, 1])) < 1e-5
    for path in _paths(8, (-4.5, 2.0)):
        ratio = path[:, 0] / path[:, 1]
        assert np.ptp(ratio) > 0.3
    sgd = run(SGD, quadratic.grad, quadratic.start, 5, lr=0.3)
    assert np.max(np.abs(sgd[:, 0] + sgd[:, 1])) > 1


def test_claim_adagrad_effective_lr_figure(claim):
    """Read from the figure the page shows (rmsprop_ref.figures.effective_lr, its drawn
    lines): each curve has the printed number of steps; the first (Adagrad) starts at the
    printed rate, never rises, ends at the printed one and changes by less than 0.5 % over its
    last 10 steps ("flattens"); the second (RMSprop) rises at every step from the printed
    start to the printed end. The cause, from the package's run: v of θ₁ falls at every step
    after the first, from step 4 on every g² is below 1 % of g₁² = 81, and over the last 20
    steps v falls by the factor α per step to 1e-6 relative, that is, it only forgets."""
    require("matplotlib")
    from rmsprop_ref import figures

    fig = figures.effective_lr()
    lines = [line for line in fig.axes[0].get_lines() if len(line.get_ydata()) > 2]
    ada, rms = (np.asarray(line.get_ydata()) for line in lines[:2])
    steps = claim.num("over 30 steps")
    steps.check(len(ada))
    steps.check(len(rms))
    claim.num("0.11").check(ada[0])
    assert np.all(np.diff(ada) <= 0)
    claim.num("0.062").check(ada[-1])
    assert abs(ada[-1] / ada[-11] - 1) < 0.005
    assert np.all(np.diff(rms) > 0)
    claim.num("0.35").check(rms[0])
    claim.num("1.54").check(rms[-1])
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=ARTICLE["lr"], alpha=ARTICLE["alpha"])
    v, g_sq = [], []
    for _ in range(len(rms)):
        g = quadratic.grad(theta)
        g_sq.append(g[0] ** 2)
        opt.step(g)
        v.append(opt.state[0]["square_avg"][0])
    v, g_sq = np.array(v), np.array(g_sq)
    assert np.all(np.diff(v) < 0) and np.all(g_sq[3:] < 0.01 * g_sq[0])
    np.testing.assert_allclose(v[11:] / v[10:-1], ARTICLE["alpha"], rtol=1e-6)


def test_claim_adagrad_lazy_equals_dense(claim):
    """ "For RMSprop or Adam a lazy update would change the result: a
    dense step decays $v_t$ where the gradient is zero, a lazy one leaves it, so later steps
    differ."

    Together with the sentence before it (Adagrad's result unchanged): a lazy update is
    simulated by stepping a separate optimizer for the coordinate only on the steps where
    its gradient is nonzero. For Adagrad (lr_decay 0, no weight decay) the dense and lazy
    paths are identical; for RMSprop the dense step at a zero gradient shrinks v by α and
    the paths then differ by more than 1e-3.
    """
    assert not claim.numbers
    grads = np.array([1.0, 0.0, 0.0, 0.0, 2.0, 0.0, -1.0, 0.0, 0.5])

    def dense_and_lazy(opt_class, **kw):
        dense, lazy = np.zeros(1), np.zeros(1)
        opt_dense, opt_lazy = opt_class(dense, **kw), opt_class(lazy, **kw)
        for g in grads:
            opt_dense.step(np.array([g]))
            if g != 0:
                opt_lazy.step(np.array([g]))
        return dense[0], lazy[0]

    d, lz = dense_and_lazy(Adagrad, lr=0.1)
    assert d == lz
    d, lz = dense_and_lazy(RMSprop, lr=0.1, alpha=0.9)
    assert abs(d - lz) > 1e-3
    theta = np.zeros(1)
    rms = RMSprop(theta, lr=0.1, alpha=0.9)
    rms.step(np.array([1.0]))
    before = rms.state[0]["square_avg"].copy()
    rms.step(np.array([0.0]))
    assert np.isclose(rms.state[0]["square_avg"][0], 0.9 * before[0])


@functools.cache
def _page():
    """The page's sparse_data, train and best_errors, from its blocks as pytest-codeblocks
    extracts them (the docs tests run the same blocks); only imports and defs are run."""
    blocks = load_file(ROOT / "conftest.py", "root_conftest_for_adagrad_claims")
    namespace: dict = {}
    loops = []
    for block in blocks.python_blocks(ROOT / "docs" / "adagrad.md"):
        tree = ast.parse(blocks.shown_code(block))
        loops += [n for n in ast.walk(tree) if isinstance(n, ast.For) and ast.unparse(n.target) == "seed"]
        tree.body = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef))]
        exec(compile(tree, "adagrad.md", "exec"), namespace)
    (loop,) = loops  # for seed in range(N): the page's data sets
    namespace["n_sets"] = ast.literal_eval(loop.iter.args[0])
    return namespace


def _stacked_train(opt_class, lr, Xs, ys, epochs, order_seeds, batch=10):
    """The page's `train` for many data sets at once (one row of θ each, same arithmetic per
    row); a row whose gradient turns non-finite is dropped, as the page's best_errors drops a
    run the package refuses. Returns θ (rows) and which rows stayed finite."""
    k, n, d = Xs.shape
    theta = np.zeros((k, d))
    opt = opt_class(theta, lr=lr)
    orders = [np.random.default_rng(s) for s in order_seeds]
    alive = np.ones(k, dtype=bool)
    rows = np.arange(k)[:, None]
    for _ in range(epochs):
        # the page's np.array_split(order, n // batch), whose parts are equal here (np.stack
        # needs them so): one reshape gives the same batches without 100 part copies each
        batches = np.stack([o.permutation(n).reshape(n // batch, -1) for o in orders], axis=1)
        for B in batches:  # B: (k, batch) row indices
            Xb, yb = Xs[rows, B], ys[rows, B]
            with np.errstate(all="ignore"):
                g = np.einsum("kbd,kb->kd", Xb, np.einsum("kbd,kd->kb", Xb, theta) - yb) / batch
            alive &= np.all(np.isfinite(g), axis=1)
            g[~alive] = 0.0
            opt.step(g)
    return theta, alive


@functools.cache
def _data():
    ns = _page()
    sets = [ns["sparse_data"](seed) for seed in range(ns["n_sets"])]
    return tuple(np.stack(parts) for parts in zip(*sets))  # Xs, ys, theta_stars


#: The minibatch-order offsets of test_claim_adagrad_sparse_demo_order_sensitive ("five choices").
OFFSETS = tuple(range(0, 500, 100))


@functools.cache
def _trained(opt_class, lr, epochs, offsets):
    """`_stacked_train` on the page's data sets once per offset (data set k's order drawn from
    seed k + offset), every offset in one run: {offset: (θ, alive)}. The rows are independent,
    so each offset's rows are its own run's, bit for bit; memoised per rate, so a wider grid
    reuses the page grid's runs."""
    Xs, ys, _ = _data()
    k, m = len(ys), len(offsets)
    seeds = [s + offset for offset in offsets for s in range(k)]
    theta, alive = _stacked_train(opt_class, lr, np.concatenate([Xs] * m), np.concatenate([ys] * m), epochs, seeds)
    return {offset: (theta[i * k : (i + 1) * k], alive[i * k : (i + 1) * k]) for i, offset in enumerate(offsets)}


@functools.cache
def _best(opt_class, epochs, offset, grid):
    """Per data set: |θ - θ*| at the grid's rate with the smallest ‖θ - θ*‖, and that rate."""
    *_, stars = _data()
    errs, ok = [], []
    for lr in grid:
        theta, alive = _trained(opt_class, lr, epochs, OFFSETS if offset in OFFSETS else (offset,))[offset]
        errs.append(np.abs(theta - stars))
        ok.append(alive)
    errs, ok = np.array(errs), np.array(ok)  # (grid, sets, 5)
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.where(ok, np.linalg.norm(errs, axis=2), np.inf)
    pick = np.argmin(norms, axis=0)  # the first of equals, as min() on the page
    return errs[pick, np.arange(len(pick))], np.asarray(grid)[pick]


def _counts(epochs, offset=0, grid=None):
    """(rare, overall): on how many data sets Adagrad ends closer than SGD."""
    grid = tuple(_page_grid() if grid is None else grid)
    sgd, _ = _best(SGD, epochs, offset, grid)
    ada, _ = _best(Adagrad, epochs, offset, grid)
    with np.errstate(over="ignore", invalid="ignore"):
        overall = np.linalg.norm(ada, axis=1) < np.linalg.norm(sgd, axis=1)
    return int(np.sum(ada[:, 4] < sgd[:, 4])), int(np.sum(overall))


def _page_grid():
    import inspect

    return inspect.signature(_page()["best_errors"]).parameters["grid"].default


def test_stacked_train_is_the_pages_train():
    """The vectorised runs above reproduce the page's own functions, run one data set at a time."""
    ns = _page()
    X, y, theta_star = ns["sparse_data"](3)
    for cls in (SGD, Adagrad):
        for epochs in (1, 3):
            errs, lr = ns["best_errors"](cls, X, y, theta_star, epochs, 3 + 100)
            ours, ours_lr = _best(cls, epochs, 100, tuple(_page_grid()))
            assert lr == ours_lr[3]
            np.testing.assert_allclose(ours[3], errs, rtol=1e-9, atol=1e-12)


def test_claim_adagrad_sparse_demo_wider_grid(claim):
    """The page's functions (taken from its blocks; vectorised over its data sets) on its data
    sets and minibatch orders: with the page's grid, Adagrad closer on the rare coordinate on
    the printed count after one pass and on half after three, and over all five coordinates on
    at least 90 % ("nearly every"); its best rate is the grid's largest on some data set. With
    the printed rate added to the grid: the printed counts after one and three passes ("the same
    picture": most after one, between a third and two thirds after three), and over all five
    still nearly every one."""
    n = _page()["n_sets"]
    for total in claim.nums(r"of (?:the )?(20)"):
        total.check(n)
    one, three = _counts(1), _counts(3)
    claim.num("on 17 of the").check(one[0])
    assert three[0] == n / 2 and min(one[1], three[1]) >= 0.9 * n
    grid = _page_grid()
    claim.num("largest, 3").check(max(grid))
    assert any(max(grid) in _best(Adagrad, e, 0, tuple(grid))[1] for e in (1, 3))
    wide = (*grid, claim.num("with 10 added").value)
    one, three = _counts(1, grid=wide), _counts(3, grid=wide)
    claim.num(r"on (17) and").check(one[0])
    claim.num(r"and (12) of").check(three[0])
    assert one[0] > n / 2 and n / 3 <= three[0] <= 2 * n / 3 and min(one[1], three[1]) >= 0.9 * n


def test_claim_adagrad_sparse_demo_order_sensitive(claim):
    """The page's functions with the minibatch order of data set k drawn from seed k + offset,
    offset 0 (the page's), 100, 200, 300, 400 ("five choices"): the rare-coordinate counts span
    exactly the printed ranges after one pass and after three, and every all-five count lies in
    the printed range with both ends reached; all out of the page's number of data sets."""
    n = _page()["n_sets"]
    for total in claim.nums(r"of (20)"):
        total.check(n)
    ones = [_counts(1, offset) for offset in OFFSETS]
    threes = [_counts(3, offset) for offset in OFFSETS]
    claim.num(r"(15) to").check(min(r for r, _ in ones))
    claim.num(r"to (19)").check(max(r for r, _ in ones))
    claim.num(r"(9) to").check(min(r for r, _ in threes))
    claim.num(r"to (14)").check(max(r for r, _ in threes))
    overall = [o for _, o in ones + threes]
    claim.num(r"(17) to").check(min(overall))
    claim.num(r"to (20) over").check(max(overall))


def test_claim_adagrad_same_first_step_converges(claim):
    """At the printed η (α 0.9 for RMSprop) RMSprop's first step is the printed multiple of
    Adagrad's; the η that gives Adagrad RMSprop's first step is √10 and rounds to the printed
    value; at that η Adagrad's distance at the printed steps is below the printed bounds
    (tight to the power of ten)."""
    eta = claim.num("η = 1").value
    ada, rms = _paths(1, lr=eta)
    ratios = np.abs(rms[1] - rms[0]) / np.abs(ada[1] - ada[0])
    for r in ratios:
        claim.num(r"is (3.16) times").check(r)
    root = claim.num(r"\\sqrt\{(10)\}").value
    same_lr = eta * ratios[0]
    np.testing.assert_allclose(same_lr, np.sqrt(root), rtol=1e-7)
    claim.num(r"\\approx (3.16)").check(same_lr)
    at_10, at_30 = int(claim.num("step 10").value), int(claim.num("step 30").value)
    same = run(Adagrad, quadratic.grad, quadratic.start, at_30, lr=same_lr)
    np.testing.assert_allclose(np.abs(same[1] - same[0]), np.abs(rms[1] - rms[0]), rtol=1e-7)
    claim.num("10^{-4}").below(np.linalg.norm(same[at_10]))
    claim.num("10^{-13}").below(np.linalg.norm(same[at_30]))


def test_claim_adagrad_step_grows_but_below_lr(claim):
    """ "Learning does not stop, though: the step is $\\eta\\, g_t/(\\sqrt{s_t}+\\epsilon)$,
    which grows with $|g_t|$ if the gradients grow again, though never past $\\eta$, since
    $s_t \\ge g_t^2$."

    After the same 50 random gradients, the next step's length rises with |g| over a range
    of gradient sizes (1e-3 to 1e6, strictly increasing) and stays below η = 0.5; on 2000
    random steps of heavy-tailed gradients (with s₀ = 0 and 0.1), every step is below η and
    s_t ≥ g_t² holds in the state.
    """
    assert not claim.numbers
    rng = np.random.default_rng(3)
    history = rng.normal(size=50)
    sizes = np.logspace(-3, 6, 40)
    steps = []
    for size in sizes:
        theta = np.zeros(1)
        opt = Adagrad(theta, lr=0.5)
        for g in history:
            opt.step(np.array([g]))
        before = theta[0]
        opt.step(np.array([size]))
        steps.append(before - theta[0])
    steps = np.array(steps)
    assert np.all(np.diff(steps) > 0) and np.all(steps < 0.5)
    for s0 in (0.0, 0.1):
        theta = np.zeros(4)
        opt = Adagrad(theta, lr=0.5, initial_accumulator_value=s0)
        for g in rng.standard_cauchy(size=(2000, 4)):
            before = theta.copy()
            opt.step(g)
            assert np.all(np.abs(before - theta) < 0.5)
            assert np.all(opt.state[0]["sum_sq"] >= g**2)
