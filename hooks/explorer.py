"""MkDocs hook: give the explorer page its problems, drawn from rmsprop_ref.PROBLEMS at build time.

The page's JavaScript (docs/javascripts/rmsprop_ref.js) ports the optimizers and the
gradients; what it shows of each problem comes from the package itself: its name, start
point, minimiser, formula and the contour lines of f, computed here from ``Problem.f``.
They go into the page as a JSON script element, so no file is written and no extra
request is made.

After the build, the site's copy of that script loses its comments and indentation
(the repository's copy keeps them: they point at the Python lines each line mirrors);
the browser tests run the served copy.
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


def problem_metadata() -> dict[str, dict]:
    """Every 2-D problem of rmsprop_ref.PROBLEMS as the explorer draws it."""
    from rmsprop_ref import PROBLEMS

    out = {}
    for name, p in PROBLEMS.items():
        if p.dim != 2:
            continue
        box = _box(np.asarray(p.start, dtype=float), np.asarray(p.x_min, dtype=float))
        out[name] = {
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


def on_post_build(config) -> None:
    path = Path(config["site_dir"]) / SCRIPT
    if path.is_file():
        path.write_text(compact_js(path.read_text(encoding="utf-8")), encoding="utf-8")
