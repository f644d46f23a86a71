"""Claims on the home page (docs/index.md): the first step, what each page's code needs, where the
example is. Each test reads its sentence's numbers from the page (the `claim` fixture)."""

from __future__ import annotations

import ast
import functools
import inspect
import json
import re
import sys
from pathlib import Path

import numpy as np
import yaml

from conftest import load_file
from rmsprop_ref import RMSprop, quadratic

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "docs" / "index.md"


@functools.cache
def _blocks_module():
    """The root conftest: pytest-codeblocks' extraction of a page's blocks, as the docs tests run them."""
    return load_file(ROOT / "conftest.py", "root_conftest_for_index_claims")


def _code(page: str) -> list[str]:
    """The Python a reader sees on a page: its Python blocks (includes expanded), or a notebook's code cells."""
    path = ROOT / "docs" / page
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    blocks = _blocks_module()
    return [blocks.shown_code(b) for b in blocks.python_blocks(path)]


def _imports(code: list[str]) -> set[str]:
    found = set()
    for block in code:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "rmsprop_ref"}


def _table() -> dict[str, set[str]]:
    """Page file -> the packages its row in 'What is where' names."""
    rows = {}
    for line in INDEX.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*\[[^\]]+\]\(([^)#]+)\)\s*\|[^|]*\|([^|]*)\|\s*$", line)
        if m:
            names = re.sub(r"\(.*?\)", "", m.group(2))
            rows[m.group(1).strip()] = {n.strip() for n in names.split(",") if n.strip() not in ("", "–")}
    return rows


def _nav_pages() -> list[str]:
    def walk(items):
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            if isinstance(value, list):
                yield from walk(value)
            else:
                yield value

    return list(walk(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]))


def _first_move(g, lr, alpha, **kw):
    theta = np.zeros_like(g)
    RMSprop(theta, lr=lr, alpha=alpha, **kw).step(g)
    return np.abs(theta)


def test_claim_index_first_step_same_size(claim):
    """The page's first step (lr and α from the sentence, the article's start) moves both
    coordinates by the printed 0.3162 although the gradients differ; ε's default is the printed
    one; a gradient of the printed small size moves by the printed fraction of η; and one large
    against ε (1e-4) moves by η/√(1 − α) to 0.1 %."""
    lr, alpha = claim.num("0.1").value, claim.num("0.9").value
    g = quadratic.grad(quadratic.start)
    claim.num("-9").check(g[0])
    claim.num("4.5").check(g[1])
    theta = quadratic.start.copy()
    RMSprop(theta, lr=lr, alpha=alpha).step(g)
    move = np.abs(theta - quadratic.start)
    for m in move:
        claim.num("0.3162").check(m)
        for one in claim.nums("1"):  # the 1 of √(1 − α), twice: the move is η/√(1 − α)
            one.check(alpha + (lr / m) ** 2)
    eps = inspect.signature(RMSprop).parameters["eps"].default
    claim.num("10^{-8}").check(eps)
    tiny = claim.num("10^{-9}").value
    claim.num("0.097").check(_first_move(np.array([tiny]), lr, alpha)[0] / lr)
    assert abs(_first_move(np.array([1e-4]), lr, alpha)[0] * np.sqrt(1 - alpha) / lr - 1) < 1e-3


def test_claim_index_page_imports(claim):
    """Every page in the nav (but Home) has a row, and each row's list equals the set of
    top-level modules imported by that page's Python blocks (pytest-codeblocks' extraction,
    as the docs tests run them; code cells for the notebook), minus the standard library and
    rmsprop_ref."""
    assert "every package" in claim.text
    table = _table()
    missing = [p for p in _nav_pages() if p != "index.md" and p not in table]
    assert not missing, f"pages in the nav missing from 'What is where': {missing}"
    wrong = {
        p: (sorted(names), sorted(_imports(_code(p)))) for p, names in table.items() if names != _imports(_code(p))
    }
    assert not wrong, f"page: (listed, imported): {wrong}"


def _settings(code: list[str], key: str) -> list[float]:
    """Every constant the page's code passes as `key`, as a keyword (lr=1.0) or a dict key ({"alpha": 0.9})."""
    found = []
    for block in code:
        for node in ast.walk(ast.parse(block)):
            pairs = []
            if isinstance(node, ast.Call):
                pairs = [(k.arg, k.value) for k in node.keywords]
            elif isinstance(node, ast.Dict):
                pairs = [(k.value, v) for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)]
            found += [v.value for k, v in pairs if k == key and isinstance(v, ast.Constant)]
    return found


def test_claim_index_article_example_pages(claim):
    """The example as the package defines it: f's coefficients measured from quadratic.f (f at
    the unit vectors) and its start. Each page named runs `quadratic` with the sentence's η as
    `lr`, and where it runs RMSprop, with the sentence's α."""
    claim.num("0.5").check(quadratic.f(np.array([0.0, 1.0])))
    assert quadratic.f(np.array([1.0, 0.0])) == 1.0  # θ₁² has no printed coefficient
    claim.num("-4.5").check(quadratic.start[0])
    claim.num("4.5").check(quadratic.start[1])
    eta, alpha = claim.num("η = 1").value, claim.num("α = 0.9").value
    pages = {"EWMA": "ewma.md", "Adagrad,": "adagrad.md", "RMSprop,": "rmsprop.md"}
    pages |= {"Adagrad vs RMSprop": "comparison.md", "Pitfalls": "pitfalls.md"}
    for named, page in pages.items():
        assert named in claim.text, named
        code = _code(page)
        assert any("quadratic" in block for block in code), page
        assert eta in _settings(code, "lr"), page
        if any("RMSprop" in block for block in code):
            assert alpha in _settings(code, "alpha"), page
