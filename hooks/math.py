"""MkDocs hook: render TeX to MathML at build time, so math needs no JavaScript and no CDN.

pymdownx.arithmatex (generic mode) leaves ``\\(...\\)`` and ``\\[...\\]`` in spans and
divs of class ``arithmatex``; notebook Markdown cells keep ``$...$`` and ``$$...$$``.
Both become ``<math>`` elements, which browsers render natively (MathML Core).

The page is parsed as HTML (BeautifulSoup over Python's html.parser), so a Markdown
cell is the whole element however many ``<div>`` it holds, and only its text is searched
for dollars: not its code, not its attributes.

Aligned equations (``aligned``, ``align*``) are MathML tables whose rows have one cell
per side of the ``&``. Firefox honours their ``columnalign``; Chromium does not, so the
table gets the class ``rr-aligned`` and docs/stylesheets/extra.css aligns the cells by
their ``columnalign`` with ``text-align``: the relation signs line up in both.
"""

from __future__ import annotations

import html
import re

from bs4 import BeautifulSoup, Comment, NavigableString
from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

_INLINE = re.compile(r"^\s*\\\((.*)\\\)\s*$", re.S)
_BLOCK = re.compile(r"^\s*\\\[(.*)\\\]\s*$", re.S)
# Notebook Markdown cells: $$...$$ (display) first, then $...$ (inline), in their text only.
_NB_MATH = re.compile(r"\$\$(?P<block>.+?)\$\$|(?<![\\$])\$(?!\$)(?P<inline>[^$\n]+?)\$", re.S)
_NO_MATH_INSIDE = ("code", "pre", "script", "style", "math", "kbd", "samp")
_ALIGNED = re.compile(r"\\begin\{(?:aligned|align\*?)\}")


def to_mathml(tex: str, display: bool, where: str) -> str:
    tex = tex.strip()
    # latex2mathml knows align* but not aligned; they mean the same here.
    tex = tex.replace(r"\begin{aligned}", r"\begin{align*}").replace(r"\end{aligned}", r"\end{align*}")
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many types; name the formula either way
        raise PluginError(f"{where}: cannot render TeX {tex!r}: {exc}") from exc
    if _ALIGNED.search(tex):
        mathml = mathml.replace("<mtable ", '<mtable class="rr-aligned" ', 1)
    # Keep the TeX as an annotation (MathML's <semantics>) for copy/paste and assistive tools.
    head, _, body = mathml.partition(">")
    body = body.removesuffix("</math>")
    note = f'<annotation encoding="application/x-tex">{html.escape(tex)}</annotation>'
    return f"{head}><semantics>{body}{note}</semantics></math>"


class _Formulas:
    """The MathML of a page's formulas, each put into the tree as a placeholder string and
    spliced into the serialised page at the end (`splice`): one parse per page, not one per
    formula (a third of the build's time went to parsing formulas one by one)."""

    def __init__(self):
        self.markup: list[str] = []

    def placeholder(self, mathml: str) -> NavigableString:
        self.markup.append(mathml)
        return NavigableString(f"\ue000{len(self.markup) - 1}\ue001")

    def splice(self, html_text: str) -> str:
        """The page with each placeholder replaced by its formula, serialised as it would be
        inside the page's tree (all formulas parsed in one document, one wrapper each)."""
        if not self.markup:
            return html_text
        wrapped = BeautifulSoup("".join(f"<div>{m}</div>" for m in self.markup), "html.parser")
        rendered = [div.decode_contents(formatter="minimal") for div in wrapped.find_all("div", recursive=False)]
        return _PLACEHOLDER.sub(lambda m: rendered[int(m.group(1))], html_text)


# Private-use characters: never in a page's text, never escaped by the serialiser.
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def _replace_arithmatex(soup, where: str, formulas: _Formulas) -> None:
    for el in soup.find_all(["span", "div"], class_="arithmatex"):
        text = el.get_text()  # the TeX, its entities decoded by the parser
        match = _BLOCK.match(text) if el.name == "div" else None
        inline = None if match else _INLINE.match(text)
        if not (match or inline):
            raise PluginError(f"{where}: an arithmatex {el.name} without \\(...\\) or \\[...\\]: {text[:80]!r}")
        el.replace_with(formulas.placeholder(to_mathml((match or inline).group(1), match is not None, where)))


def _replace_dollars(cell, where: str, formulas: _Formulas) -> None:
    """$...$ and $$...$$ in the text of a rendered notebook Markdown cell, outside code."""
    for text in list(cell.find_all(string=True)):
        if isinstance(text, Comment) or text.find_parent(_NO_MATH_INSIDE) is not None:
            continue
        pieces, last = [], 0
        for m in _NB_MATH.finditer(str(text)):
            pieces.append(NavigableString(text[last : m.start()]))
            block = m.group("block")
            tex = block if block is not None else m.group("inline")
            pieces.append(formulas.placeholder(to_mathml(tex, block is not None, where)))
            last = m.end()
        if pieces:
            pieces.append(NavigableString(text[last:]))
            text.replace_with(*pieces)


def _drop_mathjax(soup) -> None:
    """mkdocs-jupyter 0.26 adds a MathJax loader with an empty src (a request for the page
    itself) and a MathJax config, each after a comment. Math is MathML here, so all go."""
    for script in soup.find_all("script"):
        if script.get("src") == "" or script.get("type") == "text/x-mathjax-config":
            script.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        if comment.strip() in ("Load mathjax", "MathJax configuration"):
            comment.extract()


def on_page_content(content: str, page, **kwargs) -> str:
    where = page.file.src_path
    notebook = where.endswith(".ipynb")
    if 'class="arithmatex"' not in content and not notebook:
        return content  # nothing to render: the page stays byte for byte as written
    soup, formulas = BeautifulSoup(content, "html.parser"), _Formulas()
    _replace_arithmatex(soup, where, formulas)
    if notebook:
        for cell in soup.select("div.jp-RenderedMarkdown"):
            _replace_dollars(cell, where, formulas)
        _drop_mathjax(soup)
    return formulas.splice(soup.decode(formatter="minimal"))
