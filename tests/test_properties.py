"""Property tests: identities that hold for every input hypothesis can think of."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rmsprop_ref import Adagrad, RMSprop, _base, ewma

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
series = hnp.arrays(np.float64, st.integers(1, 80), elements=finite)
betas = st.floats(0.0, 0.999)


@given(c=finite, n=st.integers(1, 200), beta=betas)
def test_bias_corrected_ewma_of_constant_is_constant(c, n, beta):
    out = ewma(np.full(n, c), beta, bias_correction=True)
    np.testing.assert_allclose(out, c, rtol=1e-9, atol=1e-12)


@given(x=series, beta=betas)
def test_bias_corrected_ewma_within_running_min_max(x, beta):
    # A convex combination of x_1..x_t (weights ∝ β^k summing to 1) lies between their min and max.
    v = ewma(x, beta, bias_correction=True)
    tol = 1e-9 * (1 + np.abs(x).max())
    assert np.all(v >= np.minimum.accumulate(x) - tol)
    assert np.all(v <= np.maximum.accumulate(x) + tol)


@given(x=series, beta=betas)
def test_raw_ewma_is_corrected_times_weight_sum(x, beta):
    # The zero start's weights sum to 1 − β^t: v_t = (1 − β^t)·v̂_t.
    t = np.arange(1, x.size + 1)
    np.testing.assert_allclose(ewma(x, beta), (1 - beta**t) * ewma(x, beta, bias_correction=True), rtol=1e-9, atol=1e-9)


@given(x=series, beta=betas)
def test_ewma_does_not_modify_input(x, beta):
    before = x.copy()
    ewma(x, beta, bias_correction=True)
    np.testing.assert_array_equal(x, before)


grads_seq = hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 6)), elements=finite)


@given(grads=grads_seq, lr=st.floats(1e-4, 1.0), decay=st.floats(0.0, 1.0), acc=st.floats(0.0, 1.0))
def test_adagrad_effective_lr_never_increases(grads, lr, decay, acc):
    theta = np.zeros(grads.shape[1])
    opt = Adagrad(theta, lr=lr, lr_decay=decay, initial_accumulator_value=acc)
    prev = opt.effective_lr()[0]
    for g in grads:
        opt.step(g)
        now = opt.effective_lr()[0]
        assert np.all(now <= prev)
        prev = now


@given(
    g=hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3)),
    lr=st.floats(1e-4, 1.0),
    alpha=st.floats(0.0, 0.999),
)
def test_rmsprop_first_step_is_lr_over_sqrt_one_minus_alpha(g, lr, alpha):
    # v1 = (1−α)g², so |Δθ| = lr·|g| / (√(1−α)|g| + ε) = lr/√(1−α) up to ε/(√(1−α)|g|).
    theta = np.zeros_like(g)
    RMSprop(theta, lr=lr, alpha=alpha).step(g)
    expected = lr / np.sqrt(1 - alpha)
    rel = 1e-8 / (np.sqrt(1 - alpha) * np.abs(g)) + 1e-12
    np.testing.assert_array_less(np.abs(np.abs(theta) - expected) / expected, rel * 2)
    np.testing.assert_array_equal(np.sign(theta), -np.sign(g))


optimizer_settings = st.one_of(
    st.builds(
        lambda lr, a, m, c, w, e: (
            RMSprop,
            dict(lr=lr, alpha=a, momentum=m, centered=c, weight_decay=w, eps_in_sqrt=e),
        ),
        st.floats(1e-4, 0.1), st.floats(0.0, 0.99), st.sampled_from([0.0, 0.5, 0.9]), st.booleans(),
        st.sampled_from([0.0, 0.01]), st.booleans(),
    ),
    st.builds(
        lambda lr, d, acc, e: (Adagrad, dict(lr=lr, lr_decay=d, initial_accumulator_value=acc, eps_in_sqrt=e)),
        st.floats(1e-4, 0.5), st.sampled_from([0.0, 0.01]), st.sampled_from([0.0, 0.1]), st.booleans(),
    ),
)  # fmt: skip


@given(setting=optimizer_settings, split=st.integers(0, 10), seed=st.integers(0, 2**16))
@settings(max_examples=60, deadline=None)
def test_save_and_resume_is_bit_identical(setting, split, seed):
    cls, kw = setting
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    grads = [[rng.normal(size=p.shape) for p in start] for _ in range(10)]

    straight = [p.copy() for p in start]
    opt = cls(straight, **kw)
    for g in grads:
        opt.step(g)

    first = [p.copy() for p in start]
    opt1 = cls(first, **kw)
    for g in grads[:split]:
        opt1.step(g)
    saved = opt1.state_dict()
    resumed = [p.copy() for p in first]  # params are saved by the caller, as in PyTorch
    opt1.step(grads[0])  # a later step must not reach into the saved copy
    opt2 = cls(resumed, **kw)
    opt2.load_state_dict(saved)
    for g in grads[split:]:
        opt2.step(g)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a, b)  # bit-identical, not merely close


@given(setting=optimizer_settings, seed=st.integers(0, 2**16), dtype=st.sampled_from([np.float32, np.float64]))
@settings(max_examples=30, deadline=None)
def test_blocked_update_is_bit_identical_to_whole_array(setting, seed, dtype):
    # The driver cuts big arrays into blocks (and threads); every element must get exactly
    # the arithmetic it would get when the whole array is updated at once.
    cls, kw = setting
    rng = np.random.default_rng(seed)
    start = rng.normal(size=5003).astype(dtype)
    grads = [rng.normal(size=5003).astype(dtype) for _ in range(4)]
    whole, blocked = start.copy(), start.copy()
    opt_whole = cls(whole, **kw)
    for g in grads:
        opt_whole.step(g)
    old = _base.BLOCK_BYTES
    try:
        _base.BLOCK_BYTES = 64 * np.dtype(dtype).itemsize  # 79 blocks, so the threaded path runs
        opt_blocked = cls(blocked, **kw)
        for g in grads:
            opt_blocked.step(g)
    finally:
        _base.BLOCK_BYTES = old
    np.testing.assert_array_equal(whole, blocked)


@pytest.mark.parametrize("cls", [RMSprop, Adagrad])
def test_grad_is_never_modified(cls):
    theta = np.ones(10)
    g = np.arange(10.0)
    before = g.copy()
    opt = cls(theta, weight_decay=0.5) if cls is Adagrad else cls(theta, weight_decay=0.5, momentum=0.9, centered=True)
    opt.step(g)
    np.testing.assert_array_equal(g, before)


@given(x=series)
def test_zero_gradient_zero_state_keeps_params(x):
    assume(x.size > 0)
    theta = x.copy()
    RMSprop(theta).step(np.zeros_like(theta))  # 0/(0+eps) = 0: no step, no NaN
    np.testing.assert_array_equal(theta, x)


@pytest.mark.parametrize("cls", [RMSprop, Adagrad])
@pytest.mark.parametrize("n", [7, 600_000])  # one block, and many blocks on several threads
def test_gradient_that_is_the_parameter_itself(cls, n):
    # f = ½‖θ‖² has gradient θ: passing the parameter array as its own gradient must give the
    # same result as passing a copy (every read of g happens before the write to θ).
    rng = np.random.default_rng(0)
    start = rng.normal(size=n)
    a, b = start.copy(), start.copy()
    opt_a, opt_b = cls(a, lr=0.1), cls(b, lr=0.1)
    for _ in range(3):
        opt_a.step(a)
        opt_b.step(b.copy())
    np.testing.assert_array_equal(a, b)
