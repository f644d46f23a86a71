"""Learning-rate schedules against torch.optim.lr_scheduler, and changing the rate between steps."""

import math

import numpy as np
import pytest

from conftest import require
from rmsprop_ref import Adagrad, Adam, RMSprop, cosine, exponential, inverse_sqrt, quadratic, run, set_lr, step_decay

STEPS = 200


def _torch_rates(make_scheduler, lr=0.5, steps=STEPS):
    """The lr torch's optimizer uses at steps 1..steps, scheduler.step() after each step."""
    torch = require("torch", "schedules are checked against torch.optim.lr_scheduler")
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_scheduler(torch.optim.lr_scheduler, opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros(1)
        opt.step()
        sched.step()
    return np.array(rates)


CASES = {
    "StepLR": (lambda s, o: s.StepLR(o, step_size=30, gamma=0.5), step_decay(0.5, 30, 0.5)),
    "StepLR_1": (lambda s, o: s.StepLR(o, step_size=1, gamma=0.9), step_decay(0.5, 1, 0.9)),
    "ExponentialLR": (lambda s, o: s.ExponentialLR(o, gamma=0.97), exponential(0.5, 0.97)),
    "CosineAnnealingLR": (lambda s, o: s.CosineAnnealingLR(o, T_max=STEPS), cosine(0.5, STEPS)),
    # beyond T_max torch's cosine rises again; ours is the same periodic closed form
    "CosineAnnealingLR_short": (lambda s, o: s.CosineAnnealingLR(o, T_max=50, eta_min=0.01), cosine(0.5, 50, 0.01)),
    "LambdaLR_inverse_sqrt": (lambda s, o: s.LambdaLR(o, lambda e: 1 / math.sqrt(e + 1)), inverse_sqrt(0.5)),
}


@pytest.mark.parity
@pytest.mark.parametrize("name", list(CASES))
def test_schedule_matches_torch(name):
    make, ours = CASES[name]
    expected = _torch_rates(make)
    got = np.array([ours(t) for t in range(1, STEPS + 1)])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_schedules_by_hand():
    # step_decay(1, 2, 0.5): t = 1, 2 → 1; t = 3, 4 → 0.5; t = 5 → 0.25
    s = step_decay(1.0, 2, 0.5)
    assert [s(t) for t in range(1, 6)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert exponential(2.0, 0.5)(3) == 0.5  # 2·0.5²
    assert inverse_sqrt(3.0)(9) == 1.0  # 3/√9
    c = cosine(1.0, 4)  # (1 + cos(π(t−1)/4))/2: t = 1 → 1, t = 3 → 0.5, t = 5 → 0
    assert (c(1), c(3)) == (1.0, pytest.approx(0.5, abs=1e-15)) and c(5) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: step_decay(-1.0, 10), "Invalid lr: -1.0"),
        (lambda: step_decay(1.0, 0), "Invalid step_size: 0 (expected an int >= 1)"),
        (lambda: step_decay(1.0, 2.5), "Invalid step_size: 2.5"),
        (lambda: step_decay(1.0, 10, gamma=1.5), "Invalid gamma: 1.5 (expected 0 <= gamma <= 1)"),
        (lambda: exponential(1.0, 0.0), "Invalid gamma: 0.0 (expected 0 < gamma <= 1)"),
        (lambda: exponential(math.inf, 0.5), "Invalid lr: inf"),
        (lambda: inverse_sqrt(math.nan), "Invalid lr: nan"),
        (lambda: cosine(1.0, 0), "Invalid t_max: 0"),
        (lambda: cosine(1.0, 10, eta_min=2.0), "Invalid eta_min: 2.0 (expected 0 <= eta_min <= 1)"),
        (lambda: cosine(1.0, 10, eta_min=-0.1), "Invalid eta_min: -0.1"),
        (lambda: inverse_sqrt(1.0)(0), "Invalid t: 0 (expected an int >= 1)"),
    ],
)
def test_bad_schedule_arguments_are_named(make, message):
    with pytest.raises((ValueError, TypeError)) as info:
        make()
    assert message in str(info.value)


def test_set_lr_checks_and_leaves_lr_on_error():
    opt = RMSprop(np.zeros(2), lr=0.1)
    with pytest.raises(ValueError, match=r"Invalid lr: -0\.5"):
        set_lr(opt, -0.5)
    assert opt.hyperparams["lr"] == 0.1
    set_lr(opt, 0.05)
    assert opt.hyperparams["lr"] == 0.05


@pytest.mark.parametrize("cls", [Adagrad, RMSprop, Adam])
def test_run_with_schedule_equals_a_hand_loop(cls):
    # run(..., lr_schedule=s) is the documented loop: set_lr(opt, s(t)) then opt.step(g).
    s = inverse_sqrt(0.5)
    path = run(cls, quadratic.grad, quadratic.start, 40, lr_schedule=s)
    theta = quadratic.start.copy()
    opt = cls(theta, lr=123.0)  # overwritten before the first step
    for t in range(1, 41):
        set_lr(opt, s(t))
        opt.step(quadratic.grad(theta))
    np.testing.assert_array_equal(path[-1], theta)
    # and it differs from the constant rate, so the schedule did something
    assert not np.allclose(run(cls, quadratic.grad, quadratic.start, 40, lr=0.5)[-1], theta)


@pytest.mark.parity
def test_scheduled_adam_matches_torch_with_lambdalr():
    # The whole loop against torch: Adam with 1/√t through LambdaLR, 120 steps, float64.
    torch = require("torch")
    rng = np.random.default_rng(0)
    start = rng.normal(size=5)
    ours = start.copy()
    opt = Adam(ours, lr=0.1, amsgrad=True)
    tp = torch.tensor(start.copy(), dtype=torch.float64)
    topt = torch.optim.Adam([tp], lr=0.1, amsgrad=True)
    sched = torch.optim.lr_scheduler.LambdaLR(topt, lambda e: 1 / math.sqrt(e + 1))
    s = inverse_sqrt(0.1)
    for t in range(1, 121):
        noise = rng.normal(size=5)
        set_lr(opt, s(t))
        opt.step(0.7 * ours + noise)
        tp.grad = torch.from_numpy(0.7 * tp.detach().numpy() + noise)
        topt.step()
        sched.step()
    np.testing.assert_allclose(ours, tp.detach().numpy(), rtol=1e-9, atol=1e-12)
