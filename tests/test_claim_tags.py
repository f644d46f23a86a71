"""The claim mechanism's bookkeeping: every tag on a page has one test, every test one tag, and
every claim test reads its sentence from the page.

A page tags a measurable sentence with ``<!-- claim: NAME -->`` (tests/claims.py explains
which text a tag claims). ``NAME`` is the test ``test_claim_NAME`` in one of the
``tests/test_claims*.py`` modules (a module per page keeps them findable). The test takes
the ``claim`` fixture, which reads the tagged text from the page and hands it the printed
numbers to measure against, so a reworded sentence or a changed number reaches the test.
Its docstring says what is measured; it does not copy the sentence.
"""

from __future__ import annotations

import ast
from pathlib import Path

from claims import PREFIX, TAG, page_tags, tagged_text

ROOT = Path(__file__).resolve().parents[1]


def claim_tests() -> dict[str, tuple[str, ast.FunctionDef]]:
    """NAME -> (module, function node) for every ``test_claim_NAME`` in tests/test_claims*.py.

    Read with ast, so this check needs none of the claims' imports.
    """
    found: dict[str, tuple[str, ast.FunctionDef]] = {}
    for module in sorted((ROOT / "tests").glob("test_claims*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith(PREFIX):
                name = node.name[len(PREFIX) :]
                assert name not in found, f"claim test {node.name} is defined twice"
                found[name] = (module.name, node)
    return found


def test_every_tag_has_a_claim_test():
    tests = claim_tests()
    missing = [f"{page}: claim {name}" for name, page, _ in page_tags() if name not in tests]
    assert not missing, "tags with no test_claim_NAME in tests/test_claims*.py:\n" + "\n".join(missing)


def test_every_claim_test_has_one_tag_on_a_page():
    names = [name for name, _, _ in page_tags()]
    orphans = [f"{module}: test_claim_{n}" for n, (module, _) in claim_tests().items() if n not in names]
    assert not orphans, "claim tests whose tag is on no page:\n" + "\n".join(orphans)
    twice = sorted({n for n in names if names.count(n) > 1})
    assert not twice, f"claim tags used more than once: {twice}"


def test_every_tag_claims_some_text():
    empty = [f"{page}: claim {name}" for name, page, text in page_tags() if len(text.strip()) < 20]
    assert not empty, "tags with no sentence before them in their paragraph:\n" + "\n".join(empty)


def test_every_claim_test_reads_the_page():
    """Each test_claim_NAME takes the `claim` fixture (its sentence and numbers, from the page)."""
    blind = [
        f"{module}: {node.name}"
        for module, node in claim_tests().values()
        if "claim" not in [a.arg for a in node.args.args]
    ]
    assert not blind, "claim tests that do not take the `claim` fixture (they cannot see the page):\n" + "\n".join(
        blind
    )


def test_the_tagged_text_of_a_made_up_page():
    page = (
        "Intro paragraph, 1 number.\n\n"
        "First sentence 2. <!-- claim: a --> Second sentence\n3 here.\n<!-- claim: b -->\n\n"
        "| table | 4 |\n|---|---|\n\n<!-- claim: c -->\n"
    )
    tags = {m.group(1): tagged_text(page, m) for m in TAG.finditer(page)}
    assert tags["a"] == "First sentence 2. "
    assert tags["b"] == " Second sentence\n3 here.\n"
    assert tags["c"] == "| table | 4 |\n|---|---|"
