"""MkDocs hook: give the explorer page its problems, drawn from rmsprop_ref.PROBLEMS at build time.

The page's JavaScript (docs/javascripts/rmsprop_ref.js) ports the optimizers and the
gradients; what it shows of each problem comes from the package itself: its name, start
point, minimiser, formula and the contour lines of f, computed here from ``Problem.f``.
They go into the page as a JSON script element, so no file is written and no extra
request is made.

After the build, the site's copy of that script loses its comments, indentation and the
spaces next to punctuation (the repository's copy keeps them: the comments point at the
Python lines each line mirrors); the browser tests run the served copy.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

PAGE = "explorer.md"
SCRIPT = "javascripts/rmsprop_ref.js"
SIZE = 400  # the contour plot's SVG viewBox is 0 0 SIZE SIZE
GRID = 81
LEVELS = 12
TOLERANCE = 0.15  # contour points within 0.15 viewBox units (< 0.25 px on screen) of a straight run are dropped


def _box(start: np.ndarray, x_min: np.ndarray) -> list[float]:
    """A square around the minimiser that holds the start point with a margin, in round numbers."""
    half = 1.2 * float(np.max(np.abs(start - x_min)))
    half = math.ceil(half * 2) / 2 if half > 0 else 1.0  # a multiple of 0.5
    cx, cy = (round(float(v) * 2) / 2 for v in x_min)
    return [cx - half, cx + half, cy - half, cy + half]


def _contours(f, box: list[float]) -> list[str]:
    """SVG path data of LEVELS contour lines of f, spaced geometrically above its minimum on the box."""
    from contourpy import contour_generator

    x0, x1, y0, y1 = box
    xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    gx, gy = np.meshgrid(xs, ys)
    z = np.asarray(f(np.array([gx, gy])), dtype=float)  # Problem.f takes a (2, n1, n2) batch
    low = float(z.min())
    above = z - low
    q_lo, q_hi = np.quantile(above[above > 0], [0.005, 0.9])
    levels = low + np.geomspace(q_lo, q_hi, LEVELS)
    gen = contour_generator(xs, ys, z)
    paths = []
    for level in levels:
        parts = []
        for line in gen.lines(level):
            xy = np.column_stack([(line[:, 0] - x0) / (x1 - x0) * SIZE, (y1 - line[:, 1]) / (y1 - y0) * SIZE])
            pts = [f"{a:g} {b:g}" for a, b in np.round(_simplify(xy, TOLERANCE), 1)]
            parts.append("M" + "L".join(pts))
        if parts:
            paths.append("".join(parts))
    return paths


def _simplify(xy: np.ndarray, tol: float) -> np.ndarray:
    """Ramer-Douglas-Peucker: drop the points of a polyline that lie within tol of the kept line."""
    keep = np.zeros(len(xy), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(xy) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = xy[i], xy[j]
        ab = b - a
        norm = math.hypot(*ab)
        rel = xy[i + 1 : j] - a
        if norm == 0:
            dist = np.hypot(rel[:, 0], rel[:, 1])
        else:
            dist = np.abs(ab[0] * rel[:, 1] - ab[1] * rel[:, 0]) / norm
        k = int(np.argmax(dist))
        if dist[k] > tol:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return xy[keep]


def _formula(tex: str) -> str:
    from latex2mathml.converter import convert

    return convert(tex, display="inline") if tex else ""


def curvatures(p) -> list[float] | None:
    """The curvatures h_i of a quadratic problem (its Hessian's eigenvalues); None if f is not quadratic.

    The Hessian is rmsprop_ref.dynamics.hessian at the minimiser; f counts as quadratic
    when that constant Hessian gives the gradient at the start and at two other points.
    """
    from rmsprop_ref.dynamics import hessian

    x_min = np.asarray(p.x_min, dtype=float)
    H = hessian(p.grad, x_min)
    for x in (np.asarray(p.start, dtype=float), x_min + np.array([1.5, -0.5]), x_min + np.array([-3.0, 2.0])):
        if not np.allclose(p.grad(x), H @ (x - x_min), rtol=1e-9, atol=1e-9):
            return None
    return [float(h) for h in np.linalg.eigvalsh(H)]


def problem_metadata() -> dict[str, dict]:
    """Every 2-D problem of rmsprop_ref.PROBLEMS as the explorer draws it."""
    from rmsprop_ref import PROBLEMS

    out = {}
    for name, p in PROBLEMS.items():
        if p.dim != 2:
            continue
        box = _box(np.asarray(p.start, dtype=float), np.asarray(p.x_min, dtype=float))
        out[name] = {
            "curvatures": curvatures(p),
            "label": name.replace("_", " "),
            "formula": _formula(p.formula),
            "start": [float(v) for v in p.start],
            "x_min": [float(v) for v in p.x_min],
            "box": box,
            "contours": _contours(p.f, box),
        }
    return out


def optimizer_names() -> list[str]:
    """The optimizer classes rmsprop_ref exports (the page says which of them it has no port of)."""
    import inspect

    import rmsprop_ref
    from rmsprop_ref._base import Optimizer

    return [
        name
        for name in rmsprop_ref.__all__
        if inspect.isclass(obj := getattr(rmsprop_ref, name)) and issubclass(obj, Optimizer)
    ]


def on_page_content(html_text: str, page, config, files) -> str:
    if page.file.src_uri != PAGE:
        return html_text
    data = {"problems": problem_metadata(), "optimizers": optimizer_names()}
    data = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return html_text + f'\n<script type="application/json" id="rmsprop-ref-problems">{data}</script>\n'


_TRAILING_COMMENT = re.compile(r"^(?P<code>.*?[;,{}()\[\]])\s+// .*$")


def compact_js(source: str) -> str:
    """Drop comment lines, trailing `// ...` comments and indentation; keep every line break.

    Line breaks stay, so automatic semicolon insertion sees the same code. A trailing
    comment is cut only where the code before it has no open string (an even number of
    each quote character), since `//` may sit inside a string ("http://...").
    """
    out, in_block = [], False
    for line in source.splitlines():
        text = line.strip()
        if in_block:
            in_block = "*/" not in text
            continue
        if text.startswith("/*"):
            in_block = "*/" not in text
            continue
        if not text or text.startswith("//"):
            continue
        m = _TRAILING_COMMENT.match(text)
        if m and all(m["code"].count(q) % 2 == 0 for q in "\"'`"):
            text = m["code"]
        out.append(text)
    return "\n".join(out) + "\n"


_KEYWORDS_BEFORE_REGEX = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw"}


def _is_ident(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) > 127


def squeeze_js(source: str) -> str:
    """Drop the spaces JavaScript does not need: those next to punctuation (``a = f(b, c)`` ->
    ``a=f(b,c)``), and the line breaks that cannot end a statement: after ``{ ; , ( [``
    and before ``}`` (automatic semicolon insertion sees the same code: ``x\n}`` and ``x}``
    both end the statement at the brace; every other line break stays).

    A small scanner, not a parser: strings, template literals (with their ``${...}``
    code, nested), regular-expression literals (a ``/`` where an operand may start) and
    comments are recognised, and string, template and regex text is copied as it is.
    A space is kept between two identifier characters (``const x``, ``x in y``) and
    between ``+``/``-`` signs (``a - -b`` is not ``a--b``).
    """
    out: list[str] = []
    frames = [0]  # brace depth of each code level; a template's ${ opens a new one
    in_template = [False]  # per level: is this level the text of a template literal?
    i, n = 0, len(source)

    def last_sig() -> str:
        for piece in reversed(out):
            text = piece.rstrip(" ")
            if text:
                return text
        return ""

    def regex_may_start() -> bool:
        prev = last_sig()
        if not prev or prev[-1] in "(,=:[!&|?{};+-*%<>~^\n":
            return True
        if _is_ident(prev[-1]):
            word = re.search(r"[\w$]+$", "".join(out[-8:]))
            return bool(word) and word.group() in _KEYWORDS_BEFORE_REGEX
        return False

    while i < n:
        c = source[i]
        if in_template[-1]:
            if c == "\\":
                out.append(source[i : i + 2])
                i += 2
            elif c == "`":
                out.append(c)
                in_template.pop()
                frames.pop()
                i += 1
            elif source.startswith("${", i):
                out.append("${")
                in_template.append(False)
                frames.append(0)
                i += 2
            else:
                out.append(c)
                i += 1
            continue
        if c in "\"'":
            j = i + 1
            while j < n and source[j] != c:
                j += 2 if source[j] == "\\" else 1
            out.append(source[i : j + 1])
            i = j + 1
        elif c == "`":
            out.append(c)
            in_template.append(True)
            frames.append(0)
            i += 1
        elif source.startswith("//", i):
            while i < n and source[i] != "\n":
                i += 1
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
        elif c == "/" and regex_may_start():
            j, in_class = i + 1, False
            while j < n and (in_class or source[j] != "/"):
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < n and source[j].isalpha():  # flags
                j += 1
            out.append(source[i:j])
            i = j
        elif c == "\n":
            j = i
            while j < n and source[j] in " \t\n":
                j += 1
            before = "".join(out[-1:])[-1:]
            if not (before in ("", "\n") or before in "{;,([" or source[j : j + 1] == "}"):
                out.append("\n")
            i += 1
        elif c in " \t":
            j = i
            while j < n and source[j] in " \t":
                j += 1
            before = "".join(out[-1:])[-1:]
            after = source[j : j + 1]
            keep = before and after not in ("", "\n") and before != "\n"
            keep = keep and ((_is_ident(before) and _is_ident(after)) or (before in "+-" and after in "+-"))
            if keep:
                out.append(" ")
            i = j
        elif c == "{":
            frames[-1] += 1
            out.append(c)
            i += 1
        elif c == "}":
            if frames[-1] == 0 and len(in_template) > 1:  # the end of a template's ${...}
                in_template.pop()
                frames.pop()
            else:
                frames[-1] -= 1
            out.append(c)
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def on_post_build(config) -> None:
    path = Path(config["site_dir"]) / SCRIPT
    if path.is_file():
        path.write_text(squeeze_js(compact_js(path.read_text(encoding="utf-8"))), encoding="utf-8")
