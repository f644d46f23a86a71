"""MkDocs hook: keep only the notebook CSS a notebook page uses.

mkdocs-jupyter inlines all of JupyterLab's stylesheet (about 575 KB: widgets, menus,
dialogs, file browsers) into every notebook page. A rendered notebook uses a few dozen
of its classes. Rules whose class selectors cannot match anything on the page are
dropped; everything else (element selectors, variables, @font-face, @keyframes) stays.
There is no JavaScript on these pages that could add the dropped classes later.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger("mkdocs.hooks.notebook_css")
_STYLE = re.compile(r'(<style type="text/css">)(.*?)(</style>)', re.S)
_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_CLASS_SEL = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_MIN_SIZE = 50_000  # only the big JupyterLab sheet is worth pruning


def _blocks(css: str):
    """Split CSS into top-level (prelude, body) pairs, bodies without their braces."""
    i, n = 0, len(css)
    while i < n:
        start = css.find("{", i)
        if start < 0:
            return
        depth, j = 1, start + 1
        while depth and j < n:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        yield css[i:start].strip(), css[start + 1 : j - 1]
        i = j


def _split_selectors(prelude: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in prelude:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


def prune(css: str, classes: set[str]) -> str:
    out = []
    for prelude, body in _blocks(css):
        if prelude.startswith("@media") or prelude.startswith("@supports"):
            inner = prune(body, classes)
            if inner.strip():
                out.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            out.append(f"{prelude}{{{body}}}")
        else:
            # :not(.x) and the like do not require .x to exist; judge only the plain classes.
            keep = [
                s
                for s in _split_selectors(prelude)
                if set(_CLASS_SEL.findall(re.sub(r":(not|is|where|has)\([^)]*\)", "", s))) <= classes
            ]
            if keep:
                out.append(f"{','.join(keep)}{{{body}}}")
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
