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
  block runs the code the reader sees;
- a page that shows package source through such an include runs in a new interpreter of its
  own, in an empty folder, as a reader copying it top to bottom would run it: the package's
  code shown on the page must work without the modules this process has imported. Its
  blocks run there once, in order, in the namespace of a fresh ``__main__`` module, and
  each block's item reads that block's stdout and error from the run.

Lives at the repository root so that it applies to docs/ and README.md (a conftest's
collection hook only sees files below it). Test ids: ``docs/ewma.md::line 25``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tempfile
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


def runs_in_a_fresh_interpreter(blocks) -> bool:
    """Whether a page's blocks run in a new interpreter: it shows package source (``--8<--``)."""
    return any("--8<--" in b.code for b in blocks)


#: Runs a page's blocks in a new interpreter (``python -c``; it imports only the standard
#: library). stdin: {"results": file, "blocks": [[index, where, code], ...]}. Writes one JSON
#: line per block to the results file (not to stdout, which the blocks may write to directly):
#: the block's stdout and, if it raised, the exception's type and traceback; stops there.
FRESH_RUNNER = """
import contextlib, io, json, sys, traceback, types

def run(job):
    main = types.ModuleType("__main__")  # a script's namespace: what the blocks define is __main__'s
    sys.modules["__main__"] = main
    with open(job["results"], "w", encoding="utf-8") as results:
        for index, where, code in job["blocks"]:
            out, record = io.StringIO(), {"index": index}
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(code, where, "exec", dont_inherit=True), main.__dict__)
            except BaseException as exc:
                tb = exc.__traceback__.tb_next  # from the block's own frame on, as in-process
                record["error"] = type(exc).__name__
                record["traceback"] = "".join(traceback.format_exception(type(exc), exc, tb))
            record["stdout"] = out.getvalue()
            results.write(json.dumps(record) + "\\n")
            results.flush()
            if "error" in record:
                return

run(json.loads(sys.stdin.read()))
"""

#: How long a page's fresh interpreter may run.
FRESH_TIMEOUT_S = 300


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
        self.fresh = runs_in_a_fresh_interpreter(self.blocks)
        self.fresh_records: dict[int, dict] = {}  # block index -> its record from the fresh run
        self.fresh_upto = -1  # the last block index the fresh run was asked to reach
        self.not_run: set[int] = set()  # blocks the page marks skip
        for index, block in enumerate(self.blocks):
            item = CodeBlockItem.from_parent(self, name=f"line {block.lineno}")
            item.block, item.index = block, index
            for mark in block.marks:
                item.add_marker(eval(mark, {"sys": sys, "pytest": pytest, "os": os}))
            if any(m.name == "skip" or (m.name == "skipif" and m.args and m.args[0]) for m in item.iter_markers()):
                # Not run, by the page's choice: the blocks after it run without it.
                self.outcomes[index] = "passed"
                self.not_run.add(index)
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
        if self.fresh:
            record = self.fresh_record(index)
            if "error" in record:
                self.outcomes[index] = f"failed ({record['error']})"
                raise BlockError(self.where(index), shown_code(block), record["stdout"], record["traceback"])
            self.outcomes[index] = "passed"
            return record["stdout"]
        out = io.StringIO()
        try:
            # dont_inherit: this file's `from __future__ import annotations` must not leak into
            # the blocks; a reader's interpreter evaluates annotations at definition time.
            code = compile(shown_code(block), self.where(index), "exec", dont_inherit=True)
            with contextlib.redirect_stdout(out):
                exec(code, self.namespace)
        except BaseException as exc:
            self.outcomes[index] = f"failed ({type(exc).__name__})"
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__.tb_next))
            raise BlockError(self.where(index), shown_code(block), out.getvalue(), tb) from exc
        self.outcomes[index] = "passed"
        return out.getvalue()

    def fresh_record(self, index: int) -> dict:
        """Block `index`'s record from the page's run in a new interpreter, made at the first
        block asked for: every block up to the page's last selected one, in one process."""
        if index > self.fresh_upto:
            selected = [item.index for item in self.session.items if item.parent is self]
            self.run_fresh(max([index, *selected]))
        return self.fresh_records[index]

    def run_fresh(self, upto: int) -> None:
        """Run blocks 0..upto in one new interpreter, in an empty folder; a block the page
        marks skip is left out, and the run ends before a block whose importorskip module is
        missing (run_block skips or fails that block and the ones after it)."""
        job = []
        for index in range(upto + 1):
            block = self.blocks[index]
            if block.importorskip and importlib.util.find_spec(block.importorskip.split(".")[0]) is None:
                break
            if index not in self.not_run:
                job.append([index, self.where(index), shown_code(block)])
        with tempfile.TemporaryDirectory() as tmp:
            results, cwd = Path(tmp, "results.jsonl"), Path(tmp, "cwd")
            cwd.mkdir()
            try:
                proc = subprocess.run(
                    [sys.executable, "-c", FRESH_RUNNER],
                    input=json.dumps({"results": str(results), "blocks": job}),
                    capture_output=True,
                    text=True,
                    cwd=cwd,
                    timeout=FRESH_TIMEOUT_S,
                )
                ended = f"the interpreter exited with code {proc.returncode}" + (
                    f":\n{proc.stderr}" if proc.stderr else ""
                )
            except subprocess.TimeoutExpired:
                ended = f"the interpreter was stopped after {FRESH_TIMEOUT_S} s"
            lines = results.read_text(encoding="utf-8").splitlines() if results.exists() else []
        self.fresh_records = {record["index"]: record for record in map(json.loads, lines)}
        self.fresh_upto = upto
        unrecorded = [index for index, _, _ in job if index not in self.fresh_records]
        if unrecorded and not any("error" in record for record in self.fresh_records.values()):
            # The interpreter itself ended (a crash, os._exit, the time limit) in this block.
            self.fresh_records[unrecorded[0]] = {"stdout": "", "error": "InterpreterEnded", "traceback": ended}


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
            where, code, out, tb = excinfo.value.args
            return f"{where} raised:\n{tb}\nthe block:\n{code}" + (f"\nit printed first:\n{out}" if out else "")
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.block.lineno - 1, self.name


class ExpectedOutputMismatch(AssertionError):
    pass
