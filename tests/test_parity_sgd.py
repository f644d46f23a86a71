"""SGD: parity with torch.optim.SGD in float64 (parameters and momentum buffer, rel. error <= 1e-9)
over the option grid, save/resume against an unbroken torch run, and the first two steps by hand."""

import itertools

import numpy as np
import pytest

from conftest import compare_with_torch, parity_grad, require
from rmsprop_ref import SGD, _base

torch = require("torch", "parity tests compare against torch.optim")

pytestmark = pytest.mark.parity

SGD_GRID = [
    dict(lr=lr, momentum=mom, dampening=damp, weight_decay=wd, nesterov=nest)
    for lr, mom, damp, wd, nest in itertools.product(
        [0.05], [0.0, 0.5, 0.9], [0.0, 0.3, 1.0], [0.0, 0.1], [False, True]
    )
    if not (nest and (mom == 0 or damp != 0))  # the combinations both libraries refuse
] + [dict()]  # and the defaults


def _ids(kwargs):
    return ",".join(f"{a}={b}" for a, b in kwargs.items()) or "defaults"


def _assert_same_buffers(opt, topt):
    for ours, theirs in zip(opt.state, topt.state.values()):
        if opt.hyperparams["momentum"]:
            np.testing.assert_allclose(
                ours["momentum_buffer"], theirs["momentum_buffer"].numpy(), rtol=1e-9, atol=1e-12
            )
        else:  # torch keeps a None buffer; we keep none at all
            assert ours == {} and theirs.get("momentum_buffer") is None


@pytest.mark.parametrize("kwargs", SGD_GRID, ids=_ids)
def test_sgd_matches_torch(kwargs):
    opt, topt = compare_with_torch(SGD, torch.optim.SGD, kwargs)
    _assert_same_buffers(opt, topt)


def test_defaults_are_torchs():
    import inspect

    ours = {k: p.default for k, p in inspect.signature(SGD).parameters.items() if k != "params"}
    theirs = inspect.signature(torch.optim.SGD).parameters
    assert ours == {k: theirs[k].default for k in ours}


def test_blocked_threaded_path_matches_torch(monkeypatch):
    # A parameter big enough to be cut into many blocks and shared between threads.
    monkeypatch.setattr(_base, "BLOCK_BYTES", 8 * 1000)
    kwargs = {"lr": 1e-2, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.1}
    opt, topt = compare_with_torch(SGD, torch.optim.SGD, kwargs, shapes=[(64, 1000), (3,)], steps=20)
    _assert_same_buffers(opt, topt)


@pytest.mark.parametrize("kwargs", [dict(momentum=0.9, dampening=0.5), dict(momentum=0.9, nesterov=True)], ids=_ids)
def test_save_and_resume_continues_torchs_run(kwargs):
    """60 steps, state_dict(), a new SGD that loads it, 60 more: the same as torch's 120 unbroken."""
    kwargs = {"lr": 0.05, "weight_decay": 0.1, **kwargs}
    rng = np.random.default_rng(4)
    start = [rng.normal(size=(5, 3)), rng.normal(size=7)]
    theirs = [torch.tensor(p.copy()) for p in start]
    topt = torch.optim.SGD(theirs, **kwargs)
    ours = [p.copy() for p in start]
    opt = SGD(ours, **kwargs)
    for t in range(120):
        if t == 60:
            saved = opt.state_dict()
            opt.step(parity_grad(ours, t, 0))  # a step the resumed optimizer must not see
            for p, q in zip(ours, [torch_p.numpy() for torch_p in theirs]):
                p[...] = q  # back to the parameters at the save
            opt = SGD(ours, **kwargs)
            opt.load_state_dict(saved)
        opt.step(parity_grad(ours, t, 0))
        for tp, g in zip(theirs, parity_grad([tp.numpy() for tp in theirs], t, 0)):
            tp.grad = torch.from_numpy(g)
        topt.step()
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p, tp.numpy(), rtol=1e-9, atol=1e-12)
    _assert_same_buffers(opt, topt)


def test_a_fresh_state_dict_starts_the_buffer_from_the_first_gradient():
    # step 0 saved: the resumed optimizer's next step is step 1, which copies g into b, as torch does
    theta = np.array([1.0])
    opt = SGD(theta, lr=0.1, momentum=0.9, dampening=0.5)
    opt.load_state_dict(opt.state_dict())
    opt.step(np.array([2.0]))
    assert opt.state[0]["momentum_buffer"][0] == 2.0 and theta[0] == pytest.approx(1.0 - 0.1 * 2.0, abs=1e-15)


@pytest.mark.parametrize("nesterov", [False, True])
def test_first_two_steps_by_hand(nesterov):
    """f = 0.5 * 3 * theta**2 (g = 3 theta) from theta = 2, lr = 0.1, momentum = 0.5, weight_decay = 0.2.

    Step 1: g = 3*2 + 0.2*2 = 6.4; b = g = 6.4 (torch's first buffer is g itself, undamped).
      heavy ball: theta = 2 - 0.1*6.4 = 1.36
      Nesterov:   theta = 2 - 0.1*(6.4 + 0.5*6.4) = 2 - 0.96 = 1.04
    Step 2 (heavy ball): g = 3*1.36 + 0.2*1.36 = 4.352; b = 0.5*6.4 + 4.352 = 7.552;
      theta = 1.36 - 0.7552 = 0.6048
    Step 2 (Nesterov):   g = 3.2*1.04 = 3.328; b = 0.5*6.4 + 3.328 = 6.528;
      theta = 1.04 - 0.1*(3.328 + 0.5*6.528) = 1.04 - 0.6592 = 0.3808
    """
    theta = np.array([2.0])
    opt = SGD(theta, lr=0.1, momentum=0.5, weight_decay=0.2, nesterov=nesterov)
    opt.step(3 * theta)
    assert opt.state[0]["momentum_buffer"][0] == pytest.approx(6.4, abs=1e-12)
    assert theta[0] == pytest.approx(1.04 if nesterov else 1.36, abs=1e-12)
    opt.step(3 * theta)
    assert opt.state[0]["momentum_buffer"][0] == pytest.approx(6.528 if nesterov else 7.552, abs=1e-12)
    assert theta[0] == pytest.approx(0.3808 if nesterov else 0.6048, abs=1e-12)


def test_dampening_by_hand():
    """g = 1 every step, lr = 1, momentum = 0.5, dampening = 0.5: b1 = 1 (undamped), b2 = 0.5 + 0.5 = 1,
    b3 = 0.5 + 0.5 = 1: theta falls by exactly 1 per step. Without the undamped first buffer
    (b1 = 0.5), b would be 0.5, 0.75, 0.875 and theta would fall by 2.125 in three steps, not 3."""
    theta = np.array([0.0])
    opt = SGD(theta, lr=1.0, momentum=0.5, dampening=0.5)
    for _ in range(3):
        opt.step(np.array([1.0]))
    assert theta[0] == -3.0 and opt.state[0]["momentum_buffer"][0] == 1.0
