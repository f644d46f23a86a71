"""A `<!-- claim: NAME -->` tag never changes what a reader sees.

Each page's Markdown is rendered twice with the site's own Markdown configuration (the
extensions and options of mkdocs.yml, as MkDocs loads them): as written, and with its
claim comments removed. Apart from the comments, the two HTML documents must be the
same. An HTML comment that starts a line ends a list or a paragraph in Python-Markdown,
so a tag in the wrong place breaks the page without any build warning. The notebook's
Markdown cells are rendered the way mkdocs-jupyter renders them (nbconvert's mistune).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from conftest import require

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CLAIM = re.compile(r"[ \t]*<!--\s*claim:\s*[\w-]+\s*-->")
PAGES = sorted(p.name for p in DOCS.glob("*.md") if CLAIM.search(p.read_text(encoding="utf-8")))


@functools.cache
def _markdown():
    import markdown
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    return markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"])


def _visible(html: str) -> str:
    """The HTML without its claim comments, whitespace runs as one space."""
    bs4 = require("bs4", "HTML is compared with BeautifulSoup")
    soup = bs4.BeautifulSoup(html, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, bs4.Comment) and CLAIM.fullmatch(f"<!--{s}-->")):
        comment.extract()
    # Whitespace before a block's end tag is not rendered (a removed tag leaves some).
    return re.sub(r"\s+(?=</(?:p|li|dd|dt|td|th|h[1-6]|div|blockquote)>)", "", re.sub(r"\s+", " ", str(soup))).strip()


def _render(text: str) -> str:
    md = _markdown()
    md.reset()
    return md.convert(text)


def _first_difference(a: str, b: str) -> str:
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"with tags: ...{a[max(0, i - 150) : i + 150]}...\nwithout:   ...{b[max(0, i - 150) : i + 150]}..."


def test_pages_with_claims_found():
    assert len(PAGES) >= 10, PAGES


@pytest.mark.parametrize("name", PAGES)
def test_claim_tags_do_not_change_the_page(name):
    text = (DOCS / name).read_text(encoding="utf-8")
    tagged, untagged = _visible(_render(text)), _visible(_render(CLAIM.sub("", text)))
    if tagged != untagged:
        pytest.fail(f"{name}: a claim tag changes the rendering\n" + _first_difference(tagged, untagged), pytrace=False)


def test_claim_tags_do_not_change_the_notebook():
    mistune = require("nbconvert.filters.markdown_mistune", "the notebook renders with nbconvert")
    notebook = json.loads((DOCS / "tutorial.ipynb").read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    tagged = [c for c in cells if CLAIM.search(c)]
    assert tagged, "no claim tag in the notebook's Markdown"
    for cell in tagged:
        a = _visible(mistune.markdown2html_mistune(cell))
        b = _visible(mistune.markdown2html_mistune(CLAIM.sub("", cell)))
        if a != b:
            pytest.fail("tutorial.ipynb: a claim tag changes the rendering\n" + _first_difference(a, b), pytrace=False)


def test_a_tag_that_breaks_a_list_is_caught():
    """The check can fail: a tag starting an indented line in a list item, as comparison.md had."""
    broken = "- one item, first sentence.\n  <!-- claim: x --> Second sentence.\n- two\n"
    assert _visible(_render(broken)) != _visible(_render(CLAIM.sub("", broken)))
