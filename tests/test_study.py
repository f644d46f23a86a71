"""The study's machinery (rmsprop_ref.compare and the problems it adds), checked by hand and by identities."""

import math

import numpy as np
import pytest

from rmsprop_ref import PROBLEMS, SGD, Adagrad, Adam, RMSprop, d2l_quadratic, noisy_least_squares, run
from rmsprop_ref import rotated_quadratic as rotated
from rmsprop_ref.adam_study import adam_grid_distances, adam_grid_distances_per_seed, tune_adam
from rmsprop_ref.compare import (
    OPTIMIZERS,
    PROTOCOL,
    choose,
    distances,
    grid_distances,
    grid_distances_per_seed,
    rank_key,
    settle_step,
    tune,
)

R45 = np.sqrt(0.5) * np.array([[1.0, -1.0], [1.0, 1.0]])  # rotation by +45°


# -- the settle criterion -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("distance", "expected"),
    [
        ([5.0, 0.5, 0.001, 0.002], 2),  # inside from step 2 to the end
        ([0.001, 0.5, 0.001, 0.001], 2),  # touched at step 0, left at 1: settles only at 2
        ([0.001, 0.001, 0.001], 0),  # inside from the start
        ([5.0, 0.001, 0.001, 0.02], None),  # outside at the last step: never settles
        ([5.0, 0.01, 0.01], 1),  # the tolerance itself counts as inside (<=)
        ([5.0, np.nan, 0.001], 2),  # NaN is outside
        ([0.001, np.inf], None),
        ([], None),
    ],
)
def test_settle_step_on_hand_made_sequences(distance, expected):
    assert settle_step(np.array(distance, dtype=float), 0.01) == expected


def test_rank_key_orders_by_settle_then_final_then_lr():
    assert rank_key(5, 1e-3, 1.0) < rank_key(6, 1e-9, 0.1)  # sooner wins whatever the final distance
    assert rank_key(5, 1e-9, 1.0) < rank_key(5, 1e-3, 0.1)  # tie: closer at the end wins
    assert rank_key(5, 1e-9, 0.1) < rank_key(5, 1e-9, 1.0)  # full tie: the smaller rate
    assert rank_key(2000, 1.0, 1.0) < rank_key(None, 0.0, 1.0)  # settling beats not settling
    assert rank_key(None, 0.5, 1.0) < rank_key(None, np.nan, 0.1)  # a blown-up run is last


def test_choose_takes_the_worst_seed():
    # Two seeds, three rates. Rate 0 settles at 1 and 3 (worst 3); rate 1 at 2 on both;
    # rate 2 fails on seed 1. So rate 1 (worst case 2) is chosen.
    inside, out = 0.0, 1.0
    seed0 = np.array([[out, out, out], [inside, out, inside], [inside, inside, inside], [inside, inside, inside]])
    seed1 = np.array([[out, out, out], [out, out, inside], [out, inside, inside], [inside, inside, out]])
    best, settles, finals = choose([0.1, 0.2, 0.3], [seed0, seed1], tol=0.5)
    assert settles == [3, 2, None]
    assert finals == [0.0, 0.0, 1.0]
    assert best == 1


def test_tuning_sgd_on_the_quadratic_matches_the_closed_form():
    # SGD on f = θ₁² + 0.5·θ₂² (curvatures 2 and 1) has the closed form
    # θ_t = ((1 − 2η)^t · θ₀₁, (1 − η)^t · θ₀₂), so every rate's distance sequence, its settle
    # step and the best rate of the grid follow without running an optimizer.
    lrs = np.array(PROTOCOL["lr_grid"])
    t = np.arange(PROTOCOL["horizon"] + 1)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        closed = np.hypot(-4.5 * (1 - 2 * lrs) ** t, 4.5 * (1 - lrs) ** t)
    settles = [settle_step(closed[:, j], 1e-2) for j in range(lrs.size)]
    # By hand: at η = 0.5 the first coordinate is 0 after one step and the second halves,
    # 4.5·0.5^t <= 0.01 first at t = ceil(log2(450)) = 9; every other rate of the grid decays
    # by a factor max(|1 − 2η|, |1 − η|) >= 0.8 per step, or not at all.
    assert settles[list(lrs).index(0.5)] == math.ceil(math.log2(450)) == 9
    assert min(s for s in settles if s is not None) == 9
    tuned = tune("SGD", "quadratic")
    assert tuned.lr == 0.5 and tuned.settle == 9
    assert list(tuned.settles) == settles


# -- the vectorised runner is the reference optimizer, bit for bit ---------------------------


@pytest.mark.parametrize("method", OPTIMIZERS)
@pytest.mark.parametrize("problem", ["quadratic", "rotated_quadratic", "rosenbrock", "sparse_least_squares"])
def test_grid_columns_equal_single_runs(method, problem):
    lrs = (1e-3, 0.05, 0.5, 2.0)
    grid = grid_distances(method, PROBLEMS[problem], lrs, 150)
    for j, lr in enumerate(lrs):
        try:
            with np.errstate(all="ignore"):
                single = distances(method, PROBLEMS[problem], 150, lr=lr)
        except ValueError as exc:  # run() refuses a gradient that overflowed; the grid keeps going
            assert "non-finite" in str(exc)
            assert not np.isfinite(grid[-1, j])
            continue
        np.testing.assert_array_equal(grid[:, j], single)


@pytest.mark.parametrize("method", OPTIMIZERS)
def test_grid_columns_equal_single_runs_on_minibatches(method):
    lrs = (2e-3, 0.05, 0.2)
    grid = grid_distances(method, noisy_least_squares, lrs, 300, seed=3)
    for j, lr in enumerate(lrs):
        np.testing.assert_array_equal(grid[:, j], distances(method, noisy_least_squares, 300, lr=lr, seed=3))


@pytest.mark.parametrize("problem", ["rosenbrock", "noisy_least_squares"])
def test_seeds_side_by_side_are_each_seeds_runs(problem):
    # grid_distances_per_seed and adam_grid_distances_per_seed update every seed's columns in
    # one call (the tuning and the choosing page's horizon runs use them); each seed's array
    # must be that seed's own run, bit for bit, at rates that settle, oscillate and overflow.
    p, lrs, seeds = PROBLEMS[problem], (2e-3, 0.05, 0.5, 10.0), (4, 0, 2)
    for method in OPTIMIZERS:
        together = grid_distances_per_seed(method, p, lrs, 250, seeds)
        assert len(together) == len(seeds)
        for seed, d in zip(seeds, together, strict=True):
            np.testing.assert_array_equal(d, grid_distances(method, p, lrs, 250, seed), err_msg=f"{method} {seed}")
    for amsgrad in (False, True):
        together = adam_grid_distances_per_seed(p, lrs, 250, seeds, amsgrad=amsgrad)
        for seed, d in zip(seeds, together, strict=True):
            np.testing.assert_array_equal(d, adam_grid_distances(p, lrs, 250, seed, amsgrad=amsgrad))


@pytest.mark.parametrize("problem", ["sparse_least_squares", "noisy_least_squares"])
def test_least_squares_batch_gradient_is_each_columns(problem):
    # A batch's gradient is one stacked matmul (problems._least_squares_grad), not a loop over
    # the columns; each column must still be the single point's gradient, bit for bit, on
    # points of very different scales, for the full gradient and for a sampler's minibatches
    # (two samplers of one seed draw the same minibatches).
    p = PROBLEMS[problem]
    rng = np.random.default_rng(7)
    W = rng.normal(size=(5, 40)) * 10.0 ** rng.integers(-8, 9, size=40)
    W[:, 0] = p.x_min
    batch = p.grad(W)
    assert batch.shape == W.shape
    for j in range(W.shape[1]):
        np.testing.assert_array_equal(batch[:, j], p.grad(W[:, j]))
    samplers = [p.gradients(3) for _ in range(W.shape[1] + 1)]  # the same minibatches, one sampler per column
    for _ in range(120):  # past the noisy problem's epoch of 100 minibatches: a new shuffle too
        g = samplers[0](W)
        for j in range(W.shape[1]):
            np.testing.assert_array_equal(g[:, j], samplers[j + 1](W[:, j]))


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("problem", ["quadratic", "rosenbrock", "sparse_least_squares", "noisy_least_squares"])
def test_adam_grid_columns_equal_single_runs(problem, amsgrad):
    # The Adam study (rmsprop_ref.adam_study, docs/choosing.md) runs the whole grid at once;
    # each column must be exactly run(Adam, ...) at that rate, whose defaults are torch's.
    lrs = PROTOCOL["lr_grid"]
    p = PROBLEMS[problem]
    grid = adam_grid_distances(p, lrs, 300, seed=3, amsgrad=amsgrad)
    for j, lr in enumerate(lrs):
        path = run(Adam, p.gradients(3), p.start, 300, lr=lr, amsgrad=amsgrad)
        np.testing.assert_array_equal(grid[:, j], np.linalg.norm(path - p.x_min, axis=1))


def test_adam_per_seed_results_are_those_of_single_runs():
    # The chosen rate's settle step and final distance per seed, as run(Adam, ...) gives them;
    # the reported settle step is the worst seed's, as for the other methods.
    tol, horizon, p = PROTOCOL["tol"], PROTOCOL["horizon"], noisy_least_squares
    tuned = tune_adam("noisy_least_squares")
    assert len(tuned.per_seed) == len(PROTOCOL["seeds"])
    for seed, (settle, final) in zip(PROTOCOL["seeds"], tuned.per_seed):
        d = np.linalg.norm(run(Adam, p.gradients(seed), p.start, horizon, lr=tuned.lr) - p.x_min, axis=1)
        assert (settle, final) == (settle_step(d, tol), d[-1])
    assert tuned.settle == max(s for s, _ in tuned.per_seed)


def test_distances_uses_the_protocols_rmsprop_decay():
    # α = 0.9 for RMSprop, as the protocol states: the first step moves θ₁ by η/√(1 − 0.9)
    # (up to ε = 1e-8 in the denominator).
    d = distances("RMSprop", PROBLEMS["quadratic"], 1, lr=0.1)
    path = run(RMSprop, PROBLEMS["quadratic"].grad, PROBLEMS["quadratic"].start, 1, lr=0.1, alpha=0.9)
    assert d[1] == np.linalg.norm(path[1])
    assert abs(path[1][0] - (-4.5 + 0.1 / math.sqrt(0.1))) < 1e-8


def test_unknown_method_is_refused_by_name():
    with pytest.raises(ValueError, match="'Adam2'"):
        grid_distances("Adam2", PROBLEMS["quadratic"], (0.1,), 3)


# -- the problems the study adds ------------------------------------------------------------


def test_rotated_quadratic_is_d2l_turned_by_45_degrees():
    rng = np.random.default_rng(0)
    for theta in rng.normal(size=(5, 2)) * 3:
        assert rotated.f(theta) == pytest.approx(d2l_quadratic.f(R45.T @ theta), rel=1e-12)
        np.testing.assert_allclose(rotated.grad(theta), R45 @ d2l_quadratic.grad(R45.T @ theta), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rotated.start, R45 @ d2l_quadratic.start, rtol=1e-15)
    # Hessian R·diag(0.2, 4)·Rᵀ: the gradient is linear, so its columns are the Hessian's
    hessian = np.column_stack([rotated.grad(e) for e in np.eye(2)])
    np.testing.assert_allclose(hessian, R45 @ np.diag([0.2, 4.0]) @ R45.T, atol=1e-12)


def test_gradient_descent_does_not_see_the_rotation():
    # SGD commutes with rotations: its path on the rotated problem is d2l's path, turned.
    a = run(SGD, d2l_quadratic.grad, d2l_quadratic.start, 100, lr=0.2)
    b = run(SGD, rotated.grad, rotated.start, 100, lr=0.2)
    np.testing.assert_allclose(b, a @ R45.T, atol=1e-12)


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=lambda p: p.name)
def test_a_batch_of_points_gets_each_points_numbers(problem):
    rng = np.random.default_rng(2)
    batch = problem.x_min[:, None] + rng.normal(size=(problem.dim, 4))
    grads = problem.grad(batch)
    for j in range(4):
        np.testing.assert_array_equal(grads[:, j], problem.grad(batch[:, j]))
        assert problem.f(batch)[j] == pytest.approx(problem.f(batch[:, j]), rel=1e-14)


def test_minibatch_gradients_are_reproducible_per_seed():
    theta = noisy_least_squares.start + 0.3
    a, b, c = (noisy_least_squares.gradients(s) for s in (7, 7, 8))
    seq_a = [a(theta) for _ in range(250)]  # past two epochs, so a reshuffle is included
    seq_b = [b(theta) for _ in range(250)]
    seq_c = [c(theta) for _ in range(250)]
    np.testing.assert_array_equal(seq_a, seq_b)
    assert not np.array_equal(seq_a, seq_c)
    assert noisy_least_squares.noisy and not PROBLEMS["quadratic"].noisy
    assert PROBLEMS["quadratic"].gradients(7) is PROBLEMS["quadratic"].grad


def test_minibatch_gradient_is_unbiased():
    # Each epoch cuts a shuffle of the 1000 rows into 100 batches of 10, so the mean of an
    # epoch's batch gradients is the full gradient, at any point: an identity, not a statistic.
    grad = noisy_least_squares.gradients(5)
    rng = np.random.default_rng(9)
    for _ in range(3):  # three epochs, three points
        theta = rng.normal(size=5)
        mean = np.mean([grad(theta) for _ in range(100)], axis=0)
        np.testing.assert_allclose(mean, noisy_least_squares.grad(theta), rtol=1e-12, atol=1e-12)
    # and the estimate is noisy: at the minimum a single batch's gradient is not zero
    assert np.linalg.norm(grad(noisy_least_squares.x_min)) > 1e-3


def test_noisy_problem_refuses_a_batch_that_does_not_divide_the_rows():
    from rmsprop_ref.problems import _make_noisy_least_squares

    with pytest.raises(ValueError, match="batch: 7"):
        _make_noisy_least_squares(n=1000, batch=7)


def test_noisy_problem_is_tuned_over_every_seed():
    tuned = tune("Adagrad", "noisy_least_squares")
    assert len(tuned.per_seed) == len(PROTOCOL["seeds"])
    assert tuned.settle == max(s for s, _ in tuned.per_seed)
    assert tuned.final == max(f for _, f in tuned.per_seed)


def test_every_method_and_problem_is_in_the_protocol():
    assert set(PROTOCOL["problems"]) == set(PROBLEMS)
    assert set(PROTOCOL["methods"]) == set(OPTIMIZERS) == set(PROTOCOL["fixed"])
    grid = PROTOCOL["lr_grid"]
    assert list(grid) == sorted(grid) and len(set(grid)) == len(grid)
    assert Adagrad in OPTIMIZERS.values()
