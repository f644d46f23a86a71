"""Figures: all drawn in every variant, deterministic to the byte, rewritten only when they change.

Each figure is written light and dark (Material's default and slate schemes), wide and
narrow (panels stacked, for a phone): ``x.svg``, ``x-dark.svg``, ``x-narrow.svg``,
``x-narrow-dark.svg``.
"""

import os
import re
import xml.etree.ElementTree as ET

import pytest
import tinycss2
from bs4 import BeautifulSoup

from conftest import require

require("matplotlib", "figures need matplotlib (the docs extra)")

from rmsprop_ref import figures  # noqa: E402

N_VARIANTS = len(figures.VARIANTS)
SVG = "{http://www.w3.org/2000/svg}"


def _svg(path) -> ET.Element:
    """The parsed SVG file at `path` (its root <svg> element)."""
    return ET.parse(path).getroot()


def _style(element: ET.Element) -> dict[str, list]:
    """An element's inline CSS declarations, parsed by tinycss2: name -> value tokens."""
    declarations = tinycss2.parse_blocks_contents(element.get("style", ""), skip_whitespace=True, skip_comments=True)
    return {
        d.lower_name: [t for t in d.value if t.type != "whitespace"] for d in declarations if d.type == "declaration"
    }


def _texts(root: ET.Element) -> list[ET.Element]:
    """Every <text> and mathtext <tspan>."""
    return [e for e in root.iter() if e.tag in (SVG + "text", SVG + "tspan")]


def _axes(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(SVG + "g") if re.fullmatch(r"axes_\d+", g.get("id", ""))]


def _all_files():
    return sorted(v for name in figures.FIGURES for v in figures.variant_names(name))


@pytest.fixture(scope="module")
def every_variant(drawn_figures):
    """Every figure written once into a fresh folder, by write_all: the session's one full drawing.

    conftest.py starts it in the background when the tests are collected.
    """
    return drawn_figures


#: figure function -> its variants as `figures.draw_variants` drew them in this process
_REDRAWN: dict = {}


@pytest.fixture
def two_figures(monkeypatch, tmp_path, every_variant):
    """FIGURES cut down to two, so that a test can redraw 'everything' quickly; returns the
    names of the figures write_all draws, in order, as it draws them.

    tmp_path starts as a full write_all of those two leaves it (the cold write of every
    figure is tested on its own): their files and the stamp, copied from `every_variant`.
    write_all draws them in this process (two figures need no worker), but `draw_variants`
    really draws each only once in this module: the tests differ in what write_all does with
    a drawing, not in the drawing, which is the same bytes every time (each test compares it
    with the session's drawing; test_same_bytes_in_a_fresh_process).
    """
    import shutil

    keep = ("effective_lr.svg", "ewma_weights.svg")
    monkeypatch.setattr(figures, "FIGURES", {name: figures.FIGURES[name] for name in keep})
    for name in [figures.STAMP, *(v for n in keep for v in figures.variant_names(n))]:
        shutil.copy2(every_variant.path / name, tmp_path / name)
    draw, names, drawn = figures.draw_variants, {f: n for n, f in figures.FIGURES.items()}, []

    def draw_once(func):
        drawn.append(names[func])
        if func not in _REDRAWN:
            _REDRAWN[func] = draw(func)
        return dict(_REDRAWN[func])

    monkeypatch.setattr(figures, "draw_variants", draw_once)
    return drawn


def test_writes_every_variant_of_every_figure_then_nothing(every_variant):
    written, logged = every_variant.written, every_variant.logged
    assert sorted(p.name for p in written) == _all_files()
    assert len(written) == N_VARIANTS * len(figures.FIGURES) and N_VARIANTS == 4
    assert len(logged) == len(figures.FIGURES) and all(line.count("written") == N_VARIANTS for line in logged)
    assert [line.split("] ")[0] for line in logged] == [f"[{i}/{len(logged)}" for i in range(1, len(logged) + 1)]
    mtimes = {p: os.stat(p).st_mtime_ns for p in written}
    data = {p: p.read_bytes() for p in written}
    assert figures.write_all(every_variant.path, log=lambda _: None) == []  # nothing changed, nothing written
    for p in written:
        assert os.stat(p).st_mtime_ns == mtimes[p]
        assert p.read_bytes() == data[p]


def test_every_figure_has_the_bytes_the_site_build_drew(every_variant, built_site):
    """Drawn twice, by this test run and by `mkdocs build` (another process), every file is the same.

    The site's copy comes from docs/figures, drawn by the build's hook with the same
    source (its stamp matched) in this session or an earlier one.
    """
    site = built_site.path / "figures"
    for name in _all_files():
        assert (every_variant.path / name).read_bytes() == (site / name).read_bytes(), name


def test_without_the_stamp_every_figure_is_drawn_and_compared(tmp_path, two_figures):
    written = sorted(tmp_path.glob("*.svg"))
    assert len(written) == 2 * N_VARIANTS
    mtimes = {p: os.stat(p).st_mtime_ns for p in written}
    data = {p: p.read_bytes() for p in written}
    (tmp_path / figures.STAMP).unlink()  # without the stamp every figure is drawn again and compared
    logged = []
    assert figures.write_all(tmp_path, log=logged.append) == []  # drawn here, the same bytes: nothing written
    assert two_figures == list(figures.FIGURES)
    assert len(logged) == 2 and all(line.count("unchanged") == N_VARIANTS for line in logged), logged
    for p in written:
        assert os.stat(p).st_mtime_ns == mtimes[p]
        assert p.read_bytes() == data[p]


def test_a_changed_or_missing_variant_is_redrawn(tmp_path, two_figures, every_variant):
    (tmp_path / "effective_lr-narrow-dark.svg").unlink()
    (tmp_path / "ewma_weights.svg").write_text("stale")
    (tmp_path / figures.STAMP).write_text("another version of the code")
    rewritten = figures.write_all(tmp_path, log=lambda _: None)
    assert sorted(p.name for p in rewritten) == ["effective_lr-narrow-dark.svg", "ewma_weights.svg"]
    assert two_figures == list(figures.FIGURES)
    for name in ("effective_lr-narrow-dark.svg", "ewma_weights.svg"):
        assert (tmp_path / name).read_bytes() == (every_variant.path / name).read_bytes(), name


def test_a_missing_variant_defeats_the_stamp(tmp_path, two_figures):
    assert figures.write_all(tmp_path, log=lambda _: None) == []
    assert two_figures == []  # the stamp matched: nothing drawn
    (tmp_path / "ewma_weights-dark.svg").unlink()
    assert [p.name for p in figures.write_all(tmp_path, log=lambda _: None)] == ["ewma_weights-dark.svg"]
    assert two_figures == list(figures.FIGURES)


def test_svg_has_no_date_and_keeps_text_as_text(every_variant):
    paths = [every_variant.path / name for name in figures.variant_names("adagrad_vs_rmsprop.svg")]
    assert len(paths) == N_VARIANTS
    for path in paths:
        root = _svg(path)
        assert root.find(".//{http://purl.org/dc/elements/1.1/}date") is None
        # svg.fonttype = none: labels are <text>, not glyph paths
        assert "step t" in [e.text for e in root.iter(SVG + "text")]


def test_same_bytes_in_a_fresh_process(tmp_path, every_variant):
    """The command line, drawing one figure alone in a fresh interpreter, writes the bytes
    write_all's worker processes drew for the session (another fresh interpreter, which drew
    other figures too)."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "rmsprop_ref.figures", str(tmp_path), "ewma_smoothing.svg"], check=True)
    for name in figures.variant_names("ewma_smoothing.svg"):
        assert (tmp_path / name).read_bytes() == (every_variant.path / name).read_bytes(), name


def test_the_figures_drawn_first_are_figures():
    # write_all's workers start with these (the slowest); a renamed figure left here would
    # silently be drawn last.
    assert set(figures._SLOWEST) <= figures.FIGURES.keys() and len(set(figures._SLOWEST)) == len(figures._SLOWEST)


def test_unknown_figure_name(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown figure\(s\) \['nope\.svg'\]"):
        figures.write_all(tmp_path, ["nope.svg"])


def test_unknown_layout():
    with pytest.raises(ValueError, match=r"Unknown layout 'tall'"):
        with figures.layout("tall"):
            pass


def test_cli_usage():
    assert figures.main([]) == 2
    assert figures.main(["--help"]) == 0


# --- the dark variant -------------------------------------------------------------------


def _fill(element: ET.Element) -> str | None:
    """The fill colour in an element's style, as #rrggbb, or None."""
    value = _style(element).get("fill")
    return None if value is None else "#" + value[0].value.lower()  # a hash token: its value has no '#'


def _background(root: ET.Element) -> str:
    """The fill of the figure's first patch: matplotlib writes the figure background first."""
    patch = root.find(f".//{SVG}g[@id='patch_1']")
    return next(f for f in map(_fill, patch.iter()) if f is not None)


def _text_fills(root: ET.Element) -> set[str]:
    """Fill colours of every <text> and mathtext <tspan> that has a style; no fill in it means SVG's default, black."""
    return {_fill(e) or "#000000" for e in _texts(root) if "style" in e.attrib}


def _luminance(hex_color: str) -> float:
    """WCAG relative luminance."""
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_dark_variant_has_the_slate_background_and_light_text(every_variant, name):
    stem = name.removesuffix(".svg")
    for light_name, dark_name in (
        (f"{stem}.svg", f"{stem}-dark.svg"),
        (f"{stem}-narrow.svg", f"{stem}-narrow-dark.svg"),
    ):
        light, dark = _svg(every_variant.path / light_name), _svg(every_variant.path / dark_name)
        assert _background(light) == "#ffffff"
        assert _background(dark) == figures.DARK_BG.lower() == "#1e2129"  # Material slate: hsl(225, 15%, 14%)
        assert _text_fills(light) == {"#000000"}
        dark_text = _text_fills(dark)
        assert dark_text == {figures.DARK_FG.lower()}, dark_text
        # WCAG asks 4.5:1 for text; black on white is 21:1.
        assert _contrast(figures.DARK_FG, figures.DARK_BG) > 9
        # nothing left drawn for a white page
        colours = {t.serialize().lower() for e in dark.iter() for v in _style(e).values() for t in v}
        colours |= {v.lower() for e in dark.iter() for k, v in e.attrib.items() if k in ("fill", "stroke")}
        for sheet in dark.iter(SVG + "style"):  # matplotlib's <style> element
            rules = tinycss2.parse_stylesheet(sheet.text or "", skip_whitespace=True, skip_comments=True)
            colours |= {t.serialize().lower() for r in rules for t in getattr(r, "content", None) or []}
        assert not colours & {"#000000", "#ffffff", "black", "white"}, dark_name


def test_dark_color_rules():
    to_hex = pytest.importorskip("matplotlib.colors").to_hex
    assert to_hex(figures.dark_color("white")) == figures.DARK_BG
    assert to_hex(figures.dark_color("black")) == figures.DARK_FG
    # greys keep their order, reversed: a faint light-mode grey stays faint (near the background)
    faint, strong = (_luminance(to_hex(figures.dark_color(g))) for g in ("0.8", "0.3"))
    assert _luminance(figures.DARK_BG) < faint < strong < _luminance(figures.DARK_FG)
    # a dark blue line is lightened, keeping its hue; alpha is kept
    r, g, b, a = figures.dark_color((0.0, 0.0, 0.5, 0.4))
    assert r == g < b and a == 0.4 and _contrast(to_hex((r, g, b)), figures.DARK_BG) > 3


# --- the narrow variant -----------------------------------------------------------------


def _font_sizes(elements) -> list[float]:
    """The font-size (px) in the style of each element that sets one."""
    sizes = [_style(e).get("font-size") for e in elements]
    assert all(s[0].unit == "px" for s in sizes if s), sizes
    return [s[0].value for s in sizes if s]


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_narrow_variant_fits_a_phone_with_readable_text(every_variant, name):
    stem = name.removesuffix(".svg")
    wide, narrow = _svg(every_variant.path / f"{stem}.svg"), _svg(every_variant.path / f"{stem}-narrow.svg")
    assert narrow.get("width").endswith("pt")
    width_pt = float(narrow.get("width").removesuffix("pt"))
    x0, y0, view_w, view_h = map(float, narrow.get("viewBox").split())
    assert x0 == y0 == 0
    assert width_pt == view_w == figures.NARROW_WIDTH * 72
    # 1 pt = 4/3 CSS px; a 390-px phone's content column is 358 px, wider than the figure,
    # so the figure is shown unscaled and a font of s viewBox units is s·4/3 CSS px.
    css_width = width_pt * 4 / 3
    assert css_width <= 358
    smallest = min(_font_sizes(_texts(narrow))) * 4 / 3
    assert smallest >= 9, f"{name}: smallest text {smallest:.1f} CSS px"
    panels = len(_axes(wide))
    assert len(_axes(narrow)) == panels
    if panels > 1:
        assert view_h > view_w, f"{name}: narrow variant is not stacked ({view_w} x {view_h})"


def test_narrow_layout_stacks_panels():
    with figures.layout("narrow"):
        _, axes = figures._figure(ncols=3, width=10, height=3.4)
    boxes = [ax.get_position() for ax in axes]
    assert len(boxes) == 3
    assert boxes[0].y0 > boxes[1].y0 > boxes[2].y0  # top to bottom
    assert abs(boxes[0].x0 - boxes[2].x0) < 1e-9
    with figures.layout("wide"):
        _, axes = figures._figure(ncols=3, width=10, height=3.4)
    assert axes[0].get_position().x0 < axes[1].get_position().x0 < axes[2].get_position().x0


def test_long_titles_are_wrapped_in_the_narrow_variant(every_variant):
    svg = (every_variant.path / "effective_lr-narrow.svg").read_text()
    title = "Adagrad's rate only shrinks; RMSprop's follows recent gradients"
    assert title not in svg  # on one line it would run past the figure's 3.6 in
    assert "Adagrad's rate only shrinks;" in svg or "Adagrad's rate only" in svg
    assert title in (every_variant.path / "effective_lr.svg").read_text()


def test_wrap_never_splits_math_or_an_assignment():
    text = r"RMSprop, 30 steps, η = 0.4, α = 0.9 on $f(\theta) = \theta_1^2 + 0.5\,\theta_2^2$"
    lines = figures._wrap(text, 12).split("\n")
    assert len(lines) > 2
    assert r"$f(\theta) = \theta_1^2 + 0.5\,\theta_2^2$" in lines[-1]
    for line in lines:
        assert not line.endswith("=") and not line.startswith("="), lines
    assert " ".join(lines) == text


# --- words and notation -------------------------------------------------------------------


def test_titles_and_labels_are_words_in_the_guides_notation(every_variant):
    def words(path):
        return " ".join(e.text for e in _texts(_svg(path)) if e.text)

    for path in sorted(every_variant.path.glob("*.svg")):
        text = words(path)
        assert not re.search(r"\w_\w", text), f"{path.name}: a code name or raw subscript in a label: {text}"
        assert "x_1" not in text and "x_2" not in text, path.name
    assert "θ" in words(every_variant.path / "trajectories.svg")


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_wide_variant_text_is_at_least_8_pt(every_variant, name):
    # Plain <text> elements only: mathtext's <tspan> sub- and superscripts are 70% of their text.
    sizes = _font_sizes(_svg(every_variant.path / name).iter(SVG + "text"))
    assert sizes and min(sizes) >= figures.WIDE_MIN_FONT == 8, (name, min(sizes))


# --- the hook that serves the variants ------------------------------------------------------


def _hook():
    from conftest import ROOT_DIR, load_file

    return load_file(ROOT_DIR / "hooks" / "figures.py", "hook_figures")


def test_hook_turns_a_figure_into_light_and_dark_pictures_with_a_narrow_source():
    hook = _hook()
    html = '<p><img alt="Two panels: a long description" src="../figures/trajectories.svg" /></p>'
    out = BeautifulSoup(hook.on_page_content(html, page=None, config=None, files=None), "html.parser")
    pictures = out.find_all("picture")
    assert len(pictures) == 2
    light, dark = pictures
    assert light["class"] == ["rr-figure", "rr-figure--light"] and dark["class"] == ["rr-figure", "rr-figure--dark"]
    assert light.source["srcset"] == "../figures/trajectories-narrow.svg"
    assert light.img["src"] == "../figures/trajectories.svg"
    assert dark.source["srcset"] == "../figures/trajectories-narrow-dark.svg"
    assert dark.img["src"] == "../figures/trajectories-dark.svg"
    for p in pictures:
        assert p.source["media"] == hook.NARROW_MEDIA and p.img["alt"] == "Two panels: a long description"


def test_hook_leaves_other_images_alone():
    hook = _hook()
    html = '<img alt="a logo" src="images/logo.svg"><img alt="not ours" src="figures/unknown.svg">'
    assert hook.on_page_content(html, page=None, config=None, files=None) == html
