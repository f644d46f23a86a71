"""Every Python code block a reader sees on the site runs, exactly as shown.

Each page's blocks run top to bottom in ONE fresh interpreter, as a reader pasting
them in order would run them, and the printed output of a block is compared with
the block shown after it when that block is marked ``<!-- expected-output -->``.

Why not pytest-codeblocks alone: it runs each block with fresh globals, and a chain
of ``cont`` blocks can carry only one expected output, so a page that builds up an
example and prints as it goes could not be checked block by block.

Rules (tested below so a page cannot silently escape them):
- a fence whose language is ``python`` or ``py`` (any attributes) is executed;
- a fence holding a ``--8<--`` include is code from the package, tested by the
  package's own tests, and not executed here;
- ``<!-- requires: torch keras -->`` on a page skips it where those are missing
  (and fails under CI=true).

Run ``python tests/test_docs_blocks.py docs/ewma.md`` to print each block's output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})\s*(?P<info>[^\n`]*)$")
EXPECTED = "<!-- expected-output -->"
REQUIRES = re.compile(r"<!-- requires: ([\w\s.-]+?) -->")


@dataclass
class Block:
    line: int
    language: str
    code: str
    expected: str | None = None

    @property
    def included(self) -> bool:
        return "--8<--" in self.code


def parse(text: str) -> list[Block]:
    """All fenced blocks of a Markdown page, with their expected outputs attached."""
    lines = text.splitlines()
    blocks: list[Block] = []
    expect_next = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == EXPECTED:
            expect_next = True
        m = FENCE.match(line)
        if m:
            indent, ticks = m["indent"], m["ticks"]
            info = m["info"].strip().lstrip("{").strip()
            language = re.split(r"[\s{}]", info.lstrip("."), maxsplit=1)[0] if info else ""
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(ticks):
                body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i].lstrip())
                i += 1
            code = "\n".join(body) + "\n"
            if expect_next:
                python = [b for b in blocks if b.language in ("python", "py")]
                if not python:
                    raise ValueError(f"line {i}: expected-output with no Python block before it")
                python[-1].expected = code
                expect_next = False
            else:
                blocks.append(Block(i - len(body), language, code))
        i += 1
    return blocks


RUNNER = textwrap.dedent(
    """
    import contextlib, io, json, sys, traceback
    blocks = json.load(sys.stdin)
    ns = {"__name__": "__main__"}
    outputs = []
    for code in blocks:
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                exec(compile(code, "<docs block>", "exec"), ns)
        except BaseException:
            outputs.append({"out": buf.getvalue(), "error": traceback.format_exc()})
            break
        outputs.append({"out": buf.getvalue(), "error": None})
    print(json.dumps(outputs))
    """
)


def run_page(blocks: list[Block]) -> list[dict]:
    """Run the executable blocks in order in a fresh interpreter; return their outputs."""
    codes = [b.code for b in blocks]
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"runner crashed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def executable(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.language in ("python", "py") and not b.included]


PAGES_WITH_CODE = [p for p in PAGES if executable(parse(p.read_text()))]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_blocks_run_and_print_what_the_page_shows(page):
    from conftest import require

    os.environ.setdefault("KERAS_BACKEND", "torch")  # as the frameworks page sets it, before import
    text = page.read_text()
    for module in (m for group in REQUIRES.findall(text) for m in group.split()):
        require(module, f"{page.name} runs its code blocks against {module}")
    blocks = executable(parse(text))
    results = run_page(blocks)
    for block, result in zip(blocks, results):
        where = f"{page.relative_to(ROOT)}:{block.line}"
        assert result["error"] is None, f"{where} raised:\n{result['error']}"
        if block.expected is not None:
            assert result["out"].rstrip() == block.expected.rstrip(), (
                f"{where} printed\n{result['out']}\nbut the page shows\n{block.expected}"
            )
    assert len(results) == len(blocks)


def test_parser_finds_blocks_pytest_codeblocks_would_miss():
    page = textwrap.dedent(
        """
        ```python title="a.py"
        x = 1
        ```

        !!! note
            ```py
            print(x + 1)
            ```

        <!-- expected-output -->
        ```text
        2
        ```

        === "Tab"

            ```python
            --8<-- "rmsprop_ref/ewma.py:ewma"
            ```
        """
    )
    blocks = parse(page)
    assert [b.language for b in blocks] == ["python", "py", "python"]
    assert blocks[1].code == "print(x + 1)\n" and blocks[1].expected == "2\n"
    assert blocks[2].included and len(executable(blocks)) == 2
    results = run_page(executable(blocks))
    assert results[1]["out"] == "2\n"


def test_every_page_with_code_is_checked():
    # Guards the collection itself: a parser slip that found no blocks would pass silently.
    names = {p.name for p in PAGES_WITH_CODE}
    expected = {"index.md", "ewma.md", "adagrad.md", "rmsprop.md", "comparison.md", "frameworks.md", "pitfalls.md"}
    assert names >= expected | {"performance.md", "README.md"}
    total = sum(len(executable(parse(p.read_text()))) for p in PAGES_WITH_CODE)
    assert total >= 35, total


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        bl = executable(parse(Path(arg).read_text()))
        for b, r in zip(bl, run_page(bl)):
            print(f"--- line {b.line} ---\n{r['out']}{r['error'] or ''}", end="")
