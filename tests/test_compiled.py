"""The compiled copy of rmsprop_update (rmsprop_ref/_compiled.py) and RMSprop.step's choice of path.

The reference is rmsprop_update, the numpy function the pages show: the kernel must give
its results bit for bit (the sign of zero counts; only where both are NaN may the NaN's
sign differ, see `assert_same_bits`), for every option, in float32 and float64, on edge
values. Without numba this module is skipped; under CI=true a missing numba fails it.
"""

import itertools
import sys
import threading

import numpy as np
import pytest

import rmsprop_ref.rmsprop as rmsprop_module
from conftest import require
from rmsprop_ref import RMSprop, _base, rmsprop_update

require("numba", "the compiled RMSprop kernel needs numba: pip install -e '.[fast]'")
from rmsprop_ref import _compiled  # noqa: E402 (after the check that numba is there)

DTYPES = (np.float32, np.float64)
OPTIONS = list(itertools.product((False, True), repeat=4))  # weight decay, centered, momentum, eps_in_sqrt
BIG = rmsprop_module.COMPILED_MIN_SIZE  # the smallest parameter the step gives to the kernel


def hyper_sets(dtype, weight_decay, centered, momentum, eps_in_sqrt):
    """Hyperparameters for one combination of options: typical ones, and edges of the conversion."""
    flags = {"centered": centered, "eps_in_sqrt": eps_in_sqrt}
    typical = {"lr": 0.01, "alpha": 0.9, "eps": 1e-8, "weight_decay": 0.1 * weight_decay, "momentum": 0.9 * momentum}
    edges = {
        "lr": 0.0,  # no step at all, but the state still moves
        "alpha": 0.0,  # 1 - alpha = 1: v becomes g*g
        "eps": 1e-50,  # rounds to 0 in float32: g/0 must give inf or NaN as numpy does, not raise
        "weight_decay": 1e-50 * weight_decay,  # truthy, so its branch runs, yet 0 in float32
        "momentum": 1e-50 * momentum,
    }
    huge = {
        "lr": 1e39,  # inf in float32
        "alpha": 0.9999999999,  # 1.0 in float32, while 1 - alpha is not 0
        "eps": 1e30,
        "weight_decay": 3.0 * weight_decay,
        "momentum": 0.5 * momentum,
    }
    return [{**h, **flags} for h in (typical, edges, huge)]


def edge_problem(dtype, seed, n_clamp=400):
    """params, three gradients and a start state, with the values where rounding rules differ.

    The last `n_clamp` elements start from v = g*g and grad_avg = g with the first gradient
    g and param 0: after one centered step v - grad_avg**2 is a rounding error, negative
    for some elements, so the clamp acts (the test checks that it does).
    """
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    special = np.array(
        [0.0, -0.0, info.smallest_subnormal, -info.smallest_subnormal, info.tiny, -info.tiny, 1.0, -1.0,
         np.sqrt(info.max) * 2, info.max, -info.max, np.nan, np.inf, -np.inf],  # sqrt(max)*2: g*g overflows
        dtype=dtype,
    )  # fmt: skip
    exponent = np.log10(info.max)

    def values(n):
        with np.errstate(over="ignore"):  # the largest values overflow to inf: one more edge
            x = rng.normal(size=n) * 10.0 ** rng.uniform(-exponent - 8, exponent, n)
            x = x.astype(dtype)
        x[rng.random(n) < 0.05] = 0.0
        return np.concatenate([x, rng.permutation(special)])

    n = 2000
    param = values(n)
    grads = [values(n) for _ in range(3)]
    size = param.size
    state = {
        "square_avg": np.abs(values(n)),
        "grad_avg": values(n),
        "momentum_buffer": values(n),
    }
    g = rng.normal(size=n_clamp).astype(dtype)
    param = np.concatenate([param, np.zeros(n_clamp, dtype)])
    later = [rng.normal(size=n_clamp).astype(dtype) for _ in grads[1:]]
    grads = [np.concatenate([grads[0], g]), *(np.concatenate([x, y]) for x, y in zip(grads[1:], later))]
    state["square_avg"] = np.concatenate([state["square_avg"], g * g])
    state["grad_avg"] = np.concatenate([state["grad_avg"], g])
    state["momentum_buffer"] = np.concatenate([state["momentum_buffer"], rng.normal(size=n_clamp).astype(dtype)])
    return param, grads, state, slice(size, size + n_clamp)


def run_reference(param, grads, state, h):
    param, state = param.copy(), {k: v.copy() for k, v in state.items()}
    work = np.empty((2, *param.shape), param.dtype)
    with np.errstate(all="ignore"):  # overflow, 0/0 and sqrt of a negative are the point here
        for g in grads:
            rmsprop_update(param, g, state["square_avg"], state["grad_avg"], state["momentum_buffer"], work, **h)
    return param, state


def run_compiled(param, grads, state, h):
    param, state = param.copy(), {k: v.copy() for k, v in state.items()}
    for g in grads:
        _compiled.rmsprop_step(param, g, state["square_avg"], state["grad_avg"], state["momentum_buffer"], **h)
    return param, state


def assert_same_bits(expected, got, what):
    """Every element the same bit for bit (so the sign of zero counts), but for the sign of a NaN.

    IEEE 754 leaves a NaN's sign unspecified, x86 returns the first operand's NaN, and
    numpy's loops and LLVM may order the operands of a commutative + or * differently:
    some elements are NaN in both with opposite signs (seen on this module's edge values).
    """
    (p_ref, s_ref), (p_got, s_got) = expected, got
    assert s_ref.keys() == s_got.keys()
    for name, a, b in [("param", p_ref, p_got), *((k, s_ref[k], s_got[k]) for k in s_ref)]:
        assert a.dtype == b.dtype and a.shape == b.shape
        bits_differ = (a.view(np.uint8) != b.view(np.uint8)).reshape(a.size, -1).any(axis=1)
        differ = np.flatnonzero(bits_differ & ~(np.isnan(a) & np.isnan(b)).reshape(-1))
        assert differ.size == 0, (
            f"{what}: {name} differs at {differ[:5]}: {a.flat[differ[:5]]} (numpy) against {b.flat[differ[:5]]}"
        )


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "".join("wcme"[i] if on else "-" for i, on in enumerate(o)))
def test_kernel_is_bit_identical_to_rmsprop_update(dtype, options):
    param, grads, state, clamp = edge_problem(dtype, seed=sum(o << i for i, o in enumerate(options)))
    for h in hyper_sets(dtype, *options):
        expected = run_reference(param, grads, state, h)
        assert_same_bits(expected, run_compiled(param, grads, state, h), f"{np.dtype(dtype).name} {h}")
        # the edges happened in the first step: g*g overflowed to inf, and centered's clamp acted
        after_one = run_reference(param, grads[:1], state, h)[1]
        assert np.isinf(after_one["square_avg"]).sum() > np.isinf(state["square_avg"]).sum()
        if h["centered"] and h["alpha"] == 0.9:
            v, m = after_one["square_avg"][clamp], after_one["grad_avg"][clamp]
            assert (v - m * m < 0).sum() > 10, "the clamp never acted"


def test_kernel_refuses_what_it_cannot_copy():
    p = np.zeros(8, np.float32)
    h = {"lr": 0.01, "alpha": 0.9, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False,
         "eps_in_sqrt": False}  # fmt: skip
    # numpy computes float32 * np.float64(0.01) in float64 and rounds once: not the kernel's arithmetic
    assert _compiled.scalars(p.dtype, {**h, "lr": np.float64(0.01)}) is None
    assert _compiled.scalars(p.dtype, {**h, "lr": 2**30}) is None
    assert _compiled.scalars(p.dtype, {**h, "lr": np.float32(0.01)})[0] == np.float32(0.01)
    with pytest.raises(ValueError, match="C-contiguous"):
        _compiled.rmsprop_step(np.zeros(16, np.float32)[::2], p, p.copy(), None, None, **h)
    with pytest.raises(ValueError, match="not all Python floats"):
        _compiled.rmsprop_step(p, p.copy(), p.copy(), None, None, **{**h, "alpha": np.float64(0.9)})


# -- which path RMSprop.step takes ------------------------------------------------------------


@pytest.fixture
def calls(monkeypatch):
    """Counts of the kernel's calls and of rmsprop_update's (the numpy path), by wrapping both."""
    counts = {"kernel": 0, "numpy": 0}
    kernel, update = _compiled.rmsprop_kernel, rmsprop_module.rmsprop_update
    lock = threading.Lock()  # the pool's threads and the caller's count at once

    def counted_kernel(*args):
        with lock:
            counts["kernel"] += 1
        kernel(*args)

    def counted_update(*args, **kw):
        with lock:
            counts["numpy"] += 1
        update(*args, **kw)

    monkeypatch.setattr(_compiled, "rmsprop_kernel", counted_kernel)
    monkeypatch.setattr(rmsprop_module, "rmsprop_update", counted_update)
    monkeypatch.delenv("RMSPROP_REF_COMPILED", raising=False)
    return counts


def steps(param, grads, **kw):
    opt = RMSprop(param, **kw)
    for g in grads:
        opt.step(g)
    return param, opt.state[0]


def problem(n, dtype=np.float32, seed=0, n_steps=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n).astype(dtype), [rng.normal(size=n).astype(dtype) for _ in range(n_steps)]


KW = {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.01, "momentum": 0.9, "centered": True}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_large_parameter_takes_the_kernel_and_forcing_numpy_gives_the_same_bytes(calls, monkeypatch, dtype):
    start, grads = problem(BIG, dtype)
    fast = steps(start.copy(), grads, **KW)
    assert calls == {"kernel": 3, "numpy": 0}
    monkeypatch.setenv("RMSPROP_REF_COMPILED", "0")
    reference = steps(start.copy(), grads, **KW)
    assert calls == {"kernel": 3, "numpy": 3 * -(-BIG * np.dtype(dtype).itemsize // _base.BLOCK_BYTES)}
    assert_same_bits(reference, fast, "step")


@pytest.mark.parametrize(
    "case", ["small", "strided", "float16", "float64 lr on float32", "gradient is the parameter", "subclass"]
)
def test_numpy_path_where_the_kernel_does_not_apply(calls, case):
    n = BIG - 1 if case == "small" else BIG
    start, grads = problem(2 * n if case == "strided" else n, np.float16 if case == "float16" else np.float32)
    param, grad = (start[::2], grads[0][::2]) if case == "strided" else (start, grads[0])
    if case == "gradient is the parameter":
        grad = param
    cls = RMSprop
    if case == "subclass":
        cls = type("MyRMSprop", (RMSprop,), {"_update": lambda self, *args: RMSprop._update(self, *args)})
    opt = cls(param, eps=1e-3)  # 1e-8 is 0 in float16
    if case == "float64 lr on float32":
        opt.hyperparams["lr"] = np.float64(0.01)  # as a schedule computed with numpy may set it
    opt.step(grad)
    assert calls["kernel"] == 0 and calls["numpy"] >= 1


def test_float64_lr_on_float64_param_takes_the_kernel(calls):
    start, grads = problem(BIG, np.float64)
    opt = RMSprop(start)
    opt.hyperparams["lr"] = np.float64(0.01)
    opt.step(grads[0])
    assert calls == {"kernel": 1, "numpy": 0}


def test_split_over_threads_is_bit_identical(calls, monkeypatch):
    start, grads = problem(BIG + 5, np.float32, seed=1)
    whole = steps(start.copy(), grads, **KW)
    monkeypatch.setattr(_base, "COMPILED_PARALLEL_MIN_SIZE", 1)
    monkeypatch.setattr(_base.os, "cpu_count", lambda: 3)  # three uneven ranges, two on the pool
    split = steps(start.copy(), grads, **KW)
    assert calls == {"kernel": 3 + 3 * 3, "numpy": 0}
    assert_same_bits(whole, split, "split")


def test_two_python_threads_stepping_at_once_match_one_after_another(calls, monkeypatch):
    monkeypatch.setattr(_base, "COMPILED_PARALLEL_MIN_SIZE", 2 * BIG)  # the second optimizer also uses the pool
    problems = [problem(BIG, np.float32, seed=2, n_steps=8), problem(2 * BIG, np.float32, seed=3, n_steps=8)]
    one_after_another = [steps(p.copy(), g, **KW) for p, g in problems]
    calls_alone = dict(calls)
    barrier = threading.Barrier(2)
    results, errors = [None, None], []

    def work(i):
        try:
            barrier.wait()
            results[i] = steps(problems[i][0].copy(), problems[i][1], **KW)
        except BaseException as exc:  # reported below: an exception in a thread would pass silently
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert calls["kernel"] == 2 * calls_alone["kernel"] and calls["numpy"] == 0
    for expected, got in zip(one_after_another, results):
        assert_same_bits(expected, got, "threads")


def test_without_numba_the_numpy_path_runs_silently(calls, monkeypatch):
    start, grads = problem(BIG)
    with_numba = steps(start.copy(), grads, **KW)
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    monkeypatch.delitem(sys.modules, "rmsprop_ref._compiled")
    monkeypatch.delattr("rmsprop_ref._compiled", raising=False)
    rmsprop_module._compiled_module.cache_clear()
    try:
        without = steps(start.copy(), grads, **KW)
        assert rmsprop_module._compiled_module() is None
    finally:
        rmsprop_module._compiled_module.cache_clear()
    assert calls["kernel"] == 3 and calls["numpy"] > 0
    assert_same_bits(without, with_numba, "without numba")


def test_bad_gradient_on_the_compiled_path_raises_and_changes_nothing(calls):
    start, grads = problem(BIG)
    param, (before_param, before_state) = start.copy(), steps(start.copy(), grads[:1], **KW)
    opt = RMSprop(param, **KW)
    opt.step(grads[0])
    bad = grads[1].copy()
    bad[-1] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        opt.step(bad)
    assert_same_bits((before_param, before_state), (param, opt.state[0]), "after a refused step")
    assert calls["kernel"] == 2


def test_without_a_writable_cache_folder_the_kernel_compiles_per_process(monkeypatch):
    from numba.core import caching

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])  # numba: "no locator available"
    monkeypatch.delitem(sys.modules, "rmsprop_ref._compiled")
    monkeypatch.delattr("rmsprop_ref._compiled")
    import rmsprop_ref._compiled as fresh

    assert fresh.rmsprop_kernel is not None and fresh.rmsprop_kernel is not _compiled.rmsprop_kernel
    assert fresh.rmsprop_kernel._cache.__class__.__name__ == "NullCache"
