"""MkDocs hook: keep only the notebook CSS a notebook page uses.

mkdocs-jupyter inlines all of JupyterLab's stylesheet (about 575 KB: widgets, menus,
dialogs, file browsers) into every notebook page. A rendered notebook uses a few dozen
of its classes. Rules whose class selectors cannot match anything on the page are
dropped, and so are selectors with ``:root`` below another element (mkdocs-jupyter
prefixes every selector with ``.jupyter-wrapper``, leaving ``.jupyter-wrapper :root``, about
87 KB of variables that no element can match: the root has no ancestor); everything else
(element selectors, variables, @font-face, @keyframes) stays.
The CSS is parsed by tinycss2 (a CSS Syntax Level 3 parser), not by counting braces.
There is no JavaScript on these pages that could add the dropped classes later.
"""

from __future__ import annotations

import logging
import re

import tinycss2

log = logging.getLogger("mkdocs.hooks.notebook_css")
_STYLE = re.compile(r'(<style type="text/css">)(.*?)(</style>)', re.S)
_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_CLASS_SEL = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_MIN_SIZE = 50_000  # only the big JupyterLab sheet is worth pruning
_NOT_REQUIRED = {"not", "is", "where", "has"}  # :not(.x) and the like do not need .x on the page


def _classes(tokens) -> set[str]:
    """The class names a selector needs: `.name` tokens, outside :not() / :is() / :where() / :has()."""
    needed, previous = set(), None
    for token in tokens:
        if token.type == "ident" and previous is not None and previous.type == "literal" and previous.value == ".":
            needed.add(token.value)
        elif token.type == "function" and token.lower_name not in _NOT_REQUIRED:
            needed |= _classes(token.arguments)
        previous = token
    return needed


def _root_below_something(tokens) -> bool:
    """Whether a selector has ``:root`` after a combinator (``A :root``, ``A > :root``): it matches nothing."""
    compound, combined, previous = False, False, None
    for token in tokens:
        if token.type == "whitespace" or (token.type == "literal" and token.value in ">+~"):
            combined = combined or compound
        elif token.type == "ident" and token.lower_value == "root" and previous is not None and previous == ":":
            if combined:
                return True
        else:
            compound = True
        previous = token.value if token.type == "literal" else None
    return False


def _selectors(prelude) -> list[list]:
    """A selector list split at its top-level commas (commas inside functions are tokens' own)."""
    selectors = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append([])
        else:
            selectors[-1].append(token)
    return selectors


def prune(css: str, classes: set[str]) -> str:
    """`css` without the style rules whose every selector needs a class not in `classes`."""
    out = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content is not None:
            inner = prune(tinycss2.serialize(rule.content), classes)
            if inner.strip():
                out.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{inner}}}")
        elif rule.type == "at-rule":
            out.append(rule.serialize())
        elif rule.type == "qualified-rule":
            keep = [
                sel for sel in _selectors(rule.prelude) if _classes(sel) <= classes and not _root_below_something(sel)
            ]
            if keep:
                selector = ",".join(tinycss2.serialize(sel).strip() for sel in keep)
                out.append(f"{selector}{{{tinycss2.serialize(rule.content)}}}")
        # a parse error is a rule the browser drops too
    return "".join(out)


def on_post_page(output: str, page, **kwargs) -> str:
    if not page.file.src_path.endswith(".ipynb"):
        return output
    classes = {c for attr in _CLASS_ATTR.findall(output) for c in attr.split()}
    before = len(output)

    def shrink(m: re.Match) -> str:
        css = m.group(2)
        return m.group(0) if len(css) < _MIN_SIZE else m.group(1) + prune(css, classes) + m.group(3)

    output = _STYLE.sub(shrink, output)
    log.info(f"{page.file.src_path}: notebook CSS pruned, page {before // 1024} KB -> {len(output) // 1024} KB")
    return output
