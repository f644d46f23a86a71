"""Claims of docs/schedules.md, each measured (tests/test_claim_tags.py ties them to the page)."""

import math

import numpy as np

from rmsprop_ref import RMSprop, cosine, exponential, inverse_sqrt, quadratic, run, step_decay


def _distance(schedule, steps=2000):
    path = run(RMSprop, quadratic.grad, quadratic.start, steps, lr=1.0, alpha=0.9, lr_schedule=schedule)
    return np.linalg.norm(path, axis=1)


def test_claim_schedules_bounce_is_sign_steps():
    """ "Each coordinate jumps by $\\eta$ across the minimum at every step: $v$ has settled on
    $g^2$, so the step is $\\eta\\,g/|g| = \\pm\\eta$ (sign steps, as in
    [Adam with β₂ = 0](adam.md#2-0-gives-sign-steps))."

    Measured over the last 100 of 2000 steps at η = 1, α = 0.9: √v equals |g| to 1e-6
    (relative) in each coordinate, and each coordinate moves by η (to 1e-6) and changes sign.
    """
    theta = quadratic.start.copy()
    opt = RMSprop(theta, lr=1.0, alpha=0.9)
    for t in range(2000):
        g = quadratic.grad(theta)
        before = theta.copy()
        opt.step(g)
        if t >= 1900:
            np.testing.assert_allclose(np.sqrt(opt.state[0]["square_avg"]), np.abs(g), rtol=1e-6)
            np.testing.assert_allclose(np.abs(theta - before), 1.0, rtol=1e-6)
            assert np.all(np.sign(theta) == -np.sign(before))


def test_claim_schedules_settle_caption():
    """ "Distance to the minimum (log scale) against the step, 0 to 2000, for RMSprop with alpha 0.9
    on the article's quadratic under five schedules starting at learning rate 1: at a constant rate
    it stays at about 0.7; under 1/√t it ends at about 0.016, just above 1e-2; halving every 100
    steps, multiplying by 0.99 per step and the cosine schedule all end below 1e-5."

    Measured on the runs the figure draws (rmsprop_ref.figures.schedules_settle).
    """
    const = _distance(None)
    assert np.all(np.abs(const[-1000:] - 1 / math.sqrt(2)) < 0.01)
    inv = _distance(inverse_sqrt(1.0))
    assert 0.015 < inv[-1] < 0.017
    for schedule in (step_decay(1.0, 100, 0.5), exponential(1.0, 0.99), cosine(1.0, 2000)):
        assert _distance(schedule)[-1] < 1e-5


def test_claim_schedules_inverse_sqrt_bounce():
    """ "Under $1/\\sqrt t$ RMSprop's bounce is $\\eta_t/\\sqrt 2$, which is still $0.016$ at
    $t = 2000$ and would need $t > 5000$ to fall below $10^{-2}$; the faster schedules get there
    sooner, and the cosine only near its end."

    Measured: the distance over steps 1000..2000 equals η_t/√2 = 1/√(2t) to 2%; a 6000-step run
    is below 1e-2 from step 5000 on but not at 4900; step decay, exponential and cosine first
    stay below 1e-2 before 2000, the cosine after step 1500.
    """
    from rmsprop_ref.compare import settle_step

    d = _distance(inverse_sqrt(1.0), 6000)
    t = np.arange(1000, 2001)
    np.testing.assert_allclose(d[1000:2001], 1 / np.sqrt(2 * t), rtol=0.02)
    assert d[4900] > 1e-2 and np.all(d[5000:] < 1e-2)
    settles = {
        name: settle_step(_distance(s), 1e-2)
        for name, s in (
            ("step", step_decay(1.0, 100, 0.5)),
            ("exp", exponential(1.0, 0.99)),
            ("cos", cosine(1.0, 2000)),
        )
    }
    assert all(v is not None for v in settles.values())
    assert settles["cos"] > 1500 and settles["cos"] > max(settles["step"], settles["exp"])
