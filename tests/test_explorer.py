"""The optimizer explorer (explorer/) and the EWMA widget (ewma/), in headless Chromium.

The page's JavaScript port of the optimizers is held to the package: on a seeded random
grid of settings over every 2-D problem, optimizer and option, `window.rmspropRef.run`
must give the path of ``rmsprop_ref.run`` to 1e-12 relative per coordinate, and refused
settings must raise Python's exception with Python's message. The rest drives the page
as a reader does (keyboard on the sliders, a click on the contour plot, the copy button)
and runs the copied Python. Skips where Chromium or playwright is missing; fails under CI=true.
"""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

import rmsprop_ref
from conftest import ROOT_DIR, Visit, load_file, require
from rmsprop_ref import PROBLEMS

pytestmark = pytest.mark.browser
SCREENSHOTS = ROOT_DIR / "test-artifacts" / "screenshots"
ARTIFACTS = ROOT_DIR / "test-artifacts"
TWO_D = [name for name, p in PROBLEMS.items() if p.dim == 2]
RTOL = 1e-12


@pytest.fixture(scope="module")
def explorer(browser, site_server):
    """One explorer page for the tests that only call window.rmspropRef."""
    visit = Visit(browser, site_server + "explorer/", wait_until="load")
    visit.page.wait_for_selector(".rr-explorer[data-ready=true]")
    yield visit.page
    assert visit.errors == [], visit.errors
    visit.close()


@contextlib.contextmanager
def screenshot_on_failure(page, name):
    """Save a full-page screenshot of `page` as test-artifacts/screenshots/name.png if the block fails."""
    try:
        yield
    except BaseException:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        raise


class Tab(Visit):
    """A browser context and page that the tests of a module load their pages in, one after another.

    A new context costs about 0.2 s; a load in an open page does not. Each `visit` clears
    what the previous one recorded and loads the URL as a new document. A test that needs
    what only a new context gives (a cold cache, every request of the first load, no storage
    shared with another load) uses a Visit of its own.
    """

    def __init__(self, browser, **context_args):
        super().__init__(browser, "about:blank", **context_args)

    def visit(self, url, width=1280, height=900):
        self.page.set_viewport_size({"width": width, "height": height})
        for recorded in (self.requests, self.failed, self.errors):
            recorded.clear()
        self.page.goto(url, wait_until="load")
        return self


@pytest.fixture(scope="module")
def tabs(browser):
    """tabs(scheme): the module's Tab whose context prefers that colour scheme ("light" or "dark")."""
    opened = {}

    def tab(scheme="light"):
        if scheme not in opened:
            opened[scheme] = Tab(browser, color_scheme=scheme)
        return opened[scheme]

    yield tab
    for tab_ in opened.values():
        tab_.close()


# Playwright's own serialisation took 2.5 s to hand back the parity test's 400 paths;
# one JSON string takes 0.2 s. JSON has no NaN, infinities or -0.0: they travel as
# {"__float__": "NaN"} and are read back as floats, so every value arrives bit for bit.
_TO_JSON = """value => JSON.stringify(value, (key, v) =>
  typeof v === "number" && !(Number.isFinite(v) && !Object.is(v, -0))
    ? {__float__: Object.is(v, -0) ? "-0.0" : String(v)} : v)"""


def evaluate_json(page, function, arg):
    """page.evaluate(function, arg) for a large result, handed over as one JSON string."""
    text = page.evaluate(f"arg => ({_TO_JSON})(({function})(arg))", arg)
    return json.loads(text, object_hook=lambda d: float(d["__float__"]) if d.keys() == {"__float__"} else d)


# ------------------------------------------------------------------ the reference: Python


def make_schedule(spec):
    """lr_schedule={"name": n, "kwargs": kw} stands for rmsprop_ref.schedules.<n>(**kw); None for none."""
    return getattr(rmsprop_ref.schedules, spec["name"])(**spec.get("kwargs", {})) if spec else None


def python_run(config):
    """The contract: rmsprop_ref.run(getattr(rmsprop_ref, optimizer), PROBLEMS[problem].grad, ...)."""
    try:
        with np.errstate(all="ignore"):  # diverging runs overflow on purpose; the outcome is compared
            path = rmsprop_ref.run(
                getattr(rmsprop_ref, config["optimizer"]),
                PROBLEMS[config["problem"]].grad,
                config["start"],
                config["steps"],
                lr_schedule=make_schedule(config.get("lr_schedule")),
                **config["hyperparams"],
            )
    except Exception as exc:
        return {"error": [type(exc).__name__, str(exc)]}
    return {"path": path.tolist()}


def python_trace(config):
    """rmsprop_ref.run's path and opt.effective_lr() after each of its steps, from one run.

    run() is given a subclass of the optimizer whose step, after the optimizer's own, reads
    the rate out (effective_lr only reads the state); the path is run()'s. A setting Python
    refuses raises here: python_run gives its exception with the optimizer's own class.
    """
    rates = []

    class Recording(getattr(rmsprop_ref, config["optimizer"])):
        def step(self, grads):
            super().step(grads)
            rates.append(self.effective_lr()[0].tolist())

    with np.errstate(all="ignore"):  # diverging runs overflow on purpose; the outcome is compared
        path = rmsprop_ref.run(
            Recording,
            PROBLEMS[config["problem"]].grad,
            config["start"],
            config["steps"],
            lr_schedule=make_schedule(config.get("lr_schedule")),
            **config["hyperparams"],
        )
    return {"path": path.tolist(), "effLr": rates}


def python_effective_lr(config):
    """opt.effective_lr() after each of run()'s steps."""
    return python_trace(config)["effLr"]


def random_schedule(rng, lr):
    """No schedule about a third of the time, else one of the four with random arguments."""
    name = rng.choice(["none", "none", "step_decay", "exponential", "inverse_sqrt", "cosine"])
    kwargs = {
        "step_decay": {"step_size": int(rng.integers(1, 50)), "gamma": float(rng.uniform(0, 1))},
        "exponential": {"gamma": float(rng.uniform(0.5, 1))},
        "inverse_sqrt": {},
        "cosine": {"t_max": int(rng.integers(1, 200)), "eta_min": float(rng.choice([0.0, rng.uniform(0, lr)]))},
    }.get(str(name))
    return None if kwargs is None else {"name": str(name), "kwargs": {"lr": lr, **kwargs}}


def random_configs(seed=20261125, per_cell=25):
    """Every 2-D problem x every optimizer, per_cell random settings each, options on about half the time."""
    rng = np.random.default_rng(seed)

    def log_uniform(lo, hi):
        return float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))

    def maybe(value, p=0.5):
        return value if rng.random() < p else 0.0

    configs = []
    for problem in TWO_D:
        p = PROBLEMS[problem]
        half = 1.2 * float(np.max(np.abs(p.start - p.x_min)))
        for optimizer in rmsprop_ref_names():
            for _ in range(per_cell):
                start = p.start if rng.random() < 0.3 else p.x_min + rng.uniform(-half, half, size=2)
                h = {"lr": log_uniform(1e-4, 1.0)}
                if optimizer == "RMSprop":
                    h.update(
                        alpha=float(rng.choice([0.0, 0.9, 0.99, rng.uniform(0, 0.999)])),
                        eps=log_uniform(1e-10, 1.0),
                        weight_decay=maybe(log_uniform(1e-4, 1.0)),
                        momentum=maybe(float(rng.uniform(0, 0.95))),
                        centered=bool(rng.random() < 0.5),
                        eps_in_sqrt=bool(rng.random() < 0.5),
                    )
                elif optimizer == "Adagrad":
                    h.update(
                        lr_decay=maybe(float(rng.uniform(0, 1))),
                        weight_decay=maybe(log_uniform(1e-4, 1.0)),
                        initial_accumulator_value=float(rng.choice([0.0, 0.1, rng.uniform(0, 2)])),
                        eps=log_uniform(1e-10, 1.0),
                        eps_in_sqrt=bool(rng.random() < 0.5),
                    )
                elif optimizer == "SGD":
                    momentum = maybe(float(rng.choice([0.9, rng.uniform(0, 0.95)])))
                    nesterov = bool(momentum > 0 and rng.random() < 0.4)
                    h.update(
                        momentum=momentum,
                        dampening=0.0 if nesterov else maybe(float(rng.uniform(0, 1)), p=0.3),
                        weight_decay=maybe(log_uniform(1e-4, 1.0), p=0.3),
                        nesterov=nesterov,
                    )
                elif optimizer == "Adam":
                    h.update(
                        betas=[
                            float(rng.choice([0.0, 0.9, rng.uniform(0, 0.99)])),
                            float(rng.choice([0.999, 0.99, rng.uniform(0, 0.999)])),
                        ],
                        eps=log_uniform(1e-10, 1.0),
                        weight_decay=maybe(log_uniform(1e-4, 1.0)),
                        amsgrad=bool(rng.random() < 0.5),
                        decoupled_weight_decay=bool(rng.random() < 0.5),
                        eps_hat=bool(rng.random() < 0.5),
                    )
                configs.append(
                    {
                        "optimizer": optimizer,
                        "problem": problem,
                        "start": [float(v) for v in start],
                        "steps": int(rng.integers(0, 150)),
                        "hyperparams": h,
                        "lr_schedule": random_schedule(rng, h["lr"]),
                    }
                )
    return configs


JS_RUN_ALL = """configs => configs.map(c => {
  try {
    const t = window.rmspropRef.trace(c);
    if (t.error) throw t.error;
    return {path: window.rmspropRef.run(c), effLr: t.effLr};
  } catch (e) {
    return {error: [e.name, e.message]};
  }
})"""


def max_rel_diff(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    if a.size == 0:
        return 0.0
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(same, 0.0, np.abs(a - b) / np.abs(b))
    return float(np.max(rel))


# ------------------------------------------------------------------ the build's side


def _hook():
    return load_file(ROOT_DIR / "hooks" / "explorer.py", "explorer_hook")


def test_build_gives_the_page_every_2d_problem():
    meta = _hook().problem_metadata()
    assert sorted(meta) == sorted(TWO_D)
    for name, m in meta.items():
        x0, x1, y0, y1 = m["box"]
        for x, y in (m["start"], m["x_min"]):
            assert x0 < x < x1 and y0 < y < y1, name  # start and minimum are on the plot
        assert m["start"] == PROBLEMS[name].start.tolist() and m["x_min"] == PROBLEMS[name].x_min.tolist()
        assert len(m["contours"]) >= 8 and all(d.startswith("M") for d in m["contours"]), name
        assert m["formula"].startswith("<math"), name


def test_build_gives_the_quadratics_their_curvatures():
    """Hand calculation of each Hessian's eigenvalues: f = θ₁² + 0.5θ₂² has h = (2·0.5, 2·1);
    0.1θ₁² + 2θ₂² has (0.2, 4); the rotated quadratic's gradient (2.1θ₁ − 1.9θ₂, 2.1θ₂ − 1.9θ₁)
    has H = [[2.1, −1.9], [−1.9, 2.1]], eigenvalues 2.1 ∓ 1.9. Rosenbrock is not a quadratic."""
    hook = _hook()
    want = {"quadratic": [1.0, 2.0], "d2l_quadratic": [0.2, 4.0], "rotated_quadratic": [0.2, 4.0]}
    for name in TWO_D:
        got = hook.curvatures(PROBLEMS[name])
        if name in want:
            assert got == pytest.approx(want[name], rel=1e-9), name
        else:
            assert got is None, name


def test_served_script_loses_comments_but_not_code():
    compact = _hook().compact_js
    source = 'const a = "http://x/y"; // a URL\n  // a comment line\n/* block\n * more */\n  f(a); // call\n'
    assert compact(source) == 'const a = "http://x/y";\nf(a);\n'
    # a "//" inside a string with an odd quote count before it is left alone
    assert compact('  s = "a // b";\n') == 's = "a // b";\n'


def test_served_script_loses_spaces_but_not_meaning():
    squeeze = _hook().squeeze_js
    assert squeeze("const a = f(b, c) + 1;\nif (x in y) return a;\n") == "const a=f(b,c)+1;if(x in y)return a;"
    assert squeeze("x = a - -b + +c;\n") == "x=a- -b+ +c;"  # not a--b, not ++c
    # strings, template text (also in nested ${...}), regex literals and division as written
    kept = "p = \"a = b\" + 'c , d';\nq = `t = ${f(`u = ${v + 1}`)} w`;\nr = /a +b/g.test(s) ? n / 2 : (/ x/);\n"
    assert squeeze(kept) == "p=\"a = b\"+'c , d';q=`t = ${f(`u = ${v+1}`)} w`;r=/a +b/g.test(s)?n/2:(/ x/);"
    assert squeeze("return /a b/.test(s);\n") == "return/a b/.test(s);"
    # line breaks go only where no statement can end: after { ; , ( [ and before }
    assert squeeze("if (a) {\nf(x,\ny);\ng()\n}\ny = 1\nz()\nreturn\nw\n") == "if(a){f(x,y);g()}\ny=1\nz()\nreturn\nw\n"


# ------------------------------------------------------------------ (a) parity


def test_js_knows_every_2d_problem_of_the_package(explorer):
    assert TWO_D, "no 2-D problem in PROBLEMS"
    known = explorer.evaluate("window.rmspropRef.problems()")
    missing = sorted(set(TWO_D) - set(known))
    assert not missing, f"2-D problems the JavaScript port has no gradient for: {missing}"
    shown = explorer.eval_on_selector_all(".rr-explorer select[name=problem] option", "els => els.map(e => e.value)")
    assert sorted(shown) == sorted(TWO_D)


def test_optimizers_of_the_package_without_a_port_are_named(explorer):
    from rmsprop_ref._base import Optimizer

    exported = [
        n for n in rmsprop_ref.__all__ if isinstance(c := getattr(rmsprop_ref, n), type) and issubclass(c, Optimizer)
    ]
    assert set(rmsprop_ref_names()) <= set(exported)
    for name in sorted(set(exported) - set(rmsprop_ref_names())):
        got = explorer.evaluate(JS_RUN_ALL, [_cfg(optimizer=name)])[0]
        assert got["error"] == [
            "ValueError",
            f"the explorer has no port of rmsprop_ref.{name}; it runs {', '.join(rmsprop_ref_names())}",
        ]


def test_parity_with_rmsprop_ref_run(explorer):
    configs = random_configs()
    # the grid covers every problem, optimizer and option, each both ways
    assert {(c["problem"], c["optimizer"]) for c in configs} == {(p, o) for p in TWO_D for o in rmsprop_ref_names()}
    flags = [("RMSprop", "centered"), ("RMSprop", "eps_in_sqrt"), ("Adagrad", "eps_in_sqrt")]
    flags += [("Adam", "amsgrad"), ("Adam", "decoupled_weight_decay"), ("Adam", "eps_hat"), ("SGD", "nesterov")]
    for opt, key in flags:
        assert {c["hyperparams"][key] for c in configs if c["optimizer"] == opt} == {True, False}, key
    for opt, key in [
        ("RMSprop", "momentum"),
        ("RMSprop", "weight_decay"),
        ("Adagrad", "lr_decay"),
        ("Adam", "weight_decay"),
        ("SGD", "momentum"),
        ("SGD", "dampening"),
        ("SGD", "weight_decay"),
    ]:
        values = [c["hyperparams"][key] for c in configs if c["optimizer"] == opt]
        assert 0.0 in values and any(v > 0 for v in values), key
    adam = [c for c in configs if c["optimizer"] == "Adam"]
    assert len(adam) >= 100 and {c["hyperparams"]["betas"][0] for c in adam} >= {0.0, 0.9}
    # every schedule, and none, with every optimizer
    assert {(c["optimizer"], (c["lr_schedule"] or {}).get("name")) for c in configs} == {
        (o, s) for o in rmsprop_ref_names() for s in (None, "step_decay", "exponential", "inverse_sqrt", "cosine")
    }

    js = evaluate_json(explorer, JS_RUN_ALL, configs)
    worst, worst_lr, identical, points, errors = 0.0, 0.0, 0, 0, 0
    by_optimizer = {}
    for config, got in zip(configs, js):
        try:
            want = python_trace(config)
        except Exception:
            want = python_run(config)
            assert "error" in want, config  # raised with the recording subclass only: not a like-for-like run
            errors += 1
            assert got.get("error") == want["error"], (config, got.get("error"), want["error"])
            continue
        assert "error" not in got, (config, got["error"])
        assert len(got["path"]) == config["steps"] + 1
        diff = max_rel_diff(got["path"], want["path"])
        assert diff <= RTOL, (config, diff)
        worst = max(worst, diff)
        cell = by_optimizer.setdefault(config["optimizer"], {"configs": 0, "max_rel_diff_path": 0.0})
        cell["configs"] += 1
        cell["max_rel_diff_path"] = max(cell["max_rel_diff_path"], diff)
        identical += int(np.array_equal(np.asarray(got["path"], float), want["path"], equal_nan=True))
        points += len(got["path"])
        diff_lr = max_rel_diff(got["effLr"], want["effLr"]) if config["steps"] else 0.0
        assert diff_lr <= RTOL, (config, diff_lr)
        worst_lr = max(worst_lr, diff_lr)
    summary = {
        "configs": len(configs),
        "points": points,
        "bit_identical_paths": identical,
        "raised_in_both": errors,
        "max_rel_diff_path": worst,
        "max_rel_diff_effective_lr": worst_lr,
        "ran_without_error_by_optimizer": by_optimizer,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "explorer_parity.json").write_text(json.dumps(summary, indent=1))
    print(f"\nexplorer parity: {summary}")
    assert errors < len(configs) // 4, "most configs should run, not raise"


def rmsprop_ref_names():
    return ("SGD", "Adagrad", "RMSprop", "Adam")


def test_results_cross_from_the_page_bit_for_bit(explorer):
    """evaluate_json hands back what the page computed, bit for bit: the values JSON cannot
    write (NaN, ±inf, -0.0), the extremes, integers and strings, in nested lists and objects."""
    values = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 5e-324, 1.7976931348623157e308, 0.1, -2.5]
    values += [123456789012345680.0, 1e21, 3.0]
    got = evaluate_json(explorer, "xs => ({xs, nested: [xs], name: 'NaN', n: xs.length})", values)
    assert got["name"] == "NaN" and got["n"] == len(values)
    for back in (got["xs"], got["nested"][0]):
        assert np.array(back, dtype=np.float64).tobytes() == np.array(values, dtype=np.float64).tobytes()


# ------------------------------------------------------------------ the predicted envelope


def envelope_configs(seed=20261203, per_problem=40):
    """SGD on each quadratic with and without momentum (stable and unstable rates), plus
    settings the prediction does not cover: Rosenbrock, dampening, Nesterov, weight decay,
    a schedule, another optimizer."""
    rng = np.random.default_rng(seed)
    quadratics = [n for n in TWO_D if n != "rosenbrock"]
    configs = []
    for problem in quadratics:
        for i in range(per_problem):
            momentum = 0.0 if i % 2 else float(rng.choice([0.9, rng.uniform(0, 0.99)]))
            start = PROBLEMS[problem].x_min + rng.uniform(-5, 5, size=2)
            h = {"lr": float(10 ** rng.uniform(-3, 0.3)), "momentum": momentum}
            configs.append(_cfg(optimizer="SGD", problem=problem, start=start.tolist(), steps=150, hyperparams=h))
    uncovered = [
        _cfg(optimizer="SGD", problem="rosenbrock", hyperparams={"lr": 1e-3}),
        _cfg(optimizer="SGD", hyperparams={"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
        _cfg(optimizer="SGD", hyperparams={"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        _cfg(optimizer="SGD", hyperparams={"lr": 0.1, "weight_decay": 0.1}),
        _cfg(optimizer="SGD", hyperparams={"lr": 0.1}, lr_schedule={"name": "inverse_sqrt", "kwargs": {"lr": 0.1}}),
        _cfg(optimizer="RMSprop", hyperparams={"lr": 0.1}),
        _cfg(optimizer="Adam", hyperparams={"lr": 0.1}),
    ]
    return configs, uncovered


def predicted_envelope(config):
    """q^t‖θ₀ − θ*‖ from rmsprop_ref.dynamics, with the curvatures of the problem's Hessian."""
    from rmsprop_ref import dynamics

    p = PROBLEMS[config["problem"]]
    h = np.linalg.eigvalsh(dynamics.hessian(p.grad, p.x_min))
    lr, momentum = config["hyperparams"]["lr"], config["hyperparams"]["momentum"]
    q = dynamics.heavy_ball_contraction(lr, momentum, h) if momentum else dynamics.gd_contraction(lr, h)
    d0 = np.linalg.norm(np.asarray(config["start"]) - p.x_min)
    return q, d0 * q ** np.arange(config["steps"] + 1)


def test_envelope_parity_with_rmsprop_ref_dynamics(explorer):
    """The dashed envelope of the distance view: window.rmspropRef.envelope against q^t‖θ₀ − θ*‖
    with q from rmsprop_ref.dynamics (gd_contraction, heavy_ball_contraction), to 1e-12; null
    where the prediction does not apply. For gradient descent the envelope is also a bound:
    each eigen-coordinate is multiplied by 1 − ηhᵢ, |1 − ηhᵢ| <= q, so the measured distance
    never exceeds it. For heavy ball q is the long-run rate: the slope fitted to the measured
    distance (dynamics.fitted_contraction, steps 50-150) is within 5 % of it where the run
    converges."""
    from rmsprop_ref import dynamics

    configs, uncovered = envelope_configs()
    got = evaluate_json(explorer, "cs => cs.map(c => window.rmspropRef.envelope(c))", configs + uncovered)
    assert got[len(configs) :] == [None] * len(uncovered)
    worst, bounded, fitted = 0.0, 0, []
    for config, env in zip(configs, got):
        q, want = predicted_envelope(config)
        worst = max(worst, max_rel_diff(env, want))
        distance = np.linalg.norm(np.asarray(python_run(config)["path"]) - PROBLEMS[config["problem"]].x_min, axis=1)
        if not config["hyperparams"]["momentum"]:
            finite = np.isfinite(distance)
            assert np.all(distance[finite] <= want[finite] * (1 + 1e-9) + 1e-300), config
            bounded += 1
        elif q < 0.97 and distance[150] > 1e-250:
            rate = dynamics.fitted_contraction(distance, 50, 150)
            assert rate == pytest.approx(q, rel=0.05), (config, rate, q)
            fitted.append(abs(rate / q - 1))
    assert worst <= RTOL, worst
    assert bounded >= 50 and len(fitted) >= 20, (bounded, len(fitted))
    print(
        f"\nenvelope: {len(configs)} configs, max rel diff {worst:.1e}; GD bound held on {bounded}; "
        f"heavy-ball fitted rate within {max(fitted):.1%} of q on {len(fitted)}"
    )


def test_distance_view_draws_the_envelope_for_sgd_on_quadratics(tabs, site_server):
    visit = tabs().visit(site_server + "explorer/?problem=d2l_quadratic&a=SGD&a.lr=0.3&a.momentum=0.5&b=RMSprop")
    page = visit.page
    page.wait_for_selector(".rr-explorer[data-ready=true]")
    assert page.locator(".rr-distance .rr-envelope").count() == 1
    assert page.locator(".rr-distance .rr-envelope.rr-a.rr-dashed").count() == 1
    page.select_option("select[name=problem]", "rosenbrock")
    assert page.locator(".rr-distance .rr-envelope").count() == 0
    page.select_option("select[name=problem]", "rotated_quadratic")
    page.select_option("select[name=optimizer-b]", "SGD")
    assert page.locator(".rr-distance .rr-envelope").count() == 2
    page.locator("input[name=a-dampening]").focus()
    page.keyboard.press("ArrowRight")  # dampening > 0: not the heavy-ball map, no prediction
    assert page.locator(".rr-distance .rr-envelope").count() == 1
    assert visit.errors == [], visit.errors


def test_shown_numbers_are_formatted_as_python_repr(explorer):
    """The page writes floats as Python's repr does (the shown last point, the snippet's arguments)."""
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2**64, size=3000, dtype=np.uint64)
    values = [float(v) for v in bits.view(np.float64) if np.isfinite(v)]
    values += [float(v) for v in rng.normal(size=500) * 10.0 ** rng.integers(-8, 18, size=500)]
    values += [0.0, -0.0, 1.0, -2.0, 1e16, 1e15, 123456789012345680.0, 1e-4, 1e-5, 0.1, 5e-324, 1.7976931348623157e308]
    values += [float("inf"), float("-inf"), float("nan")]
    got = explorer.evaluate("xs => xs.map(window.rmspropRef.floatRepr)", values)
    wrong = [(repr(v), g) for v, g in zip(values, got) if g != repr(v)]
    assert not wrong, wrong[:10]


# ------------------------------------------------------------------ (b) refused settings


def _cfg(**changes):
    config = {"optimizer": "RMSprop", "problem": "quadratic", "start": [-4.5, 4.5], "steps": 5, "hyperparams": {}}
    hyper = changes.pop("hyperparams", {})
    config.update(changes)
    config["hyperparams"] = hyper
    return config


INVALID = [
    _cfg(optimizer="NoSuchOptimizer"),
    _cfg(problem="no_such_problem"),
    _cfg(steps=-1),
    _cfg(steps=2.5),
    _cfg(steps=True),
    _cfg(steps="3"),
    _cfg(hyperparams={"lr": -1}),
    _cfg(hyperparams={"lr": "0.1"}),
    _cfg(hyperparams={"lr": None}),
    _cfg(hyperparams={"lr": True}),
    _cfg(hyperparams={"alpha": 1}),
    _cfg(hyperparams={"alpha": -0.5}),
    _cfg(hyperparams={"eps": 0}),
    _cfg(hyperparams={"eps": float("nan")}),
    _cfg(hyperparams={"momentum": 1}),
    _cfg(hyperparams={"weight_decay": float("inf")}),
    _cfg(hyperparams={"centered": 1}),
    _cfg(hyperparams={"eps_in_sqrt": "yes"}),
    _cfg(hyperparams={"lr": 0.1, "lr_decay": 0.5}),
    _cfg(optimizer="SGD", hyperparams={"alpha": 0.9}),
    _cfg(optimizer="Adagrad", hyperparams={"lr_decay": -0.1}),
    _cfg(optimizer="Adagrad", hyperparams={"initial_accumulator_value": -1e-3}),
    _cfg(optimizer="Adagrad", hyperparams={"lr": 0.1, "eps": -1e-10}),
    _cfg(start=["a", 1.0]),
    _cfg(start=[1.0]),
    _cfg(start=[]),
    _cfg(start=[None, 1.0]),  # None becomes nan, so the first gradient is not finite
    _cfg(start=1.5),
    _cfg(start=[1.0, 2.0, 3.0]),
    _cfg(optimizer="SGD", problem="rosenbrock", steps=20, hyperparams={"lr": 10.0}),  # overflows to inf
    _cfg(optimizer="SGD", hyperparams={"nesterov": True}),
    _cfg(optimizer="SGD", hyperparams={"nesterov": True, "momentum": 0.9, "dampening": 0.5}),
    _cfg(optimizer="SGD", hyperparams={"momentum": 1}),
    _cfg(optimizer="SGD", hyperparams={"dampening": 1.5}),
    _cfg(optimizer="SGD", hyperparams={"weight_decay": -0.5}),
    _cfg(optimizer="SGD", hyperparams={"nesterov": 0}),
    _cfg(optimizer="Adam", hyperparams={"betas": [0.9]}),
    _cfg(optimizer="Adam", hyperparams={"betas": "ab"}),
    _cfg(optimizer="Adam", hyperparams={"betas": [1, 0.999]}),
    _cfg(optimizer="Adam", hyperparams={"betas": [0.9, -0.1]}),
    _cfg(optimizer="Adam", hyperparams={"betas": [0.9, None]}),
    _cfg(optimizer="Adam", hyperparams={"eps": 0}),
    _cfg(optimizer="Adam", hyperparams={"weight_decay": -1}),
    _cfg(optimizer="Adam", hyperparams={"amsgrad": 1}),
    _cfg(optimizer="Adam", hyperparams={"decoupled_weight_decay": None}),
    _cfg(optimizer="Adam", hyperparams={"eps_hat": "no"}),
    _cfg(optimizer="Adam", hyperparams={"momentum": 0.9}),
    _cfg(lr_schedule={"name": "linear"}),
    _cfg(lr_schedule={"name": "step_decay", "kwargs": {"lr": 0.1}}),
    _cfg(lr_schedule={"name": "exponential", "kwargs": {}}),
    _cfg(lr_schedule={"name": "exponential", "kwargs": {"lr": 0.1, "gamma": 0}}),
    _cfg(lr_schedule={"name": "step_decay", "kwargs": {"lr": 0.1, "step_size": 0}}),
    _cfg(lr_schedule={"name": "step_decay", "kwargs": {"lr": 0.1, "step_size": 2.5}}),
    _cfg(lr_schedule={"name": "step_decay", "kwargs": {"lr": 0.1, "step_size": 5, "gamma": 1.5}}),
    _cfg(lr_schedule={"name": "cosine", "kwargs": {"lr": 0.1, "t_max": 10, "eta_min": 0.2}}),
    _cfg(lr_schedule={"name": "cosine", "kwargs": {"lr": 1.5e-5, "t_max": 10, "eta_min": 1}}),
    _cfg(lr_schedule={"name": "cosine", "kwargs": {"lr": 123456789.0, "t_max": 10, "eta_min": 123456790.5}}),
    _cfg(lr_schedule={"name": "cosine", "kwargs": {"lr": 0.1, "t_max": "10"}}),
    _cfg(lr_schedule={"name": "inverse_sqrt", "kwargs": {"lr": 0.1, "gamma": 0.5}}),
    _cfg(lr_schedule={"name": "inverse_sqrt", "kwargs": {"lr": -1}}),
    _cfg(steps=-1, lr_schedule={"name": "inverse_sqrt", "kwargs": {"lr": -1}}),  # the schedule is built first
]


def test_refused_settings_get_pythons_error(explorer):
    js = explorer.evaluate(JS_RUN_ALL, INVALID)
    for config, got in zip(INVALID, js):
        want = python_run(config)
        assert "error" in want, f"Python accepted {config}: the case tests nothing"
        assert got.get("error") == want["error"], config
    print(f"\n{len(INVALID)} refused settings: JavaScript raised Python's exception and message for each")


# ------------------------------------------------------------------ (c) the page, driven


def _views(page):
    return page.evaluate(
        """() => ({
          paths: ['a', 'b'].map(k => document.querySelector(`.rr-contour .rr-path.rr-${k}`).getAttribute('d')),
          dist: [...document.querySelectorAll('.rr-distance .rr-line')].map(e => e.getAttribute('d')),
          lr: [...document.querySelectorAll('.rr-efflr .rr-line')].map(e => e.getAttribute('d')),
          last: document.querySelector('.rr-last').textContent,
          url: location.href,
        })"""
    )


def test_sliders_and_clicks_change_the_views(browser, tabs, site_server):
    visit = Visit(
        browser,
        site_server + "explorer/?problem=rosenbrock&steps=100&a=RMSprop&a.lr=0.01&b=SGD&b.lr=0.001",
        wait_until="load",
    )
    page = visit.page
    try:
        page.wait_for_selector(".rr-explorer[data-ready=true]")
        # every control is labelled with the quantity it sets
        labels = page.eval_on_selector_all(
            ".rr-explorer input, .rr-explorer select",
            "els => els.map(e => [e.name, e.labels.length ? e.labels[0].textContent : e.getAttribute('aria-label')])",
        )
        assert all(text.strip() for _, text in labels), labels
        names = {name: text for name, text in labels}
        assert "learning rate" in names["a-lr"] and "η" in names["a-lr"]
        assert "decay" in names["a-alpha"] and "α" in names["a-alpha"]
        assert "ε" in names["a-eps"] and "μ" in names["a-momentum"]

        before = _views(page)
        assert len(before["paths"]) == 2 and len(before["dist"]) == 2 and len(before["lr"]) == 4

        lr = page.locator("input[name=a-lr]")
        lr.focus()
        for _ in range(5):
            page.keyboard.press("ArrowLeft")  # the keyboard moves a slider, one step per press
        after_lr = _views(page)
        query = parse_qs(urlparse(after_lr["url"]).query)
        assert query["a.lr"] == [page.locator("input[name=a-lr] ~ output").text_content()]
        assert after_lr["paths"][0] != before["paths"][0] and after_lr["paths"][1] == before["paths"][1]
        assert after_lr["dist"][0] != before["dist"][0] and after_lr["lr"][0] != before["lr"][0]
        assert after_lr["last"] != before["last"]

        page.locator("input[name=a-alpha]").focus()
        page.keyboard.press("PageDown")
        after_alpha = _views(page)
        assert after_alpha["paths"][0] != after_lr["paths"][0]

        plot = page.locator(".rr-contour")
        box = plot.bounding_box()
        plot.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})  # scrolled into view first
        after_click = _views(page)
        start = parse_qs(urlparse(after_click["url"]).query)["start"][0].split(",")
        x0, x1, y0, y1 = -2.0, 4.0, -2.0, 4.0  # the plot box of rosenbrock (hooks/explorer.py)
        assert [float(s) for s in start] == pytest.approx([x0 + 0.25 * (x1 - x0), y1 - 0.75 * (y1 - y0)], abs=0.03)
        assert after_click["paths"] != after_alpha["paths"]

        # one optimizer alone: B set to none leaves A's views and drops B's
        page.select_option("select[name=optimizer-b]", "none")
        assert page.locator(".rr-contour .rr-path").count() == 1
        assert page.locator(".rr-distance .rr-line").count() == 1
        assert page.locator(".rr-last").text_content().startswith("A: [")
        assert "path_b" not in page.locator(".rr-snippet").text_content()
        page.select_option("select[name=optimizer-b]", "SGD")

        # the URL reproduces the view, in another context
        again = tabs().visit(after_click["url"])
        again.page.wait_for_selector(".rr-explorer[data-ready=true]")
        assert _views(again.page) == {**after_click}

        assert visit.errors == [], f"console errors: {visit.errors}"
        assert visit.failed == [], f"failed requests: {visit.failed}"
        assert visit.foreign(site_server) == [], f"requests to other hosts: {visit.foreign(site_server)}"
    finally:
        visit.close()


@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 1280), ("dark", 390), ("light", 390)])
def test_phone_width_and_both_schemes(tabs, site_server, scheme, width):
    visit = tabs(scheme).visit(site_server + "explorer/", width=width)
    page = visit.page
    with screenshot_on_failure(page, f"explorer-{scheme}-{width}"):
        page.wait_for_selector(".rr-explorer[data-ready=true]")
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == (
            "slate" if scheme == "dark" else "default"
        )
        # nothing wider than the screen: no sideways scrolling on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        svg = page.locator(".rr-contour").bounding_box()
        assert svg["width"] >= min(300, width - 60)
        # axis text in the plots contrasts with the page background in both schemes
        text_lum, bg_lum = page.evaluate(
            """() => {
              const lum = c => {
                const [r, g, b] = c.match(/[\\d.]+/g).map(Number);
                return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
              };
              const t = getComputedStyle(document.querySelector('.rr-distance text')).fill;
              const bg = getComputedStyle(document.body).backgroundColor;
              return [lum(t), lum(bg)];
            }"""
        )
        assert abs(text_lum - bg_lum) > 0.5, (scheme, text_lum, bg_lum)
        assert visit.errors == [], visit.errors


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_plot_stays_in_view_while_a_slider_moves(tabs, site_server, width, height):
    """A desktop window and a phone: each learning-rate slider, reached from the keyboard and
    moved, is on screen and uncovered while the whole contour plot is on screen too."""
    visit = tabs().visit(site_server + "explorer/", width=width)
    page = visit.page
    measured = {}
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_selector(".rr-explorer[data-ready=true]")
    for name in ("a-lr", "b-lr", "a-alpha"):
        path = page.locator(f".rr-contour .rr-path.rr-{name[0]}")
        before = path.get_attribute("d")
        slider = page.locator(f"input[name={name}]")
        slider.focus()  # the browser scrolls a focused control into view
        page.keyboard.press("ArrowLeft")
        s, plot = slider.bounding_box(), page.locator(".rr-contour").bounding_box()
        measured[name] = {"slider": s, "plot": plot, "scrollY": page.evaluate("scrollY")}
        assert 0 <= s["y"] and s["y"] + s["height"] <= height, (name, s)
        assert 0 <= plot["y"] and plot["y"] + plot["height"] <= height, (name, plot)
        assert 0 <= plot["x"] and plot["x"] + plot["width"] <= width, (name, plot)
        # nothing (the sticky plot, the header) lies over the slider's centre
        on_top = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).name", [s["x"] + s["width"] / 2, s["y"] + s["height"] / 2]
        )
        assert on_top == name, (name, on_top)
        assert path.get_attribute("d") != before, name  # the plot in view is the one that changed
    assert plot["width"] >= min(300, width - 40), plot  # the plot still reads on a phone
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"explorer_layout_{width}x{height}.json").write_text(json.dumps(measured, indent=1))
    assert visit.errors == [], visit.errors


def test_page_weight_and_own_javascript_within_budget(browser, site_server):
    """Cold load of the explorer: <= 600 KB in all (uncompressed, search index aside), own JS <= 40 KB.

    A new context (an empty cache) that records every response from the first request on;
    "networkidle", so what loads after the load event counts too."""
    visit = Visit(browser, "about:blank")
    sizes, own_js = [], []

    def on_response(response):
        if "search_index" not in response.url:
            sizes.append(len(response.body()))
            if response.url.endswith(".js") and "/assets/" not in response.url:
                own_js.append(len(response.body()))

    try:
        visit.page.on("response", on_response)
        visit.page.goto(site_server + "explorer/", wait_until="networkidle")
        assert own_js, "the site's script was not loaded"
        assert sum(own_js) <= 40 * 1024, sum(own_js)
        assert sum(sizes) <= 600 * 1024, sum(sizes)
    finally:
        visit.close()


def test_survives_materials_page_switch_signal(tabs, site_server):
    """With navigation.instant, Material announces each new page on document$; the explorer rebuilds once, cleanly."""
    visit = tabs().visit(site_server + "explorer/?steps=12")
    page = visit.page
    page.wait_for_selector(".rr-explorer[data-ready=true]")
    assert page.evaluate("typeof document$.next") == "function"
    page.evaluate("document.querySelector('.rr-explorer select').dataset.old = 'yes'")
    page.evaluate("document$.next(document)")  # what an instant page switch emits
    page.wait_for_selector(".rr-explorer[data-ready=true]")
    assert page.locator(".rr-explorer select[data-old]").count() == 0  # rebuilt, not left as it was
    assert page.locator(".rr-explorer select[name=problem]").count() == 1
    assert page.locator(".rr-ewma, .rr-explorer .rr-contour").count() == 1
    assert page.locator("input[name=steps] ~ output").text_content() == "12"
    assert visit.errors == [], visit.errors


# ------------------------------------------------------------------ (d) copy as Python


def test_copied_python_prints_the_shown_last_point(tabs, site_server):
    url = (
        site_server + "explorer/?problem=d2l_quadratic&steps=40&start=-5,-2.5&a=RMSprop&a.lr=0.3&a.alpha=0.9"
        "&a.eps=1e-8&a.momentum=0.5&a.centered=1&a.eps_in_sqrt=0&b=Adagrad&b.lr=0.7&b.lr_decay=0.1"
        "&b.eps=1e-10&b.eps_in_sqrt=1"
    )
    tab = tabs()
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        visit = tab.visit(url)
        page = visit.page
        page.wait_for_selector(".rr-explorer[data-ready=true]")
        page.click("button.rr-copy")
        page.wait_for_function("document.querySelector('.rr-copied').textContent === 'copied'")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.locator(".rr-snippet").text_content()
        assert "momentum=0.5" in copied and "centered=True" in copied and "eps_in_sqrt=True" in copied
        assert max(len(line) for line in copied.splitlines()) <= 88
        shown = page.locator(".rr-last").text_content()
        proc = subprocess.run(
            [sys.executable, "-c", copied], capture_output=True, text=True, cwd=ROOT_DIR, timeout=60, check=False
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == shown.strip()
        assert shown.count("\n") == 1 and shown.startswith("A: [")
        assert visit.errors == [], visit.errors
    finally:
        tab.context.clear_permissions()


# ------------------------------------------------------------------ (e) the EWMA widget


def check_ewma_widget(tab, site_server, key, presses, beta):
    """Move the EWMA widget's β slider in `tab` from 0.9 with `presses` presses of `key`; check it redrew for `beta`."""
    pd = require("pandas", "the EWMA widget is compared with pandas' ewm")
    visit = tab.visit(site_server + "ewma/")
    page = visit.page
    page.wait_for_selector(".rr-ewma[data-ready=true]")
    widget = page.locator(".rr-ewma")
    label = widget.locator("input[type=range]").evaluate("e => e.labels[0].textContent")
    assert "β" in label

    def state():
        return widget.evaluate(
            """el => ({
              data: el.rrEwma,
              bars: [...el.querySelectorAll('.rr-weights rect')].map(r => Number(r.getAttribute('height'))),
              lines: [...el.querySelectorAll('.rr-series .rr-line')].map(p => p.getAttribute('d')),
              shown: el.querySelector('output').textContent,
            })"""
        )

    before = state()
    widget.locator("input[type=range]").focus()
    for _ in range(presses):
        page.keyboard.press(key)
    after = state()
    assert before["shown"] == "0.90" and after["shown"] == f"{beta:.2f}"
    assert after["bars"] != before["bars"] and after["lines"] != before["lines"]
    data = after["data"]
    assert data["beta"] == pytest.approx(beta)
    # bar k is the weight (1 - β)β^k: each bar is β times the one before (heights rounded to 0.01 px)
    bars = np.array(after["bars"][:4])
    assert bars[1:] / bars[:-1] == pytest.approx(beta, abs=0.01)
    # the averages drawn: the raw one is rmsprop_ref.ewma; the corrected one is pandas' adjust=True
    x = pd.Series(data["x"])
    ref = x.ewm(alpha=1 - data["beta"], adjust=True).mean().to_numpy()
    assert max_rel_diff(data["corrected"], ref) < 1e-12
    assert max_rel_diff(data["raw"], rmsprop_ref.ewma(data["x"], data["beta"])) < 1e-12
    assert visit.errors == [], visit.errors
    return data


def test_ewma_widget_follows_its_beta_slider(tabs, site_server):
    check_ewma_widget(tabs(), site_server, "ArrowLeft", 40, 0.5)  # 0.9 -> 0.5 in steps of 0.01


def _contrast(a, b):
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""

    def lum(css):
        r, g, b = (float(v) / 255 for v in css[css.index("(") + 1 : -1].split(",")[:3])
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_ewma_widget_focus_ring_and_y_axis_fit_its_data(tabs, site_server, scheme):
    """The β slider shows a focus ring (>= 2 px, >= 3:1 against the page) when reached from the
    keyboard; the weights' y axis ends at 1 − β rounded up to one digit, so the tallest bar
    (k = 0, weight 1 − β) fills more than half of it whatever β is."""
    visit = tabs(scheme).visit(site_server + "ewma/")
    page = visit.page
    page.wait_for_selector(".rr-ewma[data-ready=true]")
    slider = page.locator(".rr-ewma input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")  # a key press: the focus now counts as keyboard focus
    page.keyboard.press("ArrowLeft")
    ring = slider.evaluate(
        """e => { const s = getComputedStyle(e);
                  return {visible: e.matches(':focus-visible'), style: s.outlineStyle,
                          width: parseFloat(s.outlineWidth), color: s.outlineColor,
                          bg: getComputedStyle(document.body).backgroundColor}; }"""
    )
    assert ring["visible"] and ring["style"] not in ("none", "hidden") and ring["width"] >= 2, ring
    assert _contrast(ring["color"], ring["bg"]) >= 3, ring
    fills = {}
    for beta in (0.9, 0.0, 0.37, 0.5, 0.8, 0.95, 0.99):
        slider.evaluate("(e, b) => { e.value = String(b); e.dispatchEvent(new Event('input')); }", beta)
        got = page.locator(".rr-ewma").evaluate(
            """el => ({
              bars: [...el.querySelectorAll('.rr-weights rect')].map(r => Number(r.getAttribute('height'))),
              ticks: [...el.querySelectorAll('.rr-weights .rr-tick')]
                .map(t => [Number(t.textContent), Number(t.getAttribute('y'))]),
            })"""
        )
        (zero, y0), _, (top, y_top) = got["ticks"]
        axis = y0 - y_top  # the tick labels sit 4 units below their gridline: the difference is the axis
        assert zero == 0 and top >= (1 - beta) - 1e-12, (beta, got["ticks"])  # 1 - 0.95 is 0.05 + 4e-17
        assert max(got["bars"]) == got["bars"][0]
        fill = got["bars"][0] / axis
        assert fill == pytest.approx((1 - beta) / top, abs=1e-3)  # the bar is drawn to the labelled scale
        assert 0.5 < fill <= 1 + 1e-3, (beta, fill)
        fills[beta] = round(fill, 3)
    print(f"\nEWMA widget, tallest bar / y axis: {fills}")
    assert visit.errors == [], visit.errors
