"""Claims on the Framework conventions page (docs/frameworks.md)."""

from __future__ import annotations

import ast
import inspect
import itertools
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from conftest import compare_with_torch
from rmsprop_ref import RMSprop

ROOT = Path(__file__).resolve().parents[1]


def _paths(lrs, grads, alpha=0.9, eps=1e-8, mu=0.9):
    """Hand-written RMSprop momentum in both conventions, for a per-step learning rate."""
    theta_out, theta_in = np.zeros(grads.shape[1]), np.zeros(grads.shape[1])
    v, b_out, b_in = np.zeros_like(theta_out), np.zeros_like(theta_out), np.zeros_like(theta_out)
    outside, inside = [], []
    for lr, g in zip(lrs, grads):
        v = alpha * v + (1 - alpha) * g * g
        u = g / (np.sqrt(v) + eps)
        b_out = mu * b_out + u  # PyTorch: b ← μb + u; θ ← θ − ηb
        theta_out = theta_out - lr * b_out
        b_in = mu * b_in + lr * u  # Keras/TF: b ← μb + ηu; θ ← θ − b
        theta_in = theta_in - b_in
        outside.append(theta_out)
        inside.append(theta_in)
    return np.array(outside), np.array(inside)


def _keras_rmsprop_grid() -> list[tuple]:
    """The (rho, epsilon, momentum, centered) cases of test_parity_keras.py::test_rmsprop_matches_keras,
    evaluated from its parametrize decorator (read with ast, so Keras is not imported here)."""
    tree = ast.parse((ROOT / "tests" / "test_parity_keras.py").read_text(encoding="utf-8"))
    test = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "test_rmsprop_matches_keras")
    (mark,) = [
        d for d in test.decorator_list if isinstance(d, ast.Call) and ast.unparse(d.func).endswith("parametrize")
    ]
    assert ast.literal_eval(mark.args[0]) == ("rho", "epsilon", "momentum", "centered")
    return eval(compile(ast.Expression(mark.args[1]), "test_parity_keras.py", "eval"), {"itertools": itertools})


def test_claim_frameworks_momentum_lr_inside_outside(claim):
    """Both conventions written out by hand on the same gradients (40 steps, 3 coordinates,
    the sentence's μ, eps outside the root): with a constant lr the paths agree to 1e-12; with
    lr halved after 20 steps they differ by more than 1e-3 from step 21 on. The PyTorch-style
    path equals the package's RMSprop(momentum=μ); and the Keras parity test's grid has μ (the
    Keras side against Keras itself is tests/test_parity_keras.py::test_rmsprop_matches_keras).
    """
    mu = claim.num("momentum 0.9").value
    assert any(case[2] == mu for case in _keras_rmsprop_grid())
    grads = np.random.default_rng(0).normal(size=(40, 3))
    outside, inside = _paths(np.full(40, 0.01), grads, mu=mu)
    np.testing.assert_allclose(outside, inside, rtol=0, atol=1e-12)
    theta = np.zeros(3)
    opt = RMSprop(theta, lr=0.01, alpha=0.9, momentum=mu)
    for g in grads:
        opt.step(g)
    np.testing.assert_allclose(theta, outside[-1], rtol=1e-12)
    schedule = np.where(np.arange(40) < 20, 0.01, 0.005)
    outside, inside = _paths(schedule, grads, mu=mu)
    np.testing.assert_allclose(outside[:20], inside[:20], rtol=0, atol=1e-12)
    assert np.all(np.max(np.abs(outside[20:] - inside[20:]), axis=1) > 1e-3)


#: A parity case compares with a framework if its test (or a helper of its module it calls)
#: names one of these.
FRAMEWORK_NAMES = {"PyTorch": {"torch", "compare_with_torch"}, "Keras": {"keras"}, "pandas": {"pd", "pandas"}}


def _frameworks_by_test(module: Path) -> dict[str, set[str]]:
    """Test name -> the frameworks it compares rmsprop_ref with, for the tests that call rmsprop_ref."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    ours = {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "rmsprop_ref"
            for a in n.names}  # fmt: skip

    def names(node):
        found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        return found | {a.arg for n in ast.walk(node) if isinstance(n, ast.arguments) for a in n.args}

    out = {}
    for name in (n for n in funcs if n.startswith("test_")):
        seen, todo, used = set(), [name], set()
        while todo:  # the test and the module's helpers it calls, transitively
            f = todo.pop()
            if f not in seen:
                seen.add(f)
                used |= names(funcs[f])
                todo += [n for n in names(funcs[f]) if n in funcs]
        if used & ours:
            out[name] = {fw for fw, marks in FRAMEWORK_NAMES.items() if used & marks}
    return out


@pytest.fixture(scope="module")
def parity_cases(request) -> Counter:
    """(module, test) -> number of collected cases, for every tests/test_parity_*.py: from this
    session's items when it collected them all, else from `pytest --collect-only`."""
    modules = sorted((ROOT / "tests").glob("test_parity_*.py"))
    wanted = {f"tests/{m.name}" for m in modules}
    ids = [item.nodeid for item in request.session.items if item.nodeid.split("::")[0] in wanted]
    if {i.split("::")[0] for i in ids} != wanted:
        out = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *map(str, modules)],
            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "CI": "true"},
        )  # fmt: skip
        assert out.returncode == 0, out.stdout + out.stderr
        ids = [line for line in out.stdout.splitlines() if "::" in line]
    return Counter(re.match(r"tests/([^:]+)::(\w+)", i).groups() for i in ids)


def test_claim_frameworks_parity_counts(claim, parity_cases):
    """The cases counted from the parity modules themselves: every tests/test_parity_*.py (a new
    one counts), each collected case of a test that calls rmsprop_ref, by the frameworks its test
    (with its module's helpers) names; the step count of the optimizer grids is each module's
    STEPS and compare_with_torch's default."""
    totals = Counter()
    for module in sorted((ROOT / "tests").glob("test_parity_*.py")):
        for test, frameworks in _frameworks_by_test(module).items():
            for fw in frameworks:
                totals[fw] += parity_cases[(module.name, test)]
    claim.num(r"(\d+) test cases").check(totals["PyTorch"])
    claim.num(r"(\d+) against Keras").check(totals["Keras"])
    claim.num(r"(\d+) against pandas").check(totals["pandas"])
    steps = claim.num(r"(\d+) steps each")
    steps.check(inspect.signature(compare_with_torch).parameters["steps"].default)
    for module in ("test_parity_torch.py", "test_parity_keras.py", "test_parity_adam.py"):
        tree = ast.parse((ROOT / "tests" / module).read_text(encoding="utf-8"))
        (value,) = [n.value for n in tree.body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "STEPS"]
        steps.check(ast.literal_eval(value))
