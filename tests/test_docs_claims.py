"""Numbers in the prose that are about the project itself, checked against the project."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest

from conftest import load_file

ROOT = Path(__file__).resolve().parents[1]


def _tests_touching_rmsprop_ref(tree: ast.Module) -> set[str]:
    """Test functions that use a name imported from rmsprop_ref, directly or through a helper."""
    touching = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "rmsprop_ref":
            touching |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            touching |= {a.asname or a.name for a in node.names if a.name.split(".")[0] == "rmsprop_ref"}
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    used = {name: {n.id for n in ast.walk(f) if isinstance(n, ast.Name)} for name, f in functions.items()}
    while True:  # helpers calling helpers: until nothing new touches the package
        new = {name for name, names in used.items() if name not in touching and names & touching}
        if not new:
            break
        touching |= new
    return {name for name in functions if name.startswith("test_") and name in touching}


def _parity_cases(test_file: str) -> int:
    """The pytest cases of `test_file` that run rmsprop_ref: its parametrize marks, multiplied out.

    The module is imported in this process (its framework is imported once per session, as
    the parity tests import it anyway); which tests call rmsprop_ref is read from the source.
    """
    path = ROOT / "tests" / test_file
    module = load_file(path, f"counted_{path.stem}")
    cases = 0
    for name in _tests_touching_rmsprop_ref(ast.parse(path.read_text())):
        marks = getattr(getattr(module, name), "pytestmark", [])
        cases += math.prod(len(m.args[1]) for m in marks if m.name == "parametrize")
    return cases


def test_counting_skips_tests_that_do_not_touch_rmsprop_ref():
    tree = ast.parse(
        "from rmsprop_ref import RMSprop as R\n"
        "def _helper(): return R\n"
        "def test_direct(): R()\n"
        "def test_via_helper(): _helper()\n"
        "def test_framework_only(): import torch\n"
    )
    assert _tests_touching_rmsprop_ref(tree) == {"test_direct", "test_via_helper"}


@pytest.mark.parametrize(
    ("framework", "test_file"),
    [("PyTorch", "test_parity_torch.py"), ("Keras", "test_parity_keras.py"), ("pandas", "test_parity_pandas.py")],
)
def test_parity_case_counts_on_the_frameworks_page(framework, test_file):
    text = " ".join((ROOT / "docs" / "frameworks.md").read_text().split())
    claimed = re.search(rf"(\d+) (?:test cases run rmsprop_ref )?against {framework}", text)
    assert claimed, f"the frameworks page no longer states a count for {framework}"
    assert int(claimed.group(1)) == _parity_cases(test_file)
