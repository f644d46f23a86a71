"""Bad input: a clear error naming the value, and nothing changed."""

import copy
import math

import numpy as np
import pytest

from rmsprop_ref import (
    SGD,
    Adagrad,
    RMSprop,
    beta_from_com,
    beta_from_halflife,
    beta_from_span,
    ewma,
    halflife_from_beta,
    run,
)

INF = math.inf

# (class, argument, bad value, text the message must contain)
BAD_HYPERPARAMS = [
    (RMSprop, "lr", -0.1, "Invalid lr: -0.1 (expected 0 <= lr < inf)"),
    (RMSprop, "lr", INF, "Invalid lr: inf"),
    (RMSprop, "lr", math.nan, "Invalid lr: nan"),
    (RMSprop, "alpha", -0.01, "Invalid alpha: -0.01 (expected 0 <= alpha < 1)"),
    (RMSprop, "alpha", 1.5, "Invalid alpha: 1.5 (expected 0 <= alpha < 1)"),
    (RMSprop, "alpha", 1.0, "Invalid alpha: 1.0"),
    (RMSprop, "eps", 0.0, "Invalid eps: 0.0 (expected 0 < eps < inf)"),
    (RMSprop, "eps", INF, "Invalid eps: inf"),
    (RMSprop, "weight_decay", -1.0, "Invalid weight_decay: -1.0 (expected 0 <= weight_decay < inf)"),
    (RMSprop, "weight_decay", INF, "Invalid weight_decay: inf"),
    (RMSprop, "momentum", -0.5, "Invalid momentum: -0.5 (expected 0 <= momentum < 1)"),
    (RMSprop, "momentum", 1.0, "Invalid momentum: 1.0"),
    (RMSprop, "centered", 1, "Invalid centered: 1 (expected True or False)"),
    (RMSprop, "eps_in_sqrt", "yes", "Invalid eps_in_sqrt: 'yes'"),
    (RMSprop, "alpha", True, "Invalid alpha: True"),
    (RMSprop, "lr", "0.1", "Invalid lr: '0.1'"),
    (Adagrad, "lr", -1.0, "Invalid lr: -1.0 (expected 0 <= lr < inf)"),
    (Adagrad, "lr", INF, "Invalid lr: inf"),
    (Adagrad, "lr_decay", -0.1, "Invalid lr_decay: -0.1 (expected 0 <= lr_decay < inf)"),
    (Adagrad, "lr_decay", INF, "Invalid lr_decay: inf"),
    (Adagrad, "weight_decay", -0.1, "Invalid weight_decay: -0.1"),
    (Adagrad, "weight_decay", INF, "Invalid weight_decay: inf"),
    (Adagrad, "initial_accumulator_value", -0.1, "Invalid initial_accumulator_value: -0.1"),
    (Adagrad, "initial_accumulator_value", INF, "Invalid initial_accumulator_value: inf"),
    (Adagrad, "eps", 0.0, "Invalid eps: 0.0 (expected 0 < eps < inf)"),
    (Adagrad, "eps", INF, "Invalid eps: inf"),
    (Adagrad, "eps_in_sqrt", None, "Invalid eps_in_sqrt: None"),
    (SGD, "lr", -1.0, "Invalid lr: -1.0"),
    (SGD, "lr", INF, "Invalid lr: inf"),
    (SGD, "momentum", -0.1, "Invalid momentum: -0.1 (expected 0 <= momentum < 1)"),
    (SGD, "momentum", 1.0, "Invalid momentum: 1.0"),
    (SGD, "dampening", -0.5, "Invalid dampening: -0.5 (expected 0 <= dampening <= 1)"),
    (SGD, "dampening", 1.5, "Invalid dampening: 1.5"),
    (SGD, "weight_decay", -1.0, "Invalid weight_decay: -1.0 (expected 0 <= weight_decay < inf)"),
    (SGD, "nesterov", 1, "Invalid nesterov: 1 (expected True or False)"),
    (SGD, "nesterov", True, "Invalid nesterov: True needs momentum > 0 and dampening = 0 (got momentum=0"),
]


def test_nesterov_with_dampening_is_refused_naming_both():
    with pytest.raises(ValueError, match=r"needs momentum > 0 and dampening = 0 \(got momentum=0.9, dampening=0.1\)"):
        SGD(np.zeros(3), momentum=0.9, dampening=0.1, nesterov=True)


@pytest.mark.parametrize(("cls", "name", "value", "message"), BAD_HYPERPARAMS)
def test_bad_hyperparameter_is_named(cls, name, value, message):
    with pytest.raises((ValueError, TypeError)) as info:
        cls(np.zeros(3), **{name: value})
    assert message in str(info.value)


@pytest.mark.parametrize("cls", [RMSprop, Adagrad, SGD])
@pytest.mark.parametrize("name", ["lr", "weight_decay"])
def test_boundary_values_are_accepted(cls, name):
    cls(np.zeros(3), **{name: 0.0})  # lr = 0 is a legal (frozen) optimizer, as in PyTorch


def test_alpha_zero_and_momentum_zero_accepted():
    RMSprop(np.zeros(2), alpha=0.0, momentum=0.0)
    SGD(np.zeros(2), momentum=0.0, dampening=1.0)


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ([], ValueError, "params is an empty list"),
        (np.zeros(3, dtype=np.int64), TypeError, "Parameter 0 has dtype int64, expected a floating dtype"),
        ([np.zeros(2), [1.0, 2.0]], TypeError, "Parameter 1 is a list"),
        (3.0, TypeError, "params must be a numpy array or a list of them, got float"),
    ],
)
def test_bad_params(params, error, message):
    with pytest.raises(error, match=message):
        RMSprop(params)


def test_read_only_param():
    p = np.zeros(3)
    p.flags.writeable = False
    with pytest.raises(ValueError, match="Parameter 0 is read-only"):
        Adagrad(p)


def test_same_array_twice():
    p = np.zeros(3)
    with pytest.raises(ValueError, match="Parameters 0 and 1 share memory"):
        RMSprop([p, p[:2]])


def _snapshot(opt):
    return [p.copy() for p in opt.params], copy.deepcopy(opt.state), opt.step_count


def _assert_unchanged(opt, snap):
    params, state, step = snap
    assert opt.step_count == step
    for a, b in zip(opt.params, params):
        np.testing.assert_array_equal(a, b)
    for s_now, s_then in zip(opt.state, state):
        assert s_now.keys() == s_then.keys()
        for k in s_now:
            np.testing.assert_array_equal(s_now[k], s_then[k])


def _warm_optimizer(cls):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    kwargs = {RMSprop: {"momentum": 0.9, "centered": True}, SGD: {"momentum": 0.9, "dampening": 0.1}}
    opt = cls(params, **kwargs.get(cls, {}))
    for _ in range(3):
        opt.step([rng.normal(size=p.shape) for p in params])
    return opt


def _grads_with(bad):
    return [np.ones((3, 2)), np.array([1.0, bad, 1.0, 1.0])]


BAD_GRADS = [
    (lambda: [np.ones((3, 2))], ValueError, "Expected 2 gradient\\(s\\), one per parameter, got 1"),
    (lambda: [np.ones((3, 2)), np.ones(4), np.ones(1)], ValueError, "got 3"),
    (lambda: [np.ones((2, 3)), np.ones(4)], ValueError, "Gradient 0 has shape \\(2, 3\\), expected \\(3, 2\\)"),
    (lambda: [np.ones((3, 2)), np.ones(5)], ValueError, "Gradient 1 has shape \\(5,\\), expected \\(4,\\)"),
    (
        lambda: _grads_with(np.nan),
        ValueError,
        "Gradient 1 contains 1 non-finite value\\(s\\), first .*nan at index \\(1,\\)",
    ),
    (lambda: _grads_with(np.inf), ValueError, "Gradient 1 contains 1 non-finite value\\(s\\), first .*inf"),
    (lambda: _grads_with(-np.inf), ValueError, "non-finite"),
    (lambda: [np.ones((3, 2)), np.array(["a", "b", "c", "d"])], TypeError, "Gradient 1 has dtype <U1"),
    (lambda: [np.ones((3, 2)), np.ones(4) * 1j], TypeError, "Gradient 1 has dtype complex128"),
    (lambda: "grads", TypeError, "grads must be a numpy array or a list of them, got str"),
]


@pytest.mark.parametrize("cls", [RMSprop, Adagrad, SGD])
@pytest.mark.parametrize(("make", "error", "message"), BAD_GRADS)
def test_bad_grads_raise_and_change_nothing(cls, make, error, message):
    opt = _warm_optimizer(cls)
    snap = _snapshot(opt)
    with pytest.raises(error, match=message):
        opt.step(make())
    _assert_unchanged(opt, snap)


def test_nan_in_last_parameter_leaves_first_parameter_untouched():
    # The check runs over every gradient before the first write.
    opt = _warm_optimizer(RMSprop)
    snap = _snapshot(opt)
    with pytest.raises(ValueError):
        opt.step([np.full((3, 2), 5.0), np.array([1.0, 1.0, 1.0, np.nan])])
    _assert_unchanged(opt, snap)


def test_huge_finite_gradient_is_not_mistaken_for_inf():
    # np.sum overflows to inf on these; the exact element check must clear them.
    p = np.zeros(4, dtype=np.float32)
    opt = RMSprop(p)
    with pytest.warns(RuntimeWarning, match="overflow"):  # g² overflows float32: numpy says so
        opt.step(np.full(4, 3e38, dtype=np.float32))
    assert opt.step_count == 1


@pytest.mark.parametrize("cls", [RMSprop, Adagrad])
@pytest.mark.parametrize("size", [4, 3 * 2**20], ids=["small", "threaded-or-compiled-size"])
def test_floating_point_error_the_caller_asked_for_changes_nothing(cls, size):
    """Under np.errstate(over="raise") a finite gradient whose square overflows
    float32 raises FloatingPointError, and the step leaves parameters, state and step count as
    they were: also for a parameter large enough for the pool's threads (12 blocks) or the
    compiled RMSprop loop, which numpy's errstate does not reach."""
    params = [np.ones(size, dtype=np.float32), np.ones(3, dtype=np.float32)]
    opt = cls(params, **({"momentum": 0.9, "centered": True} if cls is RMSprop else {}))
    opt.step([np.full(size, 0.5, dtype=np.float32), np.ones(3, dtype=np.float32)])
    snap = _snapshot(opt)
    g = np.full(size, 0.5, dtype=np.float32)
    g[-1] = 3e38  # finite; its square is not
    huge = [g, np.full(3, 3e38, dtype=np.float32)]
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="no parameter or state was changed"):
        opt.step(huge)
    _assert_unchanged(opt, snap)


def test_under_an_errstate_that_raises_a_step_without_error_gives_the_same_bits():
    """The raising errstate only changes which path runs (numpy's, in one thread), not the result."""
    rng = np.random.default_rng(1)
    start, grads = rng.normal(size=3 * 2**20).astype(np.float32), rng.normal(size=(3, 3 * 2**20)).astype(np.float32)
    plain, raising = RMSprop(start.copy(), centered=True), RMSprop(start.copy(), centered=True)
    for g in grads:
        plain.step(g)
        with np.errstate(all="raise"):
            raising.step(g)
    assert plain.params[0].tobytes() == raising.params[0].tobytes()
    for name in plain.state[0]:
        assert plain.state[0][name].tobytes() == raising.state[0][name].tobytes(), name


BAD_STATE = [
    (lambda sd: "not a dict", TypeError, "state_dict must be a dict, got str"),
    (lambda sd: {k: v for k, v in sd.items() if k != "state"}, ValueError, "missing key\\(s\\) \\['state'\\]"),
    (lambda sd: sd | {"step": -1}, ValueError, "Invalid step in state_dict: -1"),
    (lambda sd: sd | {"step": 2.5}, ValueError, "Invalid step in state_dict: 2.5"),
    (lambda sd: sd | {"hyperparams": {"lr": 0.1}}, ValueError, "hyperparams \\['lr'\\] do not match"),
    (lambda sd: sd | {"hyperparams": sd["hyperparams"] | {"lr": -1.0}}, ValueError, "Invalid lr: -1.0"),
    (lambda sd: sd | {"state": sd["state"][:1]}, ValueError, "state for 1 parameter\\(s\\), this optimizer has 2"),
    (lambda sd: sd | {"state": [sd["state"][0], {}]}, ValueError, "state for parameter 1 has keys \\[\\]"),
    (
        lambda sd: sd | {"state": [sd["state"][0], {k: np.zeros(9) for k in sd["state"][1]}]},
        ValueError,
        "for parameter 1 has shape \\(9,\\), expected \\(4,\\)",
    ),
    (
        lambda sd: sd | {"state": [sd["state"][0], {k: np.array(["x"] * 4) for k in sd["state"][1]}]},
        ValueError,
        "has dtype <U1, expected floating point",
    ),
]


@pytest.mark.parametrize("cls", [RMSprop, Adagrad, SGD])
@pytest.mark.parametrize(("corrupt", "error", "message"), BAD_STATE)
def test_malformed_state_dict_raises_and_changes_nothing(cls, corrupt, error, message):
    opt = _warm_optimizer(cls)
    good = opt.state_dict()
    snap = _snapshot(opt)
    with pytest.raises(error, match=message):
        opt.load_state_dict(corrupt(good))
    _assert_unchanged(opt, snap)


def test_state_dict_is_a_copy_and_load_copies_in():
    opt = _warm_optimizer(RMSprop)
    sd = opt.state_dict()
    saved = sd["state"][0]["square_avg"].copy()
    opt.step([np.ones((3, 2)), np.ones(4)])
    np.testing.assert_array_equal(sd["state"][0]["square_avg"], saved)  # a later step did not touch it
    opt.load_state_dict(sd)
    sd["state"][0]["square_avg"][:] = 123.0  # the caller's dict is not aliased by the optimizer
    np.testing.assert_array_equal(opt.state[0]["square_avg"], saved)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ewma([1.0, 2.0], 1.0), ValueError, "Invalid beta: 1.0 \\(expected 0 <= beta < 1\\)"),
        (lambda: ewma([1.0, 2.0], -0.1), ValueError, "Invalid beta: -0.1"),
        (lambda: ewma(3.0, 0.5), ValueError, "x is a scalar"),
        (lambda: ewma(["a"], 0.5), TypeError, "x has dtype <U1"),
        (lambda: ewma([[1.0]], 0.5, axis=2), ValueError, "Invalid axis: 2 \\(x has 2 dimension"),
        (lambda: ewma([1.0], 0.5, bias_correction="yes"), TypeError, "Invalid bias_correction: 'yes'"),
        (lambda: beta_from_span(0.5), ValueError, "Invalid span: 0.5 \\(expected 1 <= span < inf\\)"),
        (lambda: beta_from_com(-1), ValueError, "Invalid com: -1"),
        (lambda: beta_from_halflife(0), ValueError, "Invalid halflife: 0 \\(expected 0 < halflife < inf\\)"),
        (lambda: halflife_from_beta(0.0), ValueError, "Invalid beta: 0.0 \\(expected 0 < beta < 1\\)"),
        (lambda: run(RMSprop, lambda x: x, [1.0], -1), ValueError, "Invalid steps: -1"),
        (lambda: run(RMSprop, lambda x: x, [1.0], 3, alpha=2.0), ValueError, "Invalid alpha: 2.0"),
    ],
)
def test_bad_input_elsewhere(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_run_does_not_modify_start():
    x0 = np.array([1.0, -1.0])
    run(RMSprop, lambda x: 2 * x, x0, 5)
    np.testing.assert_array_equal(x0, [1.0, -1.0])
