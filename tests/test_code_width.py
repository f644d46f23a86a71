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

import json
import re

import pytest

from conftest import ROOT_DIR

MAX = 88
DOCS = ROOT_DIR / "docs"
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<mark>`{3,}|~{3,})")
_INCLUDE = re.compile(r'^\s*--8<--\s+"(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"\s*$')


def _included(path: str, section: str | None) -> list[str]:
    lines = (ROOT_DIR / path).read_text().splitlines()
    if section is None:
        return lines
    start = next(i for i, line in enumerate(lines) if f"--8<-- [start:{section}]" in line)
    end = next(i for i, line in enumerate(lines) if f"--8<-- [end:{section}]" in line)
    return lines[start + 1 : end]


def displayed_code_lines(text: str):
    """(line number on the page, line as displayed) for every line inside a fenced block."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if fence is None:
            if m:
                fence = (m["indent"], m["mark"])
            continue
        if m and m["mark"].startswith(fence[1]) and line.strip() == m["mark"]:
            fence = None
            continue
        shown = line[len(fence[0]) :] if line.startswith(fence[0]) else line.lstrip()
        include = _INCLUDE.match(shown)
        if include:
            for included in _included(include["path"], include["section"]):
                yield number, included
        else:
            yield number, shown


def _long(lines, limit=MAX):
    return [(n, len(line), line) for n, line in lines if len(line.rstrip()) > limit]


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_code_lines_on_pages_fit(page):
    long = _long(displayed_code_lines((DOCS / page).read_text()))
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
    source = tmp_path / "module.py"
    source.write_text("import os\n# --8<-- [start:sec]\ndef shown():\n    pass\n# --8<-- [end:sec]\n")
    page = (
        "text ```not a fence``` " + "x" * 100 + "\n"
        "!!! note\n"
        "    ```python\n"
        "    " + "y" * 88 + "\n"
        "    ```\n"
        "````markdown\n"
        "```python\n" + "z" * 89 + "\n```\n"
        "````\n"
        '```python title="module.py"\n'
        f'--8<-- "{source}:sec"\n'
        "```\n"
    )
    lines = list(displayed_code_lines(page))
    assert (4, "y" * 88) in lines  # the admonition's indent is not shown
    assert (8, "z" * 89) in lines and (7, "```python") in lines  # a fence inside a longer fence is text
    assert not any("x" * 100 in line for _, line in lines)  # prose is not code
    assert (12, "def shown():") in lines and (12, "import os") not in lines  # the section, expanded
    assert _long(lines) == [(8, 89, "z" * 89)]
