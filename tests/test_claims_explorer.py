"""Claims on the explorer page (docs/explorer.md) and the EWMA widget (docs/ewma.md), in Chromium.

The browser, the page visits and the Python reference are tests/test_explorer.py's;
these tests measure each tagged sentence on its own settings, with the numbers its text
prints (the `claim` fixture, tests/claims.py).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from test_explorer import (
    INVALID,
    JS_RUN_ALL,
    check_ewma_widget,
    envelope_configs,
    evaluate_json,
    explorer,
    max_rel_diff,
    predicted_envelope,
    python_effective_lr,
    python_run,
    random_configs,
    tabs,
)

from conftest import ROOT_DIR, Visit
from rmsprop_ref import PROBLEMS

pytestmark = pytest.mark.browser
__all__ = ["explorer", "tabs"]  # fixtures, shared with test_explorer.py (browser comes from conftest)


def _views(page):
    return page.evaluate(
        """() => ({
          paths: [...document.querySelectorAll('.rr-explorer svg path')].map(e => e.getAttribute('d')),
          shown: document.querySelector('.rr-last').textContent,
          snippet: document.querySelector('.rr-snippet').textContent,
          controls: [...document.querySelectorAll('.rr-explorer input, .rr-explorer select')]
            .map(e => e.type === 'checkbox' ? e.checked : e.value),
        })"""
    )


def test_claim_explorer_link_reproduces_the_view(claim, browser, tabs, site_server):
    """ "The address bar keeps the settings, so a link to the page as it is now reproduces the view."

    Sets every kind of control on one page (problem, steps, start, both optimizers, a
    log slider, a linear slider, a checkbox), then opens the address-bar URL in a new
    browser context (no shared storage) and compares every control, every drawn path,
    the shown last points and the snippet.
    """
    assert "reproduces the view" in claim.text
    visit = tabs().visit(site_server + "explorer/")
    page = visit.page
    page.wait_for_selector(".rr-explorer[data-ready=true]")
    page.select_option("select[name=problem]", "d2l_quadratic")
    page.select_option("select[name=optimizer-b]", "SGD")
    page.locator("input[name=steps]").focus()
    page.keyboard.press("ArrowLeft")
    for name in ("a-lr", "a-momentum", "b-lr"):
        page.locator(f"input[name={name}]").focus()
        page.keyboard.press("ArrowRight")
    page.check("input[name=a-centered]")
    page.fill("input[name=start2]", "1.25")
    page.locator("input[name=start2]").press("Enter")
    page.locator("input[name=start2]").blur()
    here = _views(page)
    assert "d2l_quadratic" in page.url and "a.centered=1" in page.url and "start=-5%2C1.25" in page.url
    again = Visit(browser, page.url)
    try:
        again.page.wait_for_selector(".rr-explorer[data-ready=true]")
        assert _views(again.page) == here
    finally:
        again.close()
    assert visit.errors == []


def test_claim_explorer_overflow_shows_the_package_error(claim, tabs, site_server):
    """ "A run whose gradient overflows stops with the error the package raises, shown in place
    of the last point."

    SGD with η = 10 on Rosenbrock from its start overflows within a few steps; the page's
    line for that optimizer must read "A: " plus the exception name and message that
    rmsprop_ref.run raises for the same settings, while the other optimizer still shows
    its point.
    """
    assert "overflows" in claim.text
    visit = tabs().visit(site_server + "explorer/?problem=rosenbrock&steps=30&a=SGD&a.lr=10&b=RMSprop&b.lr=0.01")
    visit.page.wait_for_selector(".rr-explorer[data-ready=true]")
    shown = visit.page.locator(".rr-last").text_content().splitlines()
    want = python_run(
        {"optimizer": "SGD", "problem": "rosenbrock", "start": [-1.5, 2.0], "steps": 30, "hyperparams": {"lr": 10}}
    )
    assert "error" in want
    assert shown[0] == f"A: {want['error'][0]}: {want['error'][1]}"
    assert "overflow" not in shown[1] and shown[1].startswith("B: [")
    assert visit.errors == [], visit.errors


def test_claim_explorer_port_matches_rmsprop_ref_run(claim, explorer):
    """ "On a seeded random grid of settings over every problem, optimizer and option,
    it gives the path of `rmsprop_ref.run` to within $10^{-12}$ relative on every coordinate."

    A second grid (another seed than test_explorer.py's) of 5 settings per problem and
    optimizer; each path point of window.rmspropRef.run against rmsprop_ref.run, and
    settings that make Python raise must raise the same in the browser.
    """
    configs = random_configs(seed=7, per_cell=5)
    worst = 0.0
    for config, got in zip(configs, evaluate_json(explorer, JS_RUN_ALL, configs)):
        want = python_run(config)
        if "error" in want:
            assert got.get("error") == want["error"]
            continue
        worst = max(worst, max_rel_diff(got["path"], want["path"]))
    assert worst <= claim.num("10^{-12}").value


def test_claim_explorer_refused_settings_get_the_package_message(claim, explorer):
    """ "Settings the package refuses get the package's exception and message here too."

    Every refused setting of test_explorer.INVALID (wrong optimizer or problem name, bad
    steps, out-of-range or wrongly typed hyperparameters, unknown keywords, bad start
    points, an overflowing run): exception class name and message, browser against Python.
    """
    assert "refuses" in claim.text
    for config, got in zip(INVALID, explorer.evaluate(JS_RUN_ALL, INVALID)):
        assert got.get("error") == python_run(config)["error"], config


def test_claim_explorer_snippet_prints_the_shown_points(claim, explorer):
    """ "**Copy as Python** copies a snippet that reproduces the paths with `rmsprop_ref` and
    prints the last point of each; the lines above the button show what it prints."

    On the default view (the article's settings, both optimizers): the snippet in the
    page is run with this interpreter, and its output must equal the shown lines.
    """
    assert "Copy as Python" in claim.text
    # the module's explorer page: loaded at explorer/ and only asked to compute since
    snippet = explorer.locator(".rr-snippet").text_content()
    shown = explorer.locator(".rr-last").text_content()
    proc = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, cwd=ROOT_DIR, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == shown.strip()
    # the article's settings, as the page's default view
    assert "[-4.5, 4.5], 30," in snippet and "lr=1.0, alpha=0.9," in snippet
    assert [line[:4] for line in shown.splitlines()] == ["A: [", "B: ["]


def test_claim_ewma_widget_redraws_for_beta(claim, tabs, site_server):
    """ "**Try it:** the widget redraws the weights $(1-\\beta)\\beta^k$ and both averages of one
    noisy series for the $\\beta$ you set."

    On the EWMA page, the β slider is moved from 0.9 to 0.6 from the keyboard (30 presses
    of the left arrow); the weight bars must change to ratios β between neighbours, and the
    two averages drawn must be rmsprop_ref.ewma and pandas' ewm(adjust=True) of the series
    at β = 0.6 (tests/test_explorer.py::check_ewma_widget).
    """
    data = check_ewma_widget(tabs(), site_server, "ArrowLeft", 30, 0.6)
    # the 1 of (1 − β): the newest value's weight plus β
    claim.num("1").check(data["weights"][0] + data["beta"])


def test_claim_explorer_effective_rate_is_the_packages(claim, explorer):
    """ "Effective learning rate ... For Adam it is η/(√v̂_t + ε), the factor by which step t
    multiplied m̂_t (...). Under a schedule, η is that step's η_t."

    The effective-rate view's numbers after every step against opt.effective_lr() of the
    package, run as run() runs (schedule set before each step), on another seed's grid:
    every optimizer and option, with and without each schedule.
    """
    assert "Adam" in claim.text and "schedule" in claim.text
    configs = random_configs(seed=11, per_cell=5)
    checked = 0
    for config, got in zip(configs, evaluate_json(explorer, JS_RUN_ALL, configs)):
        if "error" in got or not config["steps"]:
            continue
        assert max_rel_diff(got["effLr"], python_effective_lr(config)) <= 1e-12, config
        checked += 1
    assert checked >= 60 and {c["optimizer"] for c in configs} >= {"SGD", "Adagrad", "RMSprop", "Adam"}


def test_claim_explorer_envelope_predicts_the_distance(claim, explorer):
    """ "For SGD on the three quadratics (...) a dashed line adds the prediction q^t‖θ₀ − θ*‖ of
    rmsprop_ref.dynamics, with q = max_i |1 − ηh_i| for gradient descent and, with momentum,
    the largest modulus of the eigenvalues of the heavy-ball map. Gradient descent's distance
    never rises above it; heavy ball's follows its slope in the long run."

    The browser's envelope against rmsprop_ref.dynamics on test_explorer's grid (and none for
    the settings it excludes); the measured distance of every gradient-descent run under it;
    heavy ball's slope fitted over steps 50-150 within 5 % of q. The printed 1 is measured
    from the browser's q: at rates below 1/h_max, q + η·h_min.
    """
    from rmsprop_ref import dynamics

    quadratics = [n for n in PROBLEMS if PROBLEMS[n].dim == 2 and n != "rosenbrock"]
    assert "three quadratics" in " ".join(claim.text.split()) and len(quadratics) == 3
    configs, uncovered = envelope_configs(seed=3, per_problem=12)
    got = evaluate_json(explorer, "cs => cs.map(c => window.rmspropRef.envelope(c))", configs + uncovered)
    assert got[len(configs) :] == [None] * len(uncovered)
    for config, env in zip(configs, got):
        q, want = predicted_envelope(config)
        assert max_rel_diff(env, want) <= 1e-12, config
        distance = np.linalg.norm(np.asarray(python_run(config)["path"]) - PROBLEMS[config["problem"]].x_min, axis=1)
        if not config["hyperparams"]["momentum"]:
            finite = np.isfinite(distance)
            assert np.all(distance[finite] <= want[finite] * (1 + 1e-9) + 1e-300), config
        elif q < 0.97 and distance[150] > 1e-250:
            assert dynamics.fitted_contraction(distance, 50, 150) == pytest.approx(q, rel=0.05), config
    for name in quadratics:
        h = np.linalg.eigvalsh(dynamics.hessian(PROBLEMS[name].grad, PROBLEMS[name].x_min))
        lr = 0.5 / h.max()
        q = explorer.evaluate("([lr, h]) => window.rmspropRef.contraction(lr, 0, h)", [lr, h.tolist()])
        claim.num("1").check(q + lr * h.min())
