"""Claims on the home page (docs/index.md): what each page's code needs, where the example is."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "docs" / "index.md"
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*(python|py)\b[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)


def _code(page: str) -> str:
    """All Python code of a page: its python fences, or a notebook's code cells."""
    path = ROOT / "docs" / page
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return "\n".join(m.group(3) for m in FENCE.finditer(path.read_text(encoding="utf-8")))


def _imports(code: str) -> set[str]:
    found = set(re.findall(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", code, flags=re.M))
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


def test_claim_index_page_imports():
    """ "The last column lists every package that a page's code blocks import, besides the
    standard library and `rmsprop_ref`."

    Every page in the nav (but Home) has a row, and each row's list equals the set of
    top-level modules imported by that page's Python blocks (code cells for the notebook),
    minus the standard library and rmsprop_ref.
    """
    table = _table()
    missing = [p for p in _nav_pages() if p != "index.md" and p not in table]
    assert not missing, f"pages in the nav missing from 'What is where': {missing}"
    wrong = {
        p: (sorted(names), sorted(_imports(_code(p)))) for p, names in table.items() if names != _imports(_code(p))
    }
    assert not wrong, f"page: (listed, imported): {wrong}"


def test_claim_index_article_example_pages():
    """ "is used on the EWMA,
    Adagrad, RMSprop, Adagrad vs RMSprop and Pitfalls pages, so their numbers can be compared."

    Each of these pages' Python code runs `quadratic` with `lr=1.0` (and, where it runs
    RMSprop, `alpha=0.9`), the article's settings, which are those of rmsprop_ref.compare.ARTICLE.
    """
    from rmsprop_ref import compare, quadratic

    assert compare.ARTICLE["lr"] == 1.0 and compare.ARTICLE["alpha"] == 0.9
    assert quadratic.start.tolist() == [-4.5, 4.5]
    for page in ("ewma.md", "adagrad.md", "rmsprop.md", "comparison.md", "pitfalls.md"):
        code = _code(page)
        assert "quadratic" in code and "lr=1.0" in code, page
        if "RMSprop" in code:  # where RMSprop runs, with the article's decay
            assert re.search(r"alpha[\"']?\s*[=:]\s*0\.9\b", code), page
