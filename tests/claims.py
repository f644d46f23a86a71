"""Claims read from the page: a claim test measures against the numbers its sentence prints.

A page tags a measurable sentence with an HTML comment after it, ``<!-- claim: NAME -->``
(invisible to readers). Its test is ``test_claim_NAME`` in ``tests/test_claims_<page>.py``
and asks for the fixture ``claim`` (registered by tests/conftest.py)::

    def test_claim_NAME(claim):
        claim.text                          # the tagged Markdown source (see "Tagged text")
        claim.page, claim.name              # "docs/adagrad.md", "NAME"
        lr = claim.num("η = 1").value       # a literal containing exactly one number ...
        k = claim.num(r"step (\\d+)").value  # ... or a regex whose group 1 covers one number
        claim.num("0.007").check(measured)  # `measured` rounds to the printed 0.007 (3 decimals)
        claim.num("20 or so").about(measured)  # as check, trailing zeros not significant: 15..25
        claim.num("1e-8").below(measured)   # measured <= 1e-8, and the bound is tight: > 1e-9
        claim.num("above 1").above(measured)  # measured >= 1, and < 2 (the next printed value)
        a, b = claim.nums("0.9")            # every number a literal/regex matches (all used)
        claim.unused("2012", why="the paper's year, not a measurement")
        claim.numbers                       # every Printed of the text, in order

A pattern is looked for first as a literal, then as a regex (group 1, if it has one, marks
the number), each time in two readings of the text: the source with whitespace runs as one
space, and a plain one without TeX's ``$`` and braces, TeX words as symbols (``\\eta`` -> η,
``\\sqrt`` -> √, ``\\times`` -> ×). A match that cuts a number is no match ("0.9" does not
match inside "0.95", "4.5" not inside "-4.5"). ``num`` requires exactly one match holding
exactly one number, and says so when not.

At the end of the test every number of the text must have been taken by ``num``/``nums``
or excused by ``unused(..., why=...)``; otherwise the test fails (in its call phase, naming
the numbers left over). So a new number in a tagged sentence needs a measurement.

``Printed`` (what ``num`` returns):

- ``.text``: as printed in the source (``0.007``, ``10^{-4}``, ``1.5\\times10^{-2}``, ``65%``);
- ``.value``: its value as a float (``65%`` -> 0.65, ``10⁻³`` -> 0.001, ``−2`` -> -2.0);
- ``.decimals``: printed decimals for fixed-point numbers (``65.5%`` counts as 3: 0.655),
  None for scientific ones; ``.sig``: significant digits for scientific ones (``10^{-4}``
  and ``1e-4`` have 1, ``1.5e-2`` has 2), None otherwise;
- ``.unit``: one step in the last printed digit (0.001 for ``0.007``, 1e-4 for ``1e-4``);
- ``.check(measured)``: |measured - value| <= unit/2 (it rounds to the printed number);
- ``.about(measured)``: as check, but an integer's trailing zeros are not significant
  (``20`` in "20 or so": ±5; ``2000``: ±500); other numbers as check;
- ``.below(measured)``: measured <= value and above the next smaller printed bound: value -
  unit for fixed-point numbers, value/10 for a power of ten (``1e-8``, ``10^{-4}``), so a
  loose bound fails and must be reworded to the number measured;
- ``.above(measured)``: measured >= value and below value + unit (value·10 for a power of ten).

Every failure message names the page, the claim, the number as printed and its context.

Tagged text
    From the start of the tag's paragraph (after the last blank line), or from the end of an
    earlier tag in the same paragraph, up to the tag; a tag in a paragraph of its own (after
    a table) claims the paragraph before it. Pages are docs/*.md and the Markdown
    cells of docs/tutorial.ipynb (each cell its own paragraph). With the environment variable
    ``RMSPROP_REF_CLAIM_DOCS`` set to a folder, pages are read from there instead of docs/
    (tools/mutate_claims.py points it at a patched copy).

What counts as a number
    Integers, decimals, a sign (``-`` or Unicode ``−``, where it cannot be a binary minus),
    ``1e-2``, ``10^{-3}``, ``10⁻³``, ``1.5×10⁻²`` / ``1.5\\times10^{-2}`` / ``1.5·10^{-2}``,
    percentages (``65%``, ``65 %``, ``65\\%``); inside ``$TeX$`` and code spans too.
    Deliberately NOT numbers (the whole list; anything else is one):

    - digits attached to a letter or underscore: identifiers and file names (``θ_1``,
      ``float32``, ``test_parity_2.py``, ``v2``, ``β2``);
    - subscripts and exponents: the digits after ``_`` or ``^`` (``\\theta_{2}``, ``s_{30}``,
      ``x^2``, ``g_t^{2}``), except the exponent of a power of ten, which is part of it;
    - link and image targets ``](...)``, reference definitions, bare URLs and autolinks;
    - HTML comments, tags and their attributes (``<img width="60">``);
    - ``#123`` (issue references, anchors), an ordered list's ``1.`` marker, and versions
      of three or more parts (``2.13.0``).

    Unicode sub/superscript digits (``θ₁``, ``θ²``) are not ASCII digits and so never numbers,
    except as the exponent of ``10⁻³``.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS_ENV = "RMSPROP_REF_CLAIM_DOCS"
TAG = re.compile(r"<!--\s*claim:\s*([A-Za-z0-9_]+)\s*-->")
PREFIX = "test_claim_"

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_MINUS = "-−"
_MANT = r"\d+(?:\.\d+)?"
_EXP_TEX = r"\^\s*(?:\{\s*[-−+]?\s*\d+\s*\}|[-−+]?\d)"  # ^{-4}, ^2
_EXP_SUP = r"[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+"
_TIMES = r"(?:\\times|×|\\cdot|·)"
_NUMBER = re.compile(
    rf"(?P<sign>(?<![\w)\]}}])[{_MINUS}])?"
    r"(?:"
    rf"(?P<tm>{_MANT})\s*{_TIMES}\s*10\s*(?P<te>{_EXP_TEX}|{_EXP_SUP})"  # 1.5×10⁻², 1.5\times10^{-2}
    rf"|(?P<em>{_MANT})[eE](?P<ee>[-−+]?\d+)"  # 1e-8, 2.5E3
    rf"|10\s*(?P<pe>{_EXP_TEX}|{_EXP_SUP})"  # 10^{-4}, 10⁻³
    rf"|(?P<plain>{_MANT})(?P<pct>\s?\\?%)?"  # 0.007, 2000, 65%, 65 %, 65\%
    r")"
)
#: Regions whose digits are not numbers (see the module docstring).
_NOT_NUMBERS = re.compile(
    r"<!--.*?-->"  # HTML comments
    r"|<[a-z]+://[^>]*>"  # autolinks
    r"|</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"  # HTML tags and attributes
    r"|\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"  # link / image targets
    r"|\]\[[^\]]*\]"  # reference-style link labels
    r"|^\s*\[[^\]]+\]:\s*\S+.*$"  # reference definitions
    r"|https?://[^\s)>\]]+"  # bare URLs
    r"|#\d+"  # issue references, anchors
    r"|(?<![\w.])\d+(?:\.\d+){2,}(?![\w.])"  # versions: 2.13.0
    r"|^\s*\d+[.)](?=\s)"  # ordered list markers
    r"|(?<=[^\s(\[{$])[_^]\s*(?:\{[^{}]*\}|[-−+]?\d+(?:\.\d+)?|\S)",  # sub- and superscripts
    re.M | re.S,
)


@dataclass
class Printed:
    """One number as a tagged sentence prints it (see the module docstring)."""

    text: str
    value: float
    decimals: int | None
    sig: int | None
    start: int  # offset in the claim's text
    end: int
    claim: Claim = field(repr=False)
    used: bool = field(default=False, repr=False)

    @property
    def unit(self) -> float:
        if self.decimals is not None:
            return 10.0**-self.decimals
        return 10.0 ** (math.floor(math.log10(abs(self.value))) - self.sig + 1)

    @property
    def power_of_ten(self) -> bool:
        return self.sig == 1 and self.value != 0 and math.log10(abs(self.value)).is_integer()

    def _where(self) -> str:
        return (
            f"{self.claim.page}: claim {self.claim.name}: the printed {self.text!r} in ...{self.claim.context(self)}..."
        )

    def check(self, measured) -> None:
        """Assert `measured` rounds to the printed number at its printed precision."""
        measured = float(measured)
        half = self.unit / 2
        ok = abs(measured - self.value) <= half * (1 + 1e-9) + 1e-300
        assert ok, f"{self._where()}: measured {measured!r}, which does not round to it (±{half:g})"

    def about(self, measured) -> None:
        """Like check, but an integer's trailing zeros are not significant ("about 2000",
        "20 or so": within ±500, ±5)."""
        text = re.sub(r"\D", "", self.text)
        if self.decimals == 0 and self.value != 0 and text.rstrip("0") != text:
            measured = float(measured)
            half = 10.0 ** (len(text) - len(text.rstrip("0"))) / 2
            ok = abs(measured - self.value) <= half * (1 + 1e-9)
            assert ok, f"{self._where()}: measured {measured!r}, not within ±{half:g} of it"
        else:
            self.check(measured)

    def below(self, measured) -> None:
        """Assert measured <= the printed bound, and that the bound is tight at its precision."""
        measured = float(measured)
        floor = self.value / 10 if self.power_of_ten else self.value - self.unit
        assert measured <= self.value, f"{self._where()}: measured {measured!r}, above the bound"
        assert measured > floor, (
            f"{self._where()}: measured {measured!r}, not above {floor:g}: the bound is loose, print a tighter one"
        )

    def above(self, measured) -> None:
        """Assert measured >= the printed bound, and that the bound is tight at its precision."""
        measured = float(measured)
        ceiling = self.value * 10 if self.power_of_ten else self.value + self.unit
        assert measured >= self.value, f"{self._where()}: measured {measured!r}, below the bound"
        assert measured < ceiling, (
            f"{self._where()}: measured {measured!r}, not below {ceiling:g}: the bound is loose, print a tighter one"
        )


def _exponent(text: str) -> int:
    digits = re.sub(r"[\s^{}]", "", text.translate(_SUP)).replace("−", "-")
    return int(digits)


def _sig_digits(mantissa: str) -> int:
    return len(mantissa.replace(".", "").lstrip("0")) or 1


def _masked(text: str) -> list[bool]:
    mask = [False] * len(text)
    for m in _NOT_NUMBERS.finditer(text):
        for i in range(m.start(), m.end()):
            mask[i] = True
    return mask


def parse_numbers(text: str) -> list[tuple[int, int, str, float, int | None, int | None]]:
    """(start, end, printed, value, decimals, sig) of every number in `text`."""
    mask = _masked(text)
    found = []
    for m in _NUMBER.finditer(text):
        start = m.start()
        if mask[start] or (m.group("sign") and mask[m.start() + 1]):
            continue
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_") and not m.group("sign"):
            continue  # digits of an identifier: float32, test_2.py
        negative = bool(m.group("sign"))
        if m.group("tm"):
            mant, exp = m.group("tm"), _exponent(m.group("te"))
            value, decimals, sig = Decimal(mant).scaleb(exp), None, _sig_digits(mant)
        elif m.group("em"):
            mant, exp = m.group("em"), _exponent(m.group("ee"))
            value, decimals, sig = Decimal(mant).scaleb(exp), None, _sig_digits(mant)
        elif m.group("pe"):
            value, decimals, sig = Decimal(1).scaleb(_exponent(m.group("pe"))), None, 1
        else:
            mant = m.group("plain")
            places = len(mant.split(".")[1]) if "." in mant else 0
            value, decimals, sig = Decimal(mant), places, None
            if m.group("pct"):
                value, decimals = value / 100, places + 2
        if negative:
            value = -value
        found.append((start, m.end(), m.group(0), float(value), decimals, sig))
    return found


_TEX_WORDS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "eta": "η", "epsilon": "ε", "varepsilon": "ε",
    "theta": "θ", "mu": "μ", "lambda": "λ", "sigma": "σ", "rho": "ρ", "times": "×", "cdot": "·",
    "approx": "≈", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "sqrt": "√", "pm": "±",
    "infty": "∞", "ln": "ln", "log": "log", "lVert": "‖", "rVert": "‖", "to": "→",
}  # fmt: skip


@functools.cache  # read-only for its callers; a test may look up many numbers in one sentence
def _views(text: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Searchable views of `text`, each with the source offset of every character.

    The source with whitespace runs as one space; and a plain one where TeX's $ and braces
    go, TeX words become their symbols (\\eta -> η) and spacing commands a space, so a test can
    say claim.num("η = 1") of ``$\\eta = 1$``.
    """
    source_chars, source_map = [], []
    for i, ch in enumerate(text):
        if ch.isspace():
            if source_chars and source_chars[-1] == " ":
                continue
            ch = " "
        source_chars.append(ch)
        source_map.append(i)
    plain_chars, plain_map = [], []
    i = 0
    while i < len(text):
        ch = text[i]
        m = re.match(r"\\([A-Za-z]+)", text[i:])
        if m and m.group(1) in _TEX_WORDS:
            for c in _TEX_WORDS[m.group(1)]:
                plain_chars.append(c)
                plain_map.append(i)
            i += m.end()
            continue
        if text.startswith(("\\,", "\\;", "\\!", "\\ "), i):
            ch, step = " ", 2
        elif ch in "${}" or ch == "\\":
            i += 1
            continue
        else:
            step = 1
        if ch.isspace():
            ch = " "
            if plain_chars and plain_chars[-1] == " ":
                i += step
                continue
        plain_chars.append(ch)
        plain_map.append(i)
        i += step
    return (("".join(source_chars), tuple(source_map)), ("".join(plain_chars), tuple(plain_map)))


@dataclass
class Claim:
    """A tagged text and its numbers. Build one with `claim_for(name)` or `Claim(text, ...)`."""

    text: str
    page: str = "<made-up page>"
    name: str = "<made-up claim>"
    numbers: list[Printed] = field(default_factory=list, repr=False)
    excused: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.numbers = [Printed(p, v, d, s, a, b, self) for a, b, p, v, d, s in parse_numbers(self.text)]

    def context(self, number: Printed, width: int = 40) -> str:
        left = re.sub(r"\s+", " ", self.text[max(0, number.start - width) : number.start])
        right = re.sub(r"\s+", " ", self.text[number.end : number.end + width])
        return f"{left}[{number.text}]{right}"

    def _spans(self, pattern: str) -> list[tuple[int, int]]:
        """Source spans matched by `pattern`: as a literal in a view, else as a regex (group 1 if
        any). A span that cuts a number ("0.9" of "0.95", "4.5" of "-4.5") is no match."""

        def whole(spans):
            return [
                (a, b) for a, b in spans if not any(n.start < a < n.end or n.start < b < n.end for n in self.numbers)
            ]

        for view, where in _views(self.text):
            spans = whole((where[m.start()], where[m.end() - 1] + 1) for m in re.finditer(re.escape(pattern), view))
            if spans:
                return spans
        try:
            regex = re.compile(pattern)
        except re.error:
            regex = None
        if regex is not None:
            group = 1 if regex.groups else 0
            for view, where in _views(self.text):
                spans = whole(
                    (where[m.start(group)], where[m.end(group) - 1] + 1)
                    for m in regex.finditer(view)
                    if m.end(group) > m.start(group)
                )
                if spans:
                    return spans
        raise AssertionError(f"{self.page}: claim {self.name}: {pattern!r} is not in the tagged text:\n{self.text}")

    def _numbers_in(self, pattern: str) -> list[Printed]:
        found = []
        for a, b in self._spans(pattern):
            inside = [n for n in self.numbers if a <= n.start and n.end <= b]
            assert len(inside) == 1, (
                f"{self.page}: claim {self.name}: {pattern!r} matches {self.text[a:b]!r}, which holds "
                f"{len(inside)} numbers ({[n.text for n in inside]}); give a literal or group around one"
            )
            found.append(inside[0])
        return found

    def num(self, pattern: str) -> Printed:
        """The one number that the literal or regex `pattern` points at (marked used)."""
        found = self._numbers_in(pattern)
        assert len(found) == 1, (
            f"{self.page}: claim {self.name}: {pattern!r} occurs {len(found)} times in the tagged "
            f"text; give more context, or take all with nums()"
        )
        found[0].used = True
        return found[0]

    def nums(self, pattern: str) -> list[Printed]:
        """Every number that the literal or regex `pattern` points at (all marked used)."""
        found = self._numbers_in(pattern)
        for n in found:
            n.used = True
        return found

    def unused(self, pattern: str, why: str) -> None:
        """Excuse the number(s) `pattern` points at: not measured, for the reason `why`."""
        assert why and why.strip(), f"{self.page}: claim {self.name}: unused({pattern!r}) needs a why"
        for n in self._numbers_in(pattern):
            n.used = True
            self.excused[n.text] = why

    def assert_all_used(self) -> None:
        left = [n for n in self.numbers if not n.used]
        assert not left, (
            f"{self.page}: claim {self.name}: the test never used these printed numbers (measure them "
            f"with claim.num(...) or excuse them with claim.unused(..., why=...)):\n"
            + "\n".join(f"  {n.text!r} in ...{self.context(n)}..." for n in left)
        )


def docs_dir() -> Path:
    return Path(os.environ.get(DOCS_ENV) or ROOT / "docs")


@functools.cache
def _pages(docs: Path) -> dict[str, str]:
    """Page path (relative to the repository, docs/...) -> source; a notebook's Markdown cells."""
    pages = {}
    for path in sorted(docs.glob("*.md")) + sorted(docs.glob("*.ipynb")):
        rel = f"docs/{path.name}"
        if path.suffix == ".md":
            pages[rel] = path.read_text(encoding="utf-8")
        else:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            pages[rel] = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return pages


def pages() -> dict[str, str]:
    return _pages(docs_dir())


def tagged_span(source: str, tag: re.Match) -> tuple[int, int]:
    """Where the text a tag claims lies in `source`: from its paragraph's start or the previous
    tag, up to the tag."""
    before = source[: tag.start()]
    if not before.strip() or re.search(r"\n[ \t]*\n\s*\Z", before):
        before = before.rstrip()  # a tag in a paragraph of its own claims the one before (a table)
    start = 0
    for m in re.finditer(r"\n[ \t]*\n", before):
        start = m.end()
    for m in TAG.finditer(before, start):
        start = m.end()
    return start, len(before)


def tagged_text(source: str, tag: re.Match) -> str:
    start, end = tagged_span(source, tag)
    return source[start:end]


def page_tags() -> list[tuple[str, str, str]]:
    """(name, page, tagged text) of every tag on every page."""
    return [(m.group(1), page, tagged_text(src, m)) for page, src in pages().items() for m in TAG.finditer(src)]


def claim_for(name: str) -> Claim:
    found = [(page, text) for n, page, text in page_tags() if n == name]
    assert found, f"no page has the tag <!-- claim: {name} -->"
    assert len(found) == 1, f"the tag <!-- claim: {name} --> is on {len(found)} places: {[p for p, _ in found]}"
    page, text = found[0]
    return Claim(text, page, name)


@pytest.fixture
def claim(request) -> Claim:
    """The Claim tagged `NAME` for the test `test_claim_NAME`: its text and printed numbers."""
    test = request.node.originalname if hasattr(request.node, "originalname") else request.node.name
    assert test.startswith(PREFIX), f"the claim fixture is for tests named {PREFIX}NAME, not {test}"
    return claim_for(test[len(PREFIX) :])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a claim test passes, fail it if it left a printed number unused."""
    result = yield
    found = getattr(item, "funcargs", {}).get("claim")
    if isinstance(found, Claim):
        found.assert_all_used()
    return result
