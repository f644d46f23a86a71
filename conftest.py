"""pytest-codeblocks runs the site's pages, one pytest item per Python block.

The parsing (fences, indentation inside admonitions and content tabs, the markers
``<!--pytest-codeblocks:expected-output-->``, ``importorskip(...)``, ``<!--pytest.mark.skip-->``)
is pytest-codeblocks' own ``extract_from_buffer``. This layer only changes how the blocks run:

- a page's blocks run in order in ONE namespace of that page, as a reader pasting them in
  order would run them (pytest-codeblocks gives each block fresh globals, and a ``cont``
  chain can carry only one expected output);
- each block's stdout is compared with its own expected-output block;
- a block after one that failed (or was skipped) is skipped, naming that block;
- under CI=true an ``importorskip`` that would skip fails instead;
- a fence whose info string starts with ``python`` or ``py`` is Python, titled or not
  (pytest-codeblocks runs only the exact info string ``python``), and a ``~~~`` fence is
  handed to the tool as a backtick fence (the tool only knows backticks);
- a ``--8<--`` include is expanded by pymdownx.snippets with the site's own settings, so the
  block runs the code the reader sees.

Lives at the repository root so that it applies to docs/ and README.md (a conftest's
collection hook only sees files below it). Test ids: ``docs/ewma.md::line 25``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import os
import re
import sys
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
pytest_plugins = ["pytester"]  # tests/test_codeblocks.py runs this layer on a page of its own
#: Python fences by the first word of their info string (``python title="x.py"`` counts).
PYTHON_LANGUAGES = {"python", "py", "python3", "py3"}
SHELL_LANGUAGES = {"sh", "bash", "shell", "console", "zsh"}
_IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_TILDE_FENCE = re.compile(r"^([ \t]*)(~{3,})")


def language(syntax: str | None) -> str:
    """The language word of a fence's info string: ``python title="a.py"`` -> ``python``."""
    m = re.match(r"\{?\s*\.?([\w+-]*)", syntax or "")
    return m.group(1).lower() if m else ""


def page_blocks(path: Path) -> list:
    """pytest-codeblocks' blocks of a page, ``~~~`` fences read as backtick fences."""
    from pytest_codeblocks import extract_from_buffer

    text = "".join(
        _TILDE_FENCE.sub(lambda m: m.group(1) + "`" * len(m.group(2)), line)
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
    )
    return extract_from_buffer(io.StringIO(text))


def python_blocks(path: Path) -> list:
    return [b for b in page_blocks(path) if language(b.syntax) in PYTHON_LANGUAGES]


@functools.cache
def _snippets():
    """pymdownx.snippets' preprocessor with the settings of mkdocs.yml, paths from the root."""
    import markdown
    from mkdocs.config import load_config

    cfg = dict(load_config(str(ROOT / "mkdocs.yml")).mdx_configs.get("pymdownx.snippets", {}))
    cfg["base_path"] = [str(ROOT / p) for p in cfg.get("base_path", ["."])]
    md = markdown.Markdown(extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": cfg})
    return md.preprocessors["snippet"]


def shown_code(block) -> str:
    """The code a reader sees in the block: ``--8<--`` includes expanded as MkDocs does."""
    if "--8<--" not in block.code:
        return block.code
    return "\n".join(_snippets().run(block.code.splitlines())) + "\n"


def is_page(path: Path) -> bool:
    return path.suffix == ".md" and (path == ROOT / "README.md" or (ROOT / "docs") in path.parents)


def pytest_collect_file(file_path, parent):
    if is_page(Path(file_path)):
        return MarkdownPage.from_parent(parent, path=file_path)
    return None


class MarkdownPage(pytest.File):
    """A page: its Python blocks, run in order in one namespace."""

    def collect(self):
        self.namespace = {"__name__": "__main__"}
        self.outcomes: dict[int, str] = {}  # block index -> "passed" / why it did not pass
        self.blocks = python_blocks(self.path)
        for index, block in enumerate(self.blocks):
            item = CodeBlockItem.from_parent(self, name=f"line {block.lineno}")
            item.block, item.index = block, index
            for mark in block.marks:
                item.add_marker(eval(mark, {"sys": sys, "pytest": pytest, "os": os}))
            if any(m.name == "skip" or (m.name == "skipif" and m.args and m.args[0]) for m in item.iter_markers()):
                # Not run, by the page's choice: the blocks after it run without it.
                self.outcomes[index] = "passed"
            yield item

    def where(self, index: int) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}::line {self.blocks[index].lineno}"

    def run_block(self, index: int) -> str:
        """Run block `index` (and, first, any earlier block not yet run); return its stdout."""
        for earlier in range(index):
            if earlier not in self.outcomes:  # e.g. one block selected with -k or its id
                with contextlib.suppress(BaseException):
                    self.run_block(earlier)
            if self.outcomes[earlier] != "passed":
                self.outcomes[index] = f"skipped because {self.where(earlier)} {self.outcomes[earlier]}"
                _skip(self.outcomes[index])
        block = self.blocks[index]
        self.outcomes[index] = "did not finish"
        if block.importorskip:
            # Installed or not, without importing it: the block imports it itself, after any
            # set-up it shows (the frameworks page picks Keras' backend before importing keras).
            if importlib.util.find_spec(block.importorskip.split(".")[0]) is None:
                msg = f"{block.importorskip} is not installed; install the test extras: make test"
                if _IN_CI:
                    self.outcomes[index] = f"failed: CI=true requires {msg}"
                    pytest.fail(f"CI=true requires {msg}", pytrace=False)
                self.outcomes[index] = f"was skipped: {msg}"
                _skip(msg)
        out = io.StringIO()
        try:
            # dont_inherit: this file's `from __future__ import annotations` must not leak into
            # the blocks; a reader's interpreter evaluates annotations at definition time.
            code = compile(shown_code(block), self.where(index), "exec", dont_inherit=True)
            with contextlib.redirect_stdout(out):
                exec(code, self.namespace)
        except BaseException as exc:
            self.outcomes[index] = f"failed ({type(exc).__name__})"
            raise BlockError(self.where(index), shown_code(block), out.getvalue()) from exc
        self.outcomes[index] = "passed"
        return out.getvalue()


def _skip(reason: str):
    """Skip the running block; the -ra summary names the block's page and line, not this file."""
    from _pytest.outcomes import Skipped

    raise Skipped(reason, _use_item_location=True)


class BlockError(Exception):
    pass


class CodeBlockItem(pytest.Item):
    block = None
    index = 0

    def runtest(self):
        output = self.parent.run_block(self.index)
        expected = self.block.expected_output
        if expected is None:
            return
        got = output
        if self.block.expected_output_ignore_whitespace:
            expected, got = re.sub(r"\s+", "", expected), re.sub(r"\s+", "", got)
        if got != expected:
            raise ExpectedOutputMismatch(self.block.expected_output, output)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ExpectedOutputMismatch):
            expected, got = excinfo.value.args
            return f"{self.nodeid} printed\n{got}\nbut its expected-output block shows\n{expected}"
        if isinstance(excinfo.value, BlockError):
            where, code, out = excinfo.value.args
            cause = excinfo.value.__cause__
            tb = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__.tb_next))
            return f"{where} raised:\n{tb}\nthe block:\n{code}" + (f"\nit printed first:\n{out}" if out else "")
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.block.lineno - 1, self.name


class ExpectedOutputMismatch(AssertionError):
    pass
