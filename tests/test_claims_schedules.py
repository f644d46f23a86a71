"""Claims of docs/schedules.md, each measured against the numbers its sentence prints (the
`claim` fixture reads them from the page; tests/claims.py)."""

import functools

import numpy as np

from rmsprop_ref import Adam, RMSprop, cosine, exponential, inverse_sqrt, quadratic, run, step_decay
from rmsprop_ref.compare import settle_step


@functools.cache
def _distance(schedule, steps=2000):
    path = run(RMSprop, quadratic.grad, quadratic.start, steps, lr=1.0, alpha=0.9, lr_schedule=schedule)
    return np.linalg.norm(path, axis=1)


def test_claim_schedules_bounce_is_sign_steps(claim):
    """Over the last 100 of 2000 steps at η = 1, α = 0.9: √v equals |g| to 1e-6 (relative) in
    each coordinate, and each coordinate moves by η (to 1e-6) and changes sign. The Adam page's
    case, Adam with the sentence's β₂ (and β₁ = 0), moves every coordinate by exactly η at
    every step."""
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
    beta2 = claim.num("β₂ = 0").value
    path = run(Adam, quadratic.grad, quadratic.start, 50, lr=0.7, betas=(0.0, beta2))
    np.testing.assert_allclose(np.abs(np.diff(path, axis=0)), 0.7, rtol=1e-6)  # up to eps


def test_claim_schedules_settle_caption(claim):
    """Measured on the data the figure draws (rmsprop_ref.figures.schedules_settle_data, which
    the figure itself calls): its steps, its α, each schedule's η_t from the start (the period
    and factor of the step decay, the per-step factor, 1/√t, the cosine reaching 0 at the
    end) and the distances at the end."""
    from rmsprop_ref.figures import schedules_settle_data

    data = schedules_settle_data()
    runs = data["runs"]
    claim.num("0 to").check(data["t"][0])
    claim.num("2000").check(data["t"][-1])
    claim.num("alpha 0.9").check(data["alpha"])
    start = claim.num("learning rate 1")
    for r in runs.values():
        start.check(r["lrs"][0])
        assert len(r["distances"]) == len(data["t"])
    const = runs["constant"]
    assert np.ptp(const["lrs"]) == 0
    about = claim.num("about 0.7")  # parsed once, checked on each distance (num reparses the text)
    for d in const["distances"][len(data["t"]) // 2 :]:
        about.check(d)
    inv = runs["inverse_sqrt"]
    t = np.arange(1, len(inv["lrs"]) + 1)
    claim.num(r"(1)/√t").check(np.max(np.abs(inv["lrs"] * np.sqrt(t))))
    claim.num("0.016").check(inv["distances"][-1])
    claim.num("1e-2").above(inv["distances"][-1])
    step = runs["step_decay"]["lrs"]
    changes = np.flatnonzero(np.diff(step)) + 1  # t - 1 of each change
    every = claim.num("every 100")
    for period in np.diff(np.concatenate([[0], changes])):
        every.check(period)
    np.testing.assert_allclose(step[changes] / step[changes - 1], 0.5, rtol=1e-12)  # "halving"
    expo = runs["exponential"]["lrs"]
    per_step = claim.num("0.99 per step")
    for ratio in expo[1:] / expo[:-1]:
        per_step.check(ratio)
    cos = runs["cosine"]["lrs"]
    np.testing.assert_allclose(cos, (1 + np.cos(np.pi * (t - 1) / len(t))) / 2, rtol=0, atol=1e-12)
    ends = [runs[k]["distances"][-1] for k in ("step_decay", "exponential", "cosine")]
    claim.num("1e-5").below(max(ends))


def test_claim_schedules_inverse_sqrt_bounce(claim):
    """Under η_t = η/√t (η = 1): the distance over steps 1000..2000 equals η_t/√2 to 2 %, and
    rounds to the printed value at the printed step; the last t whose η_t/√2 is not below the
    printed tolerance is the printed one, and in a 6000-step run the last step whose distance
    is not below it is within 1 % of that. Step decay, exponential and cosine settle within
    the tolerance before 2000 ("sooner"), the cosine last and after 3/4 of its length ("only
    near its end")."""
    eta = claim.num(r"(1)/\\sqrt t").value
    root = claim.num(r"\\sqrt (2)").value
    tol = claim.num("10^{-2}").value
    at = int(claim.num("t = 2000").value)
    d = _distance(inverse_sqrt(eta), 6000)
    t = np.arange(1000, 2001)
    np.testing.assert_allclose(d[1000:2001], eta / np.sqrt(t) / np.sqrt(root), rtol=0.02)
    claim.num("0.016").check(d[at])
    schedule = inverse_sqrt(eta)
    bounce = np.array([schedule(t) for t in range(1, 6001)]) / np.sqrt(root)  # η_t/√2 at t = 1..6000
    need = claim.num("t > 5000")
    need.check(np.flatnonzero(bounce >= tol)[-1] + 1)  # the last t whose bounce is not below tol
    assert abs(np.flatnonzero(d > tol)[-1] / need.value - 1) < 0.01  # the run's own: 4990
    settles = {
        name: settle_step(_distance(s), tol)
        for name, s in (
            ("step", step_decay(1.0, 100, 0.5)),
            ("exp", exponential(1.0, 0.99)),
            ("cos", cosine(1.0, 2000)),
        )
    }
    assert all(v is not None and v < at for v in settles.values()), settles
    assert settles["cos"] > 0.75 * at and settles["cos"] > max(settles["step"], settles["exp"])
