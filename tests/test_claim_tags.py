"""The claim mechanism: every sentence tagged on a page has a test, and every claim test has its tag.

A page tags a measurable sentence (a comparison, a behaviour, a caption, a "because") with an
HTML comment right after it, ``<!-- claim: NAME -->``, invisible to readers but visible in the
page source. ``NAME`` is the test ``test_claim_NAME`` in one of the ``tests/test_claims*.py``
modules (a module per page keeps them findable). The test's docstring starts with the sentence
it measures, quoted exactly as the page source writes it; this module checks that the quote is
on the page just before the tag, so a reworded sentence cannot keep a test that measured the
old wording.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"<!--\s*claim:\s*([A-Za-z0-9_]+)\s*-->")
PREFIX = "test_claim_"


@dataclass(frozen=True)
class Tag:
    name: str
    page: str
    before: str  # the page text before the tag (whitespace-normalised)


def _pages() -> dict[str, str]:
    """Page path -> source text; notebooks contribute their Markdown cells."""
    pages = {}
    for path in sorted((ROOT / "docs").rglob("*")):
        rel = str(path.relative_to(ROOT))
        if path.suffix == ".md":
            pages[rel] = path.read_text(encoding="utf-8")
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            pages[rel] = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return pages


def _norm(text: str) -> str:
    return " ".join(text.split())


def page_tags() -> list[Tag]:
    tags = []
    for page, text in _pages().items():
        for m in TAG.finditer(text):
            tags.append(Tag(m.group(1), page, _norm(TAG.sub(" ", text[: m.start()]))))
    return tags


def claim_tests() -> dict[str, tuple[str, str]]:
    """NAME -> (module, docstring) for every ``test_claim_NAME`` in tests/test_claims*.py.

    Read with ast, so this check needs none of the claims' imports.
    """
    found: dict[str, tuple[str, str]] = {}
    for module in sorted((ROOT / "tests").glob("test_claims*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith(PREFIX):
                name = node.name[len(PREFIX) :]
                assert name not in found, f"claim test {node.name} is defined twice"
                found[name] = (module.name, ast.get_docstring(node) or "")
    return found


def quoted_sentence(docstring: str) -> str:
    """The first paragraph of a claim test's docstring, without its surrounding quotes."""
    first = _norm(docstring.split("\n\n", 1)[0])
    return first.strip().strip('"“”').strip()


def test_every_tag_has_a_claim_test():
    tests = claim_tests()
    missing = [f"{t.page}: claim {t.name}" for t in page_tags() if t.name not in tests]
    assert not missing, "tags with no test_claim_NAME in tests/test_claims*.py:\n" + "\n".join(missing)


def test_every_claim_test_has_one_tag_on_a_page():
    names = [t.name for t in page_tags()]
    orphans = [f"{module}: test_claim_{n}" for n, (module, _) in claim_tests().items() if n not in names]
    assert not orphans, "claim tests whose tag is on no page:\n" + "\n".join(orphans)
    twice = sorted({n for n in names if names.count(n) > 1})
    assert not twice, f"claim tags used more than once: {twice}"


def test_each_claim_test_quotes_the_sentence_just_before_its_tag():
    tests = claim_tests()
    wrong = []
    for tag in page_tags():
        if tag.name not in tests:
            continue  # reported by test_every_tag_has_a_claim_test
        quote = quoted_sentence(tests[tag.name][1])
        # The quote must end within the paragraph before the tag (600 characters is generous
        # for one sentence plus Markdown), not anywhere on the page.
        if len(quote) < 20 or quote not in tag.before[-600:]:
            wrong.append(f"{tag.page}: claim {tag.name}: docstring quote {quote[:80]!r}...")
    assert not wrong, "claim tests whose docstring does not quote the tagged sentence:\n" + "\n".join(wrong)


def test_the_checker_sees_a_tag_and_a_quote(tmp_path):
    # The mechanism itself, on a made-up page: a tag, its sentence, and a mismatch it must catch.
    text = "Intro.\n\nRMSprop needs 4x fewer steps than Adagrad here. <!-- claim: demo_claim -->\n"
    m = TAG.search(text)
    assert m and m.group(1) == "demo_claim"
    before = _norm(TAG.sub(" ", text[: m.start()]))
    assert quoted_sentence('"RMSprop needs 4x fewer steps than Adagrad here."\n\nMeasured...') in before
    assert quoted_sentence('"RMSprop needs 5x fewer steps than Adagrad here."') not in before
