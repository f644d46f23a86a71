"""rmsprop_ref.airfoil: the vectorised runs equal the optimizer classes, the gradients are exact,
the floor is the least-squares minimum, and d2l's setup matches torch.optim run the same way."""

import numpy as np
import pytest

from rmsprop_ref import airfoil as A
from rmsprop_ref import check_gradient
from rmsprop_ref.data import airfoil


def _reference(problem, method, lr, seeds, i, j, L, X, y, epochs, batch, fixed):
    """Seed i's run at one rate with the optimizer class, one step() per minibatch, on the same rows.

    Its gradient is taken at column (i, j) of a (P, S, L) array filled with its own θ: BLAS may
    round a matrix product's columns differently by their position, so the reference sits where
    the grid's column sits and gets the same bits from `gradient`; what is compared is then the
    optimizer's arithmetic, class against update function with an array of rates.
    """
    theta, _ = A.batch_order(seeds[i], problem, len(y), epochs)
    orders = np.stack([A.batch_order(s, problem, len(y), epochs)[1] for s in seeds], axis=1)
    opt = A.METHODS[method](theta, lr=lr, **fixed)
    for e in range(epochs):
        for k in range(len(y) // batch):
            idx = orders[e, :, k * batch : (k + 1) * batch]
            wide = np.repeat(np.repeat(theta[:, None, None], len(seeds), axis=1), L, axis=2)
            opt.step(A.gradient(problem, wide, X[idx], y[idx])[:, i, j])
    return theta


@pytest.mark.parametrize("problem", ["linear", "mlp"])
@pytest.mark.parametrize("method", list(A.METHODS))
def test_grid_columns_are_the_class_runs(problem, method):
    """Every (seed, rate) column of grid_runs is the optimizer class's run with that rate, bit for bit."""
    d = A.protocol_data()
    X, y = d["X"][:200], d["y"][:200]  # 20 steps per epoch: cheap, long enough for the states to matter
    lrs, seeds, fixed = (0.001, 0.02, 0.5), (3, 4), A.PROTOCOL["fixed"][method]
    thetas = A.grid_runs(problem, method, lrs, seeds, X, y, 2, 10)
    for i in range(len(seeds)):
        for j, lr in enumerate(lrs):
            ref = _reference(problem, method, lr, seeds, i, j, len(lrs), X, y, 2, 10, fixed)
            np.testing.assert_array_equal(thetas[-1, :, i, j], ref)


@pytest.mark.parametrize("problem", ["linear", "mlp"])
def test_gradient_of_a_column_alone(problem):
    """A column's gradient computed among 16 others equals it computed alone, up to rounding."""
    d = A.protocol_data()
    rng = np.random.default_rng(5)
    theta = rng.normal(0, 0.5, (A.PROBLEMS[problem], 2, 16))
    idx = np.stack([rng.permutation(1200)[:10] for _ in range(2)])
    wide = A.gradient(problem, theta, d["X"][idx], d["y"][idx])
    for i in range(2):
        for j in (0, 7, 15):
            alone = A.gradient(problem, theta[:, i : i + 1, j : j + 1], d["X"][idx[i : i + 1]], d["y"][idx[i : i + 1]])
            np.testing.assert_allclose(wide[:, i, j], alone[:, 0, 0], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("problem", ["linear", "mlp"])
def test_gradient_exact(problem):
    d = A.protocol_data()
    rng = np.random.default_rng(7)
    theta = A.init(problem, rng) + rng.normal(0, 0.5, A.PROBLEMS[problem])
    f, grad = A.flat(problem, d["X"][:40], d["y"][:40])
    assert check_gradient(f, grad, theta).ok
    wrong = lambda t: grad(t) * np.r_[np.ones(t.size - 1), 0.5]  # noqa: E731  the bias' gradient halved
    assert not check_gradient(f, wrong, theta).ok


def test_loss_by_hand():
    """The linear model's loss on two rows, written out."""
    X = np.array([[1.0, 0, 0, 0, 2], [0, 1, 0, 0, 0]])
    y = np.array([1.0, -1.0])
    theta = np.array([0.5, 0, 0, 0, 1, 0.25])  # w, b
    # ŷ = (0.5 + 2 + 0.25, 0.25) = (2.75, 0.25); residuals 1.75, 1.25; mean of ½r² = (1.53125 + 0.78125)/2
    assert A.loss("linear", theta.reshape(-1, 1, 1), X[None], y[None])[0, 0] == pytest.approx(1.15625)


def test_least_squares_floor_by_normal_equations():
    X, y = A.d2l_data()
    A1 = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.solve(A1.T @ A1, A1.T @ y)
    assert A.d2l_optimum() == pytest.approx(0.5 * np.mean((A1 @ coef - y) ** 2), rel=1e-12)
    # nothing ends below the floor
    assert min(v.min() for v in A.d2l_runs().values()) >= A.d2l_optimum()


def test_d2l_data_is_d2ls():
    pd = pytest.importorskip("pandas")
    raw = pd.DataFrame(airfoil())
    z = ((raw - raw.mean()) / raw.std(ddof=0)).to_numpy()[:1500]  # d2l: standardise all, keep 1500
    X, y = A.d2l_data()
    np.testing.assert_allclose(X, z[:, :5], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(y, z[:, 5], rtol=1e-12, atol=1e-13)


def test_protocol_split():
    d = A.protocol_data()
    assert d["held"].size == A.PROTOCOL["held_out"] and d["train"].size + d["held"].size == 1503
    assert not set(d["train"]) & set(d["held"])
    raw = airfoil()[d["train"]]
    np.testing.assert_allclose(d["X"].mean(axis=0), 0, atol=1e-12)  # training rows' statistics
    np.testing.assert_allclose(d["y"] * raw[:, 5].std() + raw[:, 5].mean(), raw[:, 5], rtol=1e-12)


@pytest.mark.parity
def test_d2l_setup_matches_torch():
    """d2l's loop in torch.optim (float64), on the rows batch_order gives, ends where d2l_runs ends."""
    torch = pytest.importorskip("torch")
    X, y = A.d2l_data()
    classes = {"SGD": torch.optim.SGD, "Adagrad": torch.optim.Adagrad, "RMSprop": torch.optim.RMSprop,
               "Adam": torch.optim.Adam}  # fmt: skip
    seed = 2
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # ops on 10 rows: threads only add overhead (3.9 s against 1.1 s here)
    try:
        _d2l_in_torch(torch, X, y, classes, seed)
    finally:
        torch.set_num_threads(threads)


def _d2l_in_torch(torch, X, y, classes, seed):
    for method, lr in A.D2L["lr"].items():
        theta0, order = A.batch_order(A.D2L["seeds"][seed], "linear", len(y), A.D2L["epochs"])
        w = torch.tensor(theta0[:5], requires_grad=True)
        b = torch.tensor(theta0[5:], requires_grad=True)
        opt = classes[method]([w, b], lr=lr, **A.D2L["fixed"][method])
        Xt, yt = torch.tensor(X), torch.tensor(y)
        for e in range(A.D2L["epochs"]):
            for k in range(len(y) // A.D2L["batch"]):
                idx = torch.tensor(order[e, k * 10 : (k + 1) * 10])
                opt.zero_grad()
                (0.5 * (Xt[idx] @ w + b - yt[idx]) ** 2).mean().backward()
                opt.step()
        with torch.no_grad():
            final = float((0.5 * (Xt @ w + b - yt) ** 2).mean())
        assert A.d2l_runs()[method][-1, seed] == pytest.approx(final, rel=1e-10)


def test_results_are_read_only():
    r = A.d2l_runs()["SGD"]
    with pytest.raises(ValueError):
        r[0, 0] = 1.0


def test_chosen_rates_inside_the_grid():
    """The protocol's grid is wide enough: no chosen rate sits at either end."""
    grid = A.PROTOCOL["lr_grid"]
    for r in A.study():
        assert grid[0] < r.lr < grid[-1], (r.problem, r.method, r.lr)
        assert r.grid_train[grid.index(r.lr)] == min(r.grid_train)
