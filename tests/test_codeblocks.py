"""The layer in conftest.py that runs the pages' code blocks, checked from outside.

- Every fence a reader sees as Python (rendered by the site's own Markdown settings and
  highlighted by Pygments as Python) is collected, with exactly the code shown, so no block
  escapes by its fence style (``python title=...``, ``py``, ``~~~``, inside a tab or note).
- The layer's behaviour on a small page: one item per block, ids by line, one namespace,
  each block against its own expected output, a changed digit failing exactly that block,
  a block after a failed one skipped naming it, importorskip failing under CI=true.
- A reader copying a page's blocks, included package source too, top to bottom into one
  fresh interpreter gets no error: the layer runs such a page in a new interpreter, so its
  items are that run (the small page's behaviour is checked both ways).
"""

from __future__ import annotations

import os
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest

from conftest import load_file

ROOT = Path(__file__).resolve().parents[1]


def _load_layer():
    """The root conftest.py, the layer under test (pytest holds it as "conftest", as tests/'s)."""
    return load_file(ROOT / "conftest.py", "codeblocks_layer")


layer = _load_layer()

PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
PAGE_IDS = [p.relative_to(ROOT).as_posix() for p in PAGES]


@cache
def _markdown():
    import markdown
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    return markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)


def python_code_a_reader_sees(page: Path) -> list[str]:
    """The code of every block on the rendered page that Pygments highlights as Python."""
    from bs4 import BeautifulSoup, SoupStrainer
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    cwd = os.getcwd()
    os.chdir(ROOT)  # snippets' base_path "." is the repository root, as for mkdocs build
    try:
        html = _markdown().reset().convert(page.read_text(encoding="utf-8"))
    finally:
        os.chdir(cwd)
    shown = []
    # Only the divs are built into the tree (half the parse's time): a code block is a
    # div.highlight wherever it sits, and a kept div keeps everything inside it.
    for div in BeautifulSoup(html, "html.parser", parse_only=SoupStrainer("div")).select("div.highlight"):
        languages = [c.removeprefix("language-") for c in div.get("class", []) if c.startswith("language-")]
        try:
            is_python = bool(languages) and "python" in get_lexer_by_name(languages[0]).name.lower()
        except ClassNotFound:
            is_python = False
        if is_python:
            shown.append(div.find("code").get_text())
    return shown


def test_pygments_lang_class_is_on():
    """The guard below reads the language from the class pymdownx.highlight writes."""
    html = _markdown().reset().convert("```py\nx = 1\n```\n")
    assert "language-py" in html


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_python_block_a_reader_sees_is_collected(page):
    # pytest-codeblocks 0.18 drops blank lines inside an indented fence (in a tab or note);
    # a blank line changes nothing a block does outside a multi-line string, so compare without.
    def lines(code):
        return [line for line in code.splitlines() if line.strip()]

    collected = [lines(layer.shown_code(b)) for b in layer.python_blocks(page)]
    assert collected == [lines(code) for code in python_code_a_reader_sees(page)]


def test_the_guard_sees_every_fence_style(tmp_path):
    # Reader-visible Python in every style the site's Markdown accepts; pytest-codeblocks alone
    # would collect only the first. The guard must find all five, and the layer too.
    page = tmp_path / "page.md"
    page.write_text(
        textwrap.dedent(
            """\
            ```python
            a = 1
            ```

            ```python title="b.py"
            b = 2
            ```

            ~~~py
            c = 3
            ~~~

            !!! note
                ```python3
                d = 4
                ```

            === "Tab"

                ```{.python}
                e = 5
                ```

            ```pycon
            >>> 6
            ```
            """
        )
    )
    shown = python_code_a_reader_sees(page)
    assert [s.strip() for s in shown] == ["a = 1", "b = 2", "c = 3", "d = 4", "e = 5", ">>> 6"]
    # pycon is a console transcript the layer does not run: the guard reports it as escaped.
    assert [b.code.strip() for b in layer.python_blocks(page)] == ["a = 1", "b = 2", "c = 3", "d = 4", "e = 5"]


def test_shell_blocks_are_marked_skip():
    """A reader's shell commands (pip install ...) are not run by the tests, by the page's say."""
    unmarked = [
        f"{page.relative_to(ROOT)}:{b.lineno}"
        for page in PAGES
        for b in layer.page_blocks(page)
        if layer.language(b.syntax) in layer.SHELL_LANGUAGES and "pytest.mark.skip" not in b.marks
    ]
    assert not unmarked, f"shell blocks without <!--pytest.mark.skip-->: {unmarked}"


def test_every_page_with_python_is_collected():
    counts = {p.relative_to(ROOT).as_posix(): len(layer.python_blocks(p)) for p in PAGES}
    with_code = {p for p, n in counts.items() if n}
    assert {"README.md", "docs/index.md", "docs/ewma.md", "docs/adagrad.md", "docs/rmsprop.md"} <= with_code, counts


PAGE = """\
# A page

```python
x = 2
print(x)
```

<!--pytest-codeblocks:expected-output-->
```text
2
```

```python title="shown.py"
print(x * 21)
```

<!--pytest-codeblocks:expected-output-->
```text
43
```

!!! note
    ```py
    print(x + 1)
    ```

    <!--pytest-codeblocks:expected-output-->
    ```text
    3
    ```

~~~python
raise ValueError("boom")
~~~

```python
print("never")
```

<!--pytest.mark.skip-->
```sh
rm -rf /
```
"""

SKIPPING = """```python
x = 1
```

<!--pytest.mark.skip-->
```python
x = 2
```

<!--pytest.mark.skipif(sys.version_info > (3,), reason="not on Python 3")-->
```python
x = 3
```

```python
print(x)
```

<!--pytest-codeblocks:expected-output-->
```text
1
```
"""


#: How the small pages run: in this process, or (a page showing included source) in a new
#: interpreter. The fresh variant of a page includes its first line, `x = 1` or `x = 2`, from
#: x.py, so every line number stays.
MODES = ["in-process", "fresh"]


@pytest.fixture(scope="module", autouse=True)
def _mkdocs_imported():
    """MkDocs and the site's Markdown extensions, imported before any pytester run of this module.

    pytester drops what a test imported when it ends (it restores sys.modules); MkDocs imported
    for the first time inside one test then fails to read its theme's YAML in the next.
    """
    _markdown()


def write_page(pytester, mode, name, text, first_line):
    """The layer, and `text` as docs/<name> ("fresh": its `first_line` included from x.py)."""
    pytester.makeconftest((ROOT / "conftest.py").read_text(encoding="utf-8"))
    (pytester.path / "docs").mkdir(exist_ok=True)
    if mode == "fresh":
        # The snippets settings the layer reads from mkdocs.yml, as the site's.
        (pytester.path / "mkdocs.yml").write_text(
            "site_name: t\nmarkdown_extensions:\n  - pymdownx.snippets:\n      base_path: ['.']\n"
            "      check_paths: true\n"
        )
        (pytester.path / "x.py").write_text(first_line + "\n")
        assert text.count(first_line + "\n") == 1
        text = text.replace(first_line + "\n", '--8<-- "x.py"\n')
    (pytester.path / "docs" / name).write_text(text)
    assert layer.runs_in_a_fresh_interpreter(layer.python_blocks(pytester.path / "docs" / name)) == (mode == "fresh")


@pytest.mark.parametrize("mode", MODES)
def test_blocks_marked_skip_are_not_run_and_the_rest_runs(pytester, monkeypatch, mode):
    monkeypatch.delenv("CI", raising=False)
    write_page(pytester, mode, "p.md", SKIPPING, "x = 1")
    result = pytester.runpytest("-p", "no:cacheprovider", "docs")
    result.assert_outcomes(passed=2, skipped=2)


@pytest.fixture(params=MODES)
def page_project(pytester, request):
    """A project with the layer and one page in docs/, run in this process or in a new interpreter."""
    write_page(pytester, request.param, "page.md", PAGE, "x = 2")
    return pytester


def test_layer_runs_a_page_block_by_block(page_project, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = page_project.runpytest("-ra", "-p", "no:cacheprovider", "docs")
    # x survives from the first block (one namespace); 21 * 2 = 42, not the 43 shown: exactly
    # that block fails and the next one, which does not depend on its output, still passes.
    result.assert_outcomes(passed=2, failed=2, skipped=1)
    out = result.stdout.str()
    assert "FAILED docs/page.md::line 13" in out
    assert "printed\n42\n" in out and "shows\n43\n" in out
    assert "FAILED docs/page.md::line 32" in out and "ValueError: boom" in out
    assert "skipped because docs/page.md::line 32 failed (ValueError)" in out
    assert "never" not in out.split("short test summary")[0].split("FAILURES")[0]


def test_one_block_selected_by_its_id_runs_the_blocks_before_it(page_project, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = page_project.runpytest("-p", "no:cacheprovider", "docs/page.md::line 23")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ci", ["", "true"])
def test_importorskip_skips_locally_and_fails_under_ci(pytester, monkeypatch, ci, mode):
    monkeypatch.setenv("CI", ci)
    write_page(
        pytester,
        mode,
        "p.md",
        "<!--pytest-codeblocks:importorskip(no_such_module_xyz)-->\n```python\nimport no_such_module_xyz\n```\n\n"
        "```python\nx = 1\nprint(x)\n```\n",
        "x = 1",
    )
    result = pytester.runpytest("-ra", "-p", "no:cacheprovider", "docs")
    if ci:
        result.assert_outcomes(failed=1, skipped=1)
        assert "CI=true requires no_such_module_xyz" in result.stdout.str()
    else:
        result.assert_outcomes(skipped=2)
        assert "skipped because docs/p.md::line 2 was skipped: no_such_module_xyz is not installed" in (
            result.stdout.str()
        )


def test_a_reader_copying_the_page_into_a_fresh_interpreter_gets_no_error():
    """Every page that shows package source through an include runs in a new interpreter: its
    items (docs/ewma.md::line 25, ...) pass only if its blocks run there, top to bottom."""
    with_source = {
        p.relative_to(ROOT).as_posix() for p in PAGES if any("--8<--" in b.code for b in layer.python_blocks(p))
    }
    fresh = {p.relative_to(ROOT).as_posix() for p in PAGES if layer.runs_in_a_fresh_interpreter(layer.python_blocks(p))}
    assert fresh == with_source
    assert {"docs/ewma.md", "docs/adagrad.md", "docs/rmsprop.md"} <= fresh  # test_site: they show the source


def test_a_page_showing_included_source_runs_in_a_new_interpreter(pytester, monkeypatch):
    """Not this process (no pytest imported), in an empty folder, as a script: a class the page
    defines is __main__'s and pickles; and the included code runs as shown."""
    monkeypatch.delenv("CI", raising=False)
    page = (
        "```python\nx = 1\nimport os, pickle, sys\n\nclass Point:\n    pass\n```\n\n"
        '```python\nprint(x, "pytest" in sys.modules, os.listdir("."), __name__, Point.__module__)\n'
        "print(type(pickle.loads(pickle.dumps(Point()))).__name__)\n```\n\n"
        "<!--pytest-codeblocks:expected-output-->\n```text\n1 False [] __main__ __main__\nPoint\n```\n\n"
        "```python\nos._exit(3)\n```\n\n```python\nprint(x)\n```\n"
    )
    write_page(pytester, "fresh", "p.md", page, "x = 1")
    result = pytester.runpytest("-ra", "-p", "no:cacheprovider", "docs")
    # An interpreter that ends inside a block fails that block, with its exit code.
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    assert "docs/p.md::line 20 raised:\nthe interpreter exited with code 3" in result.stdout.str()
    assert "skipped because docs/p.md::line 20 failed (InterpreterEnded)" in result.stdout.str()


def _imported_modules(code: str) -> set[str]:
    import ast

    modules = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_blocks_importing_more_than_numpy_are_marked(page):
    """numpy is the package's only dependency: a block importing anything else (torch, pandas,
    ...) carries <!--pytest-codeblocks:importorskip(...)--> for it, or an earlier block does, so
    a machine without it skips the page's rest with a message (and CI=true fails)."""
    marked, unmarked = set(), []
    for block in layer.python_blocks(page):
        if block.importorskip:
            marked.add(block.importorskip)
        extra = _imported_modules(layer.shown_code(block)) - set(sys.stdlib_module_names) - {"numpy", "rmsprop_ref"}
        unmarked += [f"line {block.lineno}: {module}" for module in sorted(extra - marked)]
    assert not unmarked, unmarked


@pytest.mark.parametrize("mode", MODES)
def test_blocks_do_not_inherit_the_layers_future_imports(pytester, monkeypatch, mode):
    # conftest.py has `from __future__ import annotations`; a reader's interpreter does not, so
    # an annotation naming something undefined fails there at definition time, and must here.
    monkeypatch.delenv("CI", raising=False)
    write_page(pytester, mode, "p.md", "```python\nx = 1\ndef f(x: Undefined):\n    pass\n```\n", "x = 1")
    result = pytester.runpytest("-p", "no:cacheprovider", "docs")
    result.assert_outcomes(failed=1)
    assert "NameError: name 'Undefined' is not defined" in result.stdout.str()


def test_the_test_command_collects_the_pages():
    """`make test` runs `pytest` over its testpaths (in two workers): they must reach docs/ and README.md, or the
    README's "every docs code block" would be untrue with every test still green."""
    import tomllib

    testpaths = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"]
    assert {"docs", "README.md"} <= set(testpaths), testpaths
    assert "--codeblocks" not in (ROOT / "pyproject.toml").read_text()  # the plugin's own runner would run them twice
    (command,) = [line.strip() for line in (ROOT / "Makefile").read_text().splitlines() if "-m pytest" in line]
    # No path arguments narrowing it: only options (pytest-xdist's worker count, `-n 2`).
    assert command.split()[:3] == ["$(BIN)/python", "-m", "pytest"], command
    assert command.split()[3:] == ["-n", "2"], command
