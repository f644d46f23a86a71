"""rmsprop_ref.dynamics: each prediction against an independent derivation.

The references: runs of the package's optimizers (themselves checked against torch),
numpy's eigenvalues of matrices written out here from the update rules, brute-force
searches over grids, and long simulations with a stated tolerance.
"""

import numpy as np
import pytest

from rmsprop_ref import SGD, Adagrad, RMSprop, rosenbrock, rotated_quadratic, run
from rmsprop_ref import dynamics as dy

H_D2L = [0.2, 4.0]  # d2l's 0.1θ₁² + 2θ₂²: curvatures 2·0.1 and 2·2


def _diag_grad(h):
    h = np.asarray(h, dtype=float)
    return lambda theta: h * theta


# ------------------------------------------------------------------ gradient descent
@pytest.mark.parametrize("lr", [0.1, 0.3, 0.49])
def test_gd_factor_is_what_sgd_multiplies_by(lr):
    h = np.array(H_D2L)
    path = run(SGD, _diag_grad(h), [1.0, -2.0], 30, lr=lr)
    np.testing.assert_allclose(path[30], dy.gd_factor(lr, h) ** 30 * [1.0, -2.0], rtol=1e-10)


def test_gd_stability_limit_from_runs():
    limit = dy.gd_max_stable_lr(H_D2L)
    assert limit == pytest.approx(2 / 4.0)
    below = run(SGD, _diag_grad(H_D2L), [1.0, 1.0], 500, lr=0.99 * limit)
    above = run(SGD, _diag_grad(H_D2L), [1.0, 1.0], 500, lr=1.01 * limit)
    assert np.abs(below[-1]).max() < 1e-2 and np.abs(above[-1]).max() > 10


def test_gd_best_rate_by_brute_force():
    h = [0.3, 1.7, 5.0]
    lrs = np.linspace(0.01, 0.39, 38001)  # step 1e-5
    q = np.abs(1 - lrs[:, None] * np.array(h)).max(axis=1)
    assert dy.gd_best_lr(h) == pytest.approx(lrs[np.argmin(q)], abs=2e-5)
    assert dy.gd_best_contraction(h) == pytest.approx(q.min(), abs=1e-4)
    assert dy.gd_contraction(0.2, h) == pytest.approx(max(abs(1 - 0.2 * x) for x in h))
    kappa = 5.0 / 0.3
    assert dy.condition_number(h) == pytest.approx(kappa)


def test_gd_contraction_is_the_fitted_rate():
    h = np.array(H_D2L)
    for lr in (0.1, dy.gd_best_lr(h), 0.45):
        d = np.linalg.norm(run(SGD, _diag_grad(h), [-5.0, -2.0], 200, lr=lr), axis=1)
        assert dy.fitted_contraction(d, 50, 150) == pytest.approx(dy.gd_contraction(lr, h), abs=1e-6)


def test_condition_number_of_a_hessian_matrix():
    H = np.array([[2.1, -1.9], [-1.9, 2.1]])
    assert dy.condition_number(H) == pytest.approx(4.0 / 0.2)


# ------------------------------------------------------------------ heavy ball
def _explicit_heavy_ball(lr, mu, h):
    """(θ, b) -> (θ', b') written out from sgd_update: b' = μb + hθ, θ' = θ − ηb'."""
    return np.array([[1 - lr * h, -lr * mu], [h, mu]])


@pytest.mark.parametrize(("lr", "mu", "h"), [(0.3, 0.5, 4.0), (0.67, 0.4, 0.2), (0.1, 0.9, 1.0), (1.2, 0.1, 2.0)])
def test_heavy_ball_matrix_reproduces_sgd_with_momentum(lr, mu, h):
    theta = np.array([1.5])
    opt = SGD(theta, lr=lr, momentum=mu)
    state = np.array([1.5, 0.0])  # b₀ = 0 gives torch's first buffer b₁ = g₁
    M = dy.heavy_ball_matrix(lr, mu, h)
    np.testing.assert_array_equal(M, _explicit_heavy_ball(lr, mu, h))
    for _ in range(25):
        opt.step(h * theta)
        state = M @ state
        assert theta[0] == pytest.approx(state[0], rel=1e-9, abs=1e-300)
        assert opt.state[0]["momentum_buffer"][0] == pytest.approx(state[1], rel=1e-9, abs=1e-300)


def test_heavy_ball_eigenvalues_are_numpys():
    rng = np.random.default_rng(0)
    for lr, mu, h in zip(rng.uniform(0, 2, 200), rng.uniform(0, 0.99, 200), rng.uniform(0.05, 5, 200)):
        ours = np.sort_complex(dy.heavy_ball_eigenvalues(lr, mu, h).ravel())
        theirs = np.sort_complex(np.linalg.eigvals(_explicit_heavy_ball(lr, mu, h)))
        np.testing.assert_allclose(ours, theirs, atol=1e-6)  # a double root is only 1e-8-accurate in eigvals


def test_heavy_ball_stability_limit_by_brute_force():
    h, mu = [0.5, 3.0], 0.6
    lrs = np.linspace(0.5, 1.5, 10001)
    radius = np.zeros(lrs.size)
    for x in h:
        M = np.stack([_explicit_heavy_ball(lr, mu, x) for lr in lrs])
        radius = np.maximum(radius, np.abs(np.linalg.eigvals(M)).max(axis=-1))
    last_stable = lrs[np.flatnonzero(radius < 1)[-1]]
    assert dy.heavy_ball_max_stable_lr(mu, h) == pytest.approx(last_stable, abs=2e-4)
    assert dy.heavy_ball_max_stable_lr(mu, h) == pytest.approx(2 * 1.6 / 3.0)


def test_heavy_ball_best_by_brute_force():
    h = H_D2L
    lrs, mus = np.meshgrid(np.linspace(0.5, 0.85, 351), np.linspace(0.3, 0.5, 201))
    q = np.zeros(lrs.shape)
    for x in h:  # numpy's eigenvalues of every grid point's explicit matrix, in one call
        M = np.stack([[1 - lrs * x, -lrs * mus], [np.full_like(lrs, x), mus]]).transpose(2, 3, 0, 1)
        q = np.maximum(q, np.abs(np.linalg.eigvals(M)).max(axis=-1))
    i = np.unravel_index(np.argmin(q), q.shape)
    lr, mu, best = dy.heavy_ball_best(h)
    assert best == pytest.approx(q[i], abs=2e-3)  # the grid's best is a little worse, never better
    assert best <= q[i] + 1e-12
    assert (lr, mu) == pytest.approx((lrs[i], mus[i]), abs=0.01)
    q = best
    kappa = 20.0
    assert q == pytest.approx((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1))
    assert dy.heavy_ball_contraction(lr, mu, h) == pytest.approx(q, abs=1e-7)


def test_heavy_ball_contraction_is_the_fitted_rate():
    h = np.array(H_D2L)
    for lr, mu in ((0.3, 0.4), (0.6, 0.9), (0.4, 0.7)):
        d = np.linalg.norm(run(SGD, _diag_grad(h), [-5.0, -2.0], 600, lr=lr, momentum=mu), axis=1)
        assert dy.fitted_contraction(d, 100, 500) == pytest.approx(dy.heavy_ball_contraction(lr, mu, h), abs=1e-3)


# ------------------------------------------------------------------ preconditioning, Adagrad
def test_hessian_is_the_hand_derived_one():
    theta = np.array([0.7, -0.3])
    # f = (1 − θ₁)² + 100(θ₂ − θ₁²)²: f₁₁ = 2 − 400θ₂ + 1200θ₁², f₁₂ = −400θ₁, f₂₂ = 200
    expected = [[2 - 400 * -0.3 + 1200 * 0.49, -400 * 0.7], [-400 * 0.7, 200]]
    np.testing.assert_allclose(dy.hessian(rosenbrock.grad, theta), expected, rtol=1e-6)


def test_preconditioned_contraction_against_iteration():
    H = np.array([[2.1, -1.9], [-1.9, 2.1]])
    rates = np.array([0.3, 0.2])
    theta, d = np.array([1.0, 0.5]), []
    for _ in range(400):
        theta = theta - rates * (H @ theta)
        d.append(np.linalg.norm(theta))
    assert dy.preconditioned_contraction(rates, H) == pytest.approx(dy.fitted_contraction(d, 100, 399), abs=1e-9)
    assert dy.preconditioned_contraction(rates, np.diag(H_D2L)) == pytest.approx(max(abs(1 - 0.3 * 0.2), 0.2 * 4 - 1))


def test_diagonal_rescaling_by_brute_force():
    for H in ([[2.1, -1.9], [-1.9, 2.1]], [[0.2, 0.0], [0.0, 4.0]], [[3.0, 1.0], [1.0, 0.5]]):
        H = np.array(H)
        r = np.geomspace(1e-3, 1e3, 20001)  # P = diag(1, r): only the ratio matters
        scaled = np.stack([[np.full_like(r, H[0, 0]), np.sqrt(r) * H[0, 1]], [np.sqrt(r) * H[0, 1], r * H[1, 1]]])
        eig = np.linalg.eigvalsh(scaled.transpose(2, 0, 1))
        best = (eig[:, 1] / eig[:, 0]).min()
        P, kappa = dy.diagonal_rescaling(H)
        assert kappa <= best * (1 + 1e-12) and kappa == pytest.approx(best, rel=1e-3)
        assert dy.condition_number(np.diag(P) ** 0.5 @ H @ np.diag(P) ** 0.5) == pytest.approx(kappa)


def test_adagrad_late_rate_is_its_frozen_rates():
    H = dy.hessian(rotated_quadratic.grad, np.zeros(2))
    theta = rotated_quadratic.start.copy()
    opt, d = Adagrad(theta, lr=1.0), [np.linalg.norm(theta)]
    for _ in range(300):
        opt.step(rotated_quadratic.grad(theta))
        d.append(np.linalg.norm(theta))
    rates = dy.adagrad_frozen_rates(1.0, opt.state[0]["sum_sq"])
    np.testing.assert_allclose(rates, opt.effective_lr()[0], rtol=1e-12)
    assert dy.preconditioned_contraction(rates, H) == pytest.approx(dy.fitted_contraction(d, 150, 300), abs=1e-6)


# ------------------------------------------------------------------ RMSprop's cycle
@pytest.mark.parametrize(
    ("lr", "h", "alpha", "eps", "steps"),
    # with alpha = 0.99 the amplitude still swings by 2 % at step 3000 and has settled by 8000
    [(0.1, 1.0, 0.9, 1e-8, 2000), (0.01, 4.0, 0.99, 1e-8, 8000), (0.1, 1.0, 0.9, 1e-3, 2000)],
)
def test_rmsprop_cycle_amplitude_from_a_long_run(lr, h, alpha, eps, steps):
    path = run(RMSprop, lambda th: h * th, [3.0], steps, lr=lr, alpha=alpha, eps=eps)
    tail = path[-50:, 0]
    assert np.all(np.sign(tail[1:]) == -np.sign(tail[:-1]))  # a 2-cycle across the minimum
    np.testing.assert_allclose(np.abs(tail), dy.rmsprop_cycle_amplitude(lr, h, eps), rtol=1e-6)


def test_rmsprop_cycle_distance_in_two_dimensions():
    path = run(RMSprop, _diag_grad(H_D2L), [-5.0, -2.0], 2000, lr=0.1, alpha=0.9)
    assert np.linalg.norm(path[-1]) == pytest.approx(dy.rmsprop_cycle_distance(0.1, H_D2L), rel=1e-6)
    assert dy.rmsprop_cycle_distance(0.1, H_D2L, eps=0) == pytest.approx(0.1 * np.sqrt(2) / 2)


# ------------------------------------------------------------------ Adam
def test_adam_limit_is_where_the_frozen_rate_map_loses_stability():
    beta1, h = 0.9, 2.0
    limit = dy.adam_max_stable_rate(h, beta1)
    assert limit == pytest.approx(19.0)

    def radius(r):  # (θ, m) -> (θ', m'): m' = β₁m + (1−β₁)hθ, θ' = θ − r·m'
        M = np.array([[1 - r * (1 - beta1) * h, -r * beta1], [(1 - beta1) * h, beta1]])
        return np.abs(np.linalg.eigvals(M)).max()

    assert radius(0.999 * limit) < 1 < radius(1.001 * limit)


# ------------------------------------------------------------------ noise
def test_sgd_stationary_variance_by_simulation():
    """3000 independent chains, 1000 steps, E θ² over the last 700: within 3 % of the formula."""
    rng = np.random.default_rng(0)
    h, var = 2.0, 0.25
    for lr in (0.05, 0.5, 0.9):
        theta = np.ones(3000)
        opt, acc = SGD(theta, lr=lr), []
        for t in range(1000):
            opt.step(h * theta + np.sqrt(var) * rng.normal(size=theta.size))
            if t >= 300:
                acc.append(np.mean(theta**2))
        assert np.mean(acc) == pytest.approx(dy.sgd_stationary_variance(lr, h, var), rel=0.03), lr


# ------------------------------------------------------------------ the fit and bad input
def test_fitted_contraction_of_a_geometric_sequence():
    d = 3.0 * 0.8 ** np.arange(50)
    assert dy.fitted_contraction(d, 5, 40) == pytest.approx(0.8, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dy.gd_factor(0.1, [1.0, -2.0]), "Invalid h: \\[1.0, -2.0\\]"),
        (lambda: dy.gd_best_lr([]), "Invalid h"),
        (lambda: dy.condition_number([[1.0, 2.0], [0.0, 1.0]]), "not symmetric"),
        (lambda: dy.sgd_stationary_variance(1.0, 2.0, 1.0), "Invalid lr: 1.0"),
        (lambda: dy.diagonal_rescaling(np.eye(3)), "takes a 2×2 Hessian, got shape \\(3, 3\\)"),
        (lambda: dy.diagonal_rescaling([[1.0, 2.0], [2.0, 1.0]]), "not positive definite"),
        (lambda: dy.fitted_contraction([1.0, 0.5, 0.0, 0.0], 0, 3), "must all be finite and > 0"),
        (lambda: dy.fitted_contraction([1.0, 0.5], 1, 5), "Invalid first, last: 1, 5"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
