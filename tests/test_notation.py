"""One notation: every math symbol on the site is in docs/notation.md, with one meaning.

The notation page's tables are the source of truth: their first column lists the symbols.
This module reads every page (Markdown, the notebook's Markdown cells, README) and every
docstring of the package, parses it with markdown-it-py (tables, and ``$...$`` and
``$$...$$`` math with mdit-py-plugins' dollarmath), takes the math, never code, and
checks

1. that each symbol in the math is listed on the notation page, and
2. the rules that keep the letters people confuse apart (issue 7, section 3):
   - $\\alpha$ is RMSprop's decay only: never pandas' weight (``1 - beta``), so on the EWMA
     page it appears only in a paragraph about RMSprop, never in one about pandas without
     RMSprop, and never next to $\\beta$ or $x$;
   - a bare $\\beta$ (not $\\beta_1$, $\\beta_2$) is a generic EWMA's decay: never next
     to a gradient, learning rate, parameter, epsilon or Adagrad's sum;
   - $d$ is the dimension, never the denominator ($g/d$, $d = \\sqrt{v}$);
   - problem coordinates are $\\theta_1, \\theta_2$: no $y_1$, $y_t$ or $y^2$ ($y_i$ are labels), no bare
     $x$ (the EWMA input is always $x_t$, $x_{t-k}$, ...), no $f(x ...)$, and no
     ``x²``, ``y²``, ``x1``, ``f(x, y)`` in prose or figure alt texts;
   - $\\delta$ is ``lr_decay`` only: a paragraph or table row using it must name
     ``lr_decay`` (or "learning-rate decay") or show $\\eta/(1 + (t-1)\\delta)$;
   - per page: on the EWMA page (and in ewma.py's docstrings) $h$ (curvature) and $s$ (Adagrad's sum, allowed in a
     paragraph about Adagrad) are not pandas' ``halflife`` and ``span``;
   - figure alt texts that mention RMSprop name its decay alpha, not beta.

The last tests plant a violation of each rule in a made-up page and check it is caught.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

ROOT = Path(__file__).resolve().parents[1]
NOTATION = ROOT / "docs" / "notation.md"

GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi "
    "rho varrho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega"
).split()
ACCENTS = ("bar", "hat", "tilde", "overline", "widehat", "widetilde", "vec", "dot")
# TeX commands that are operators, spacing or layout, not symbols with a meaning.
LAYOUT = set(
    (
        "sqrt frac dfrac tfrac sum prod ln log exp left right cdot dots ldots cdots le ge leq geq approx "
        "qquad quad leftarrow rightarrow to in infty begin end bigl bigr Bigl Bigr big Big times ne neq pm "
        "min max lim top partial nabla mid gg ll sim lVert rVert lvert rvert langle rangle mathbb "
        "displaystyle underbrace overbrace limits equiv propto ast"
    ).split()
)
TEXT_COMMANDS = ("text", "mathrm", "operatorname", "texttt", "textit", "textbf")


# ---------------------------------------------------------------------------- reading math
def _markdown() -> MarkdownIt:
    """CommonMark with tables and ``$...$``/``$$...$$`` math, as the site's pages are written.

    Indented code blocks are off: the pages indent admonitions' and tabs' contents (and
    docstrings their parameter descriptions) by four spaces, which is prose, not code;
    fenced code inside them is still code.
    """
    md = MarkdownIt("commonmark").enable("table").disable("code")
    return md.use(dollarmath_plugin, allow_space=False, double_inline=True)


_MD = _markdown()
MATH_TOKENS = ("math_inline", "math_inline_double", "math_block")


@dataclass
class Context:
    """One paragraph (with display math that touches it), heading, list item's paragraph or table row."""

    math: list[str] = field(default_factory=list)  # the TeX of every math span
    words: list[str] = field(default_factory=list)  # everything a reader reads: prose, code, alt texts, TeX
    prose: list[str] = field(default_factory=list)  # prose and alt texts: no math, no code
    alts: list[str] = field(default_factory=list)  # images' alt texts
    lines: tuple[int, int] = (0, 0)  # source lines [first, end)
    kind: str = ""  # the token it was last extended by: "inline" or "math_block"

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _add_inline(ctx: Context, inline) -> None:
    for child in inline.children or []:
        if child.type in MATH_TOKENS:
            ctx.math.append(child.content)
            ctx.words.append(child.content)
        elif child.type == "code_inline":
            ctx.words.append(child.content)
        elif child.type == "image":
            ctx.alts.append(child.content)
            ctx.prose.append(child.content)
            ctx.words.append(child.content)
        elif child.type in ("text", "html_inline"):
            ctx.prose.append(child.content)
            ctx.words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            ctx.prose.append("\n")


def contexts(md: str) -> list[Context]:
    """The contexts of a Markdown text, parsed by markdown-it-py; code is not notation, so fenced
    code is left out and inline code counts as words only."""
    out: list[Context] = []
    row: Context | None = None
    for token in _MD.parse(md):
        if token.type == "tr_open":
            row = Context(lines=tuple(token.map))
        elif token.type == "tr_close":
            out.append(row)
            row = None
        elif token.type == "inline" and row is not None:
            _add_inline(row, token)
        elif token.type in ("inline", "math_block"):
            ctx = Context(lines=tuple(token.map), kind=token.type)
            if token.type == "inline":
                _add_inline(ctx, token)
            else:
                ctx.math.append(token.content)
                ctx.words.append(token.content)
            prev = out[-1] if out else None
            touching = prev is not None and prev.lines[1] == ctx.lines[0] and "math_block" in (token.type, prev.kind)
            if touching:  # display math and the paragraph it continues, with no blank line between
                for name in ("math", "words", "prose", "alts"):
                    getattr(prev, name).extend(getattr(ctx, name))
                prev.lines, prev.kind = (prev.lines[0], ctx.lines[1]), token.type
            else:
                out.append(ctx)
    return out


def symbols(tex: str) -> list[str]:
    """The symbols of one TeX expression: latin letters, Greek commands, accented letters.

    ``\\bar g`` and ``\\bar{g}`` both give ``bar g``; subscripts' letters count too (the
    ``t`` in ``v_t``); the contents of ``\\text{...}``/``\\mathrm{...}`` do not.
    """
    tex = re.sub(r"\\(?:" + "|".join(TEXT_COMMANDS) + r")\s*\{[^{}]*\}", " ", tex)
    tex = re.sub(r"\\(?:begin|end)\{[^{}]*\}", " ", tex)
    out = []
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+)", tex[i:])
            if not m:
                i += 2  # \, \; \! \{ \| ...
                continue
            name = m.group(1)
            i += len(m.group(0))
            if name in ACCENTS:
                arg = re.match(r"\s*(?:\{\s*(\\?[A-Za-z]+)\s*\}|(\\[A-Za-z]+|[A-Za-z]))", tex[i:])
                if arg:
                    out.append(f"{_accent(name)} {arg.group(1) or arg.group(2)}")
                    i += len(arg.group(0))
                continue
            if name in GREEK:
                out.append("\\" + name)
            elif name not in LAYOUT:
                out.append("\\" + name)  # an unknown command: reported unless listed
            continue
        if c.isalpha():
            out.append(c)
        i += 1
    return out


def _accent(name: str) -> str:
    return {"overline": "bar", "widehat": "hat", "widetilde": "tilde"}.get(name, name)


def allowed_symbols() -> set[str]:
    """Every symbol in the first column of the notation page's tables."""
    allowed = set()
    tokens = _MD.parse(NOTATION.read_text(encoding="utf-8"))
    for i, token in enumerate(tokens):
        if token.type == "tr_open":
            first_cell = tokens[i + 2]  # tr_open, th/td_open, inline
            assert first_cell.type == "inline", first_cell
            allowed.update(s for c in first_cell.children if c.type in MATH_TOKENS for s in symbols(c.content))
    return allowed


# ---------------------------------------------------------------------------- the sources
@dataclass(frozen=True)
class Source:
    name: str  # a page path, or module:object for a docstring
    text: str  # its Markdown


def pages() -> list[Source]:
    found = []
    for path in [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]:
        found.append(Source(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "docs").rglob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        md = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        found.append(Source(str(path.relative_to(ROOT)), md))
    return found


def docstrings() -> list[Source]:
    """Every docstring in the package (module, class, function, method), as the API page renders it."""
    found = []
    for path in sorted((ROOT / "rmsprop_ref").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in [tree, *ast.walk(tree)]:
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc:
                    where = getattr(node, "name", "<module>")
                    found.append(Source(f"rmsprop_ref/{path.name}:{where}", doc))
    return found


# ---------------------------------------------------------------------------- the rules
BARE_BETA = re.compile(r"\\beta(?!\s*_)")
COORD_PROSE = re.compile(
    r"(?<![\w\\])(?:[xy][²³]|[xy]_?[12]\b|[xy][₁₂]|f\(x\b|\(x, ?y\)|\(2x, ?y\)|x1²|x2²)", flags=re.UNICODE
)


def check(source: Source, allowed: set[str]) -> list[str]:
    """All notation violations in one page or docstring, as readable messages."""
    problems = []
    page = source.name
    is_tutorial = page.endswith(".ipynb")
    for context in contexts(source.text):
        ctx = context.text
        for tex in context.math:
            syms = symbols(tex)
            where = f"{page}: ${tex.strip()[:70]}$"
            for s in sorted(set(syms) - allowed):
                problems.append(f"{where}: symbol {s!r} is not on the notation page")
            bare = set(syms)
            if "\\alpha" in bare:
                if page == "docs/ewma.md" and "RMSprop" not in ctx:
                    problems.append(f"{where}: alpha on the EWMA page outside RMSprop (pandas' weight is `alpha`)")
                elif "pandas" in ctx and "RMSprop" not in ctx:
                    problems.append(f"{where}: alpha in a paragraph about pandas (its weight is the code `alpha`)")
                elif BARE_BETA.search(tex) or "x" in bare:
                    problems.append(f"{where}: alpha next to beta or x (alpha is RMSprop's decay only)")
            if BARE_BETA.search(tex) and bare & {"g", "\\eta", "\\theta", "\\epsilon", "s"}:
                problems.append(f"{where}: a bare beta next to g/eta/theta/eps/s (RMSprop's decay is alpha)")
            if re.search(r"(?<![\\A-Za-z])y\s*(?:_\s*\{?\s*[0-9t]|\^)", tex):
                problems.append(f"{where}: y_1, y_t or y^2 in math (y is the labels y_i; coordinates are theta)")
            if "d" in bare and re.search(r"(?<![\\A-Za-z])d\s*=\s*\\sqrt|/\s*d(?![A-Za-z_])", tex):
                problems.append(f"{where}: d as a denominator (d is the dimension)")
            if re.search(r"(?<![\\A-Za-z])x(?!\s*_)", tex):
                problems.append(f"{where}: x without a subscript (the EWMA input is x_t; coordinates are theta)")
            if re.search(r"f\s*\(\s*x", tex):
                problems.append(f"{where}: f(x ...) (coordinates are theta)")
            if (
                "\\delta" in bare
                and not re.search(r"lr_decay|learning.rate decay", ctx)
                and not re.search(r"t\s*-\s*1\s*\)\s*\\,?\s*\\delta", tex)
            ):
                problems.append(f"{where}: delta not tied to lr_decay in its paragraph (delta is lr_decay only)")
            if page == "docs/ewma.md" or page.startswith("rmsprop_ref/ewma.py"):
                for s, why in (("h", "curvature; pandas' half-life is `halflife`"), ("s", "Adagrad's sum; `span`")):
                    if s in bare and not (s == "s" and "Adagrad" in ctx):
                        problems.append(f"{where}: {s} on the EWMA page ({why})")
        for alt in context.alts:
            if "RMSprop" in alt and re.search(r"\bbeta\b(?! ?[12₁₂])|β(?![12₁₂])", alt):
                problems.append(f"{page}: alt text names RMSprop's decay beta: {alt[:80]!r}")
        prose = " ".join(context.prose)
        if not is_tutorial:
            for m in COORD_PROSE.finditer(prose):
                problems.append(f"{page}: {m.group(0)!r} in prose (coordinates are θ₁, θ₂)")
    return problems


# ---------------------------------------------------------------------------- the tests
def test_the_notation_page_lists_the_core_symbols():
    allowed = allowed_symbols()
    for s in ("\\theta", "g", "\\eta", "\\epsilon", "x", "\\beta", "v", "\\alpha", "bar g", "\\mu", "b", "s",
              "\\delta", "\\lambda", "m", "hat v", "hat m", "h", "d", "t"):  # fmt: skip
        assert s in allowed, f"{s} is missing from docs/notation.md"


@pytest.mark.parametrize("source", pages(), ids=lambda s: s.name)
def test_pages_follow_the_notation(source):
    problems = check(source, allowed_symbols())
    assert not problems, "\n".join(problems)


def test_docstrings_follow_the_notation():
    allowed = allowed_symbols()
    problems = [p for source in docstrings() for p in check(source, allowed)]
    assert not problems, "\n".join(problems)


PLANTED = [
    ("docs/ewma.md", "pandas' weight is $\\alpha = 1 - \\beta$.", "alpha on the EWMA page"),
    ("docs/frameworks.md", "the average is $y_t = (1-\\alpha) y_{t-1} + \\alpha x_t$.", "alpha next to"),
    ("rmsprop_ref/ewma.py:beta_from_span", "pandas' ``span``: $\\alpha = 2/(\\text{span}+1)$", "about pandas"),
    ("docs/rmsprop.md", "$v_t = \\beta v_{t-1} + (1-\\beta) g_t^2$", "bare beta"),
    ("docs/rmsprop.md", "The first step is $\\eta/\\sqrt{1-\\beta}$.", "bare beta"),
    ("docs/adagrad.md", "On $f(x, y) = x^2 + 0.5 y^2$ the path", "f(x"),
    ("docs/adagrad.md", "both paths lie on the line y = −x, with x² small", "in prose"),
    ("docs/index.md", "![Adagrad on f = x1² + 2·x2²](figures/a.svg)", "in prose"),
    ("docs/frameworks.md", "| Duchi et al. 2011 | $\\delta + \\sqrt{s}$ | `Adagrad(p, eps=delta)` |", "delta"),
    ("docs/ewma.md", "| `halflife` $h$ | $\\beta = 2^{-1/h}$ |", "h on the EWMA page"),
    ("docs/frameworks.md", "| decay | `alpha` | $\\gamma$ (d2l) |", "not on the notation page"),
    ("docs/frameworks.md", "$d = \\sqrt{v} + \\epsilon$ and $\\rho$", "'\\\\rho' is not on"),
    ("docs/rmsprop.md", "![RMSprop with beta 0.9 on the quadratic](figures/t.svg)", "alt text"),
    ("docs/frameworks.md", "| $b \\leftarrow \\mu b + g/d$ |", "d as a denominator"),
    ("docs/ewma.md", "pandas' output $y_t$ starts at $y_1 = x_1$", "y_1, y_t"),
]


@pytest.mark.parametrize(("page", "text", "expected"), PLANTED, ids=[p[2] for p in PLANTED])
def test_a_planted_violation_is_caught(page, text, expected):
    problems = check(Source(page, text), allowed_symbols())
    assert any(expected in p for p in problems), problems


def test_correct_uses_pass():
    good = [
        ("docs/ewma.md", "$v_t = \\beta v_{t-1} + (1-\\beta) x_t$ and pandas' `alpha` $= 1-\\beta$, `span`."),
        ("docs/rmsprop.md", "$v_t = \\alpha v_{t-1} + (1-\\alpha) g_t^2$, first step $\\eta/\\sqrt{1-\\alpha}$."),
        ("docs/adagrad.md", "PyTorch's `lr_decay` $\\delta$ gives $\\eta_t = \\eta/(1+(t-1)\\delta)$."),
        ("docs/adagrad.md", "On $f(\\theta) = \\theta_1^2 + 0.5\\,\\theta_2^2$ from $\\theta_0$."),
        ("docs/rmsprop.md", "Adam: $\\hat m_t = m_t/(1-\\beta_1^t)$, $\\bar g$ and $\\bar{g}_t$."),
        ("docs/tutorial.ipynb", "$p_i = \\sigma(X_i w + w_0)$, $L = f(\\theta)$ with labels $y_i$ and $y$."),
        ("docs/index.md", "Code such as `f(x, y) = x**2` and `beta` is not notation."),
    ]
    allowed = allowed_symbols()
    for page, text in good:
        assert check(Source(page, text), allowed) == [], text
