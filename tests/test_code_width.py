"""Every code block a reader sees fits the content column without scrolling sideways.

At a 1280-px window the site's layout (docs/stylesheets/extra.css: a 68rem grid, code at
0.82em; the notebook's cells without prompts, at 12 px) gives a code block room for 88
monospace characters; test_browser_figures.py
measures that in Chromium and checks the rendered blocks. This test holds the sources to
it without a browser: fenced blocks on the pages (with ``--8<--`` includes expanded, as
MkDocs shows them), and the tutorial notebook's code cells (its output exists only in the
built site, where the browser test checks it).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import pytest

from conftest import ROOT_DIR, load_file

MAX = 88
DOCS = ROOT_DIR / "docs"


@functools.cache
def _codeblocks_layer():
    """The repository root's conftest.py (pytest holds it as "conftest", as tests/'s)."""
    return load_file(ROOT_DIR / "conftest.py", "codeblocks_layer")


def displayed_code_lines(page: Path):
    """(where on the page, line as displayed) for every line of every fenced block of `page`.

    The blocks are the root conftest.py's (pytest-codeblocks' parser, as the page's code
    runs): code with ``--8<--`` includes expanded as MkDocs shows them, and each block's
    expected output, which is a fenced block the reader sees too.
    """
    layer = _codeblocks_layer()
    for block in layer.page_blocks(page):
        for offset, line in enumerate(block.code.splitlines(), 1):
            # An include's lines are shown where the include is written.
            for shown in layer.shown_code(dataclasses.replace(block, code=line + "\n")).splitlines():
                yield f"line {block.lineno + offset}", shown
        for line in (block.expected_output or "").splitlines():
            yield f"output of line {block.lineno}", line


def _long(lines, limit=MAX):
    return [(n, len(line), line) for n, line in lines if len(line.rstrip()) > limit]


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_code_lines_on_pages_fit(page):
    long = _long(displayed_code_lines(DOCS / page))
    assert long == [], f"{page}: code lines over {MAX} characters (line, length, text): {long}"


def test_notebook_code_and_output_lines_fit():
    notebook = json.loads((DOCS / "tutorial.ipynb").read_text())
    lines = []
    for i, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        lines += [(f"cell {i}", line) for line in "".join(cell["source"]).splitlines()]
        for output in cell.get("outputs", []):
            lines += [(f"cell {i} output", line) for line in "".join(output.get("text", [])).splitlines()]
    assert _long(lines) == []


def test_the_check_sees_what_a_reader_sees(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "text ```not a fence``` " + "x" * 100 + "\n"
        "!!! note\n"
        "    ```python\n"
        "    " + "y" * 88 + "\n"
        "    ```\n"
        "````markdown\n"
        "```python\n" + "z" * 89 + "\n```\n"
        "````\n"
        '```python title="adagrad.py"\n'
        '--8<-- "rmsprop_ref/adagrad.py:update"\n'
        "```\n"
        "~~~python\n"
        "print('w' * 89)\n"
        "~~~\n"
        "<!--pytest-codeblocks:expected-output-->\n"
        "```text\n" + "w" * 89 + "\n```\n"
    )
    lines = list(displayed_code_lines(page))
    assert ("line 4", "y" * 88) in lines  # the admonition's indent is not shown
    assert ("line 8", "z" * 89) in lines and ("line 7", "```python") in lines  # a fence inside a longer fence is text
    assert not any("x" * 100 in line for _, line in lines)  # prose is not code
    included = [line for where, line in lines if where == "line 12"]
    assert included[0].startswith("def adagrad_update(") and len(included) > 5, included  # the include, expanded
    assert not any("--8<--" in line for _, line in lines)
    assert ("line 15", "print('w' * 89)") in lines  # a ~~~ fence is a fence
    assert ("output of line 14", "w" * 89) in lines  # and its expected output is shown too
    assert _long(lines) == [("line 8", 89, "z" * 89), ("output of line 14", 89, "w" * 89)]
