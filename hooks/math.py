"""MkDocs hook: render TeX to MathML at build time, so math needs no JavaScript and no CDN.

pymdownx.arithmatex (generic mode) leaves ``\\(...\\)`` and ``\\[...\\]`` in spans and
divs of class ``arithmatex``; notebook Markdown cells keep ``$...$`` and ``$$...$$``.
Both become ``<math>`` elements, which browsers render natively (MathML Core).
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

_ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])\s*</(?P=tag)>',
    re.S,
)
# Notebook Markdown cells: $$...$$ (display) first, then $...$ (inline), in rendered markdown only.
_NB_CELL = re.compile(r'(<div class="[^"]*jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)', re.S)
_NB_BLOCK = re.compile(r"\$\$(.+?)\$\$", re.S)
_NB_INLINE = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)\$")
# mkdocs-jupyter 0.26 adds a MathJax loader with an empty src (a request for the page
# itself) and a MathJax config. Math is MathML here, so both go.
_NB_MATHJAX = re.compile(
    r'<!-- Load mathjax -->\s*<script src="">\s*</script>\s*(?:<!-- MathJax configuration -->\s*)?'
    r'<script type="text/x-mathjax-config">.*?</script>',
    re.S,
)


def to_mathml(tex: str, display: bool, where: str) -> str:
    tex = html.unescape(tex).strip()
    # latex2mathml knows align* but not aligned; they mean the same here.
    tex = tex.replace(r"\begin{aligned}", r"\begin{align*}").replace(r"\end{aligned}", r"\end{align*}")
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many types; name the formula either way
        raise PluginError(f"{where}: cannot render TeX {tex!r}: {exc}") from exc
    # Keep the TeX as an annotation (MathML's <semantics>) for copy/paste and assistive tools.
    head, _, body = mathml.partition(">")
    body = body.removesuffix("</math>")
    note = f'<annotation encoding="application/x-tex">{html.escape(tex)}</annotation>'
    return f"{head}><semantics>{body}{note}</semantics></math>"


def on_page_content(content: str, page, **kwargs) -> str:
    where = page.file.src_path

    def arithmatex(m: re.Match) -> str:
        block = m.group("block")
        return to_mathml(block if block is not None else m.group("inline"), block is not None, where)

    content = _ARITHMATEX.sub(arithmatex, content)
    if where.endswith(".ipynb"):

        def cell(m: re.Match) -> str:
            body = _NB_BLOCK.sub(lambda b: to_mathml(b.group(1), True, where), m.group(2))
            body = _NB_INLINE.sub(lambda i: to_mathml(i.group(1), False, where), body)
            return m.group(1) + body + m.group(3)

        content = _NB_CELL.sub(cell, content)
        content = _NB_MATHJAX.sub("", content)
    return content
