"""Figures and code blocks as a reader sees them: in both colour schemes, on a phone, at 1280 px.

Headless Chromium (Debian's) driven by playwright, as in test_browser.py; skips where
either is missing, fails under CI=true. When a check of a page fails, a screenshot of it
goes to test-artifacts/screenshots/ for a person to look at. The checks that only read a page
read its shared cold visit in their mode (tests/page_visits.py); the ones that act on a page
(the toggle) visit it themselves.
"""

from __future__ import annotations

import pytest
from page_visits import DESKTOP, PHONE, screenshot_on_failure, shared_visits
from shown_images import load_shown_images
from site_pages import site_pages

pytestmark = pytest.mark.browser
FIGURE_PAGE = "comparison/"  # multi-panel figures


@pytest.fixture
def visits(site_server):
    """The session's shared cold page visits (tests/page_visits.py), by (path, width, scheme)."""
    return shared_visits(site_server)


def _open(browser, url, viewport=DESKTOP, scheme="light"):
    """A page at `url` in Material's scheme for `scheme` (the reader's OS preference picks it),
    loaded until its layout is final: the load event, every shown image (they are lazy) and font."""
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    page.goto(url, wait_until="load")
    load_shown_images(page)
    page.evaluate("document.fonts.ready.then(() => true)")
    return context, page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_figures_follow_the_colour_scheme(visits, browser, site_server, scheme):
    visit = visits[(FIGURE_PAGE, 1280, scheme)]
    with screenshot_on_failure(browser, site_server + FIGURE_PAGE, f"figures-{scheme}-1280", 1280, scheme):
        assert visit.bodyScheme == {"light": "default", "dark": "slate"}[scheme]
        figures = visit.shownFigures
        assert len(figures) >= 2
        assert visit.pictureImages == 2 * len(figures)  # one of each light/dark pair is shown
        for fig in figures:
            name = fig["src"].rsplit("/", 1)[1]
            assert name.endswith("-dark.svg") == (scheme == "dark"), name
            assert "narrow" not in name  # 1280 px: the wide variant
            assert fig["alt"] in fig["hidden"] and len(fig["alt"]) > 20  # the same alt text on both
            if scheme == "dark":
                assert visit.pageBackground == "rgb(30, 33, 41)"  # Material slate, #1e2129
                assert "#1e2129" in fig["background"], fig["background"]  # the figure matches the page
            else:
                assert "#ffffff" in fig["background"]
            # On a desktop the bulk of a wide figure's text is >= 9 CSS px and none is under 8;
            # mathtext sub- and superscripts (70% of their text) are not counted here.
            assert fig["medianFontPx"] >= 9 and fig["minPlainFontPx"] >= 8, fig
        assert visit.errors == []


def test_toggle_switches_the_figures(browser, site_server):
    context, page = _open(browser, site_server + FIGURE_PAGE, scheme="light")
    try:
        shown = (
            "() => [...document.querySelectorAll('article picture img')].filter(i => i.offsetParent).map(i => i.src)"
        )
        assert not any(src.endswith("-dark.svg") for src in page.evaluate(shown))
        first = "article picture.rr-figure--light img"
        page.locator(first).first.scroll_into_view_if_needed()
        page.click("form[data-md-component=palette] label:visible")  # the reader's toggle in the header
        page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
        assert all(src.endswith("-dark.svg") for src in page.evaluate(shown))
        # The dark figure on screen loads by itself (it was never fetched: lazy and hidden).
        page.wait_for_function(
            """() => { const img = document.querySelector('article picture.rr-figure--dark img');
                       return img.offsetParent !== null && img.complete && img.naturalWidth > 0; }""",
            timeout=5000,
        )
    finally:
        context.close()


#: A cold load's budget (issue 15): every page, uncompressed, the search index aside.
PAGE_BUDGET = 600 * 1024

# A shared visit is a cold load (a fresh context, an empty cache) until the network is idle:
# `cold_bytes` are its bytes then (the lazy figures below the first screen are not yet
# fetched). Then it shows every figure, as a reader scrolling to the end would:
# `fetched_figures` are the figure files fetched in all, `shown_figure_files` the ones shown.


@pytest.mark.parametrize("path", site_pages(), ids=lambda p: p or "home")
def test_a_cold_load_fetches_only_the_shown_figures_and_stays_under_600_kb(visits, path):
    visit = visits[(path, 1280, "light")]
    cold, fetched, shown = visit.cold_bytes, visit.fetched_figures, visit.shown_figure_files
    assert fetched == shown, f"{path}: fetched {fetched}, shown {shown}"
    assert all(not name.endswith(("-dark.svg", "-narrow.svg")) for name in fetched), fetched
    assert cold <= PAGE_BUDGET, f"{path or 'home'}: {cold / 1024:.0f} KB on a cold load (budget 600 KB)"


def test_a_phone_in_dark_fetches_only_the_narrow_dark_figures(visits):
    visit = visits[(FIGURE_PAGE, 390, "dark")]
    cold, fetched, shown = visit.cold_bytes, visit.fetched_figures, visit.shown_figure_files
    assert fetched == shown and len(fetched) >= 2, (fetched, shown)
    assert all(name.endswith("-narrow-dark.svg") for name in fetched), fetched
    assert cold <= PAGE_BUDGET, cold


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_gets_narrow_figures_with_readable_text(visits, browser, site_server, scheme):
    visit = visits[(FIGURE_PAGE, 390, scheme)]
    with screenshot_on_failure(browser, site_server + FIGURE_PAGE, f"figures-{scheme}-390", 390, scheme):
        figures = visit.shownFigures
        assert len(figures) >= 2
        for fig in figures:
            name = fig["src"].rsplit("/", 1)[1]
            assert name.endswith("-narrow-dark.svg" if scheme == "dark" else "-narrow.svg"), name
            assert fig["right"] <= visit.columnRight + 0.5  # inside the content column
            assert fig["minFontPx"] >= 9, f"{name}: smallest text {fig['minFontPx']:.2f} CSS px at 390 px"
        assert visit.scrollWidth <= PHONE["width"]  # no sideways scroll
        assert visit.errors == []


def test_wide_figure_would_be_unreadable_on_a_phone(visits):
    """The reason for the narrow variants, measured: the wide SVG squeezed into a phone's column.

    `wideTextPx`: 10-pt text of the first shown figure's wide variant (its <img>'s own src),
    scaled to the column's width, in CSS px."""
    px = visits[(FIGURE_PAGE, 390, "light")].wideTextPx
    assert px < 9, px


@pytest.mark.parametrize("path", site_pages(), ids=lambda p: p or "home")
def test_code_blocks_fit_the_column_at_1280(visits, path):
    # Material's blocks scroll in `pre > code`; the notebook's cells are a bare `pre`.
    overflowing = visits[(path, 1280, "light")].overflowingCode
    assert overflowing == [], f"{path}: code wider than the column (scrollWidth, clientWidth, line): {overflowing}"


@pytest.mark.parametrize(("path", "selector"), [("", "article pre > code"), ("tutorial/", "article .jp-CodeCell pre")])
def test_88_characters_fit_a_code_block_at_1280(visits, path, selector):
    """The offline limit in test_code_width.py is what this layout holds: 88 monospace characters.

    `codeFits`: the width of the page's first such block, less its padding, in characters of
    a 100-character probe span measured inside it."""
    fits = visits[(path, 1280, "light")].codeFits[selector]
    assert fits >= 88, fits


@pytest.mark.parametrize(("viewport", "scheme", "name"), [(DESKTOP, "dark", "tutorial_losses-dark.svg"),
                                                       (PHONE, "light", "tutorial_losses-narrow.svg")])  # fmt: skip
def test_notebook_figure_is_the_packages_svg_in_scheme_and_width(visits, browser, site_server, viewport, scheme, name):
    """The notebook's figure is drawn by the package (rmsprop_ref.figures.tutorial_losses) from a
    Markdown cell's image, served like every other figure: no output image of its own is left."""
    visit = visits[("tutorial/", viewport["width"], scheme)]
    shot = f"notebook-{scheme}-{viewport['width']}"
    with screenshot_on_failure(browser, site_server + "tutorial/", shot, viewport["width"], scheme):
        assert visit.outputImages == 0
        figures = visit.shownFigures
        assert [fig["src"].rsplit("/", 1)[1] for fig in figures] == [name]
        (fig,) = figures
        assert ("#1e2129" if scheme == "dark" else "#ffffff") in fig["background"], fig["background"]
        assert fig["alt"] in fig["hidden"] and len(fig["alt"]) > 20  # the same alt text on both
        assert fig["minFontPx"] >= 9 and fig["right"] <= viewport["width"], fig
        assert visit.errors == []


@pytest.mark.parametrize(
    ("width", "scheme", "suffix"), [(390, "dark", "-narrow-dark.svg"), (1280, "light", "")], ids=["390", "1280"]
)
def test_every_figure_on_every_page_is_readable(visits, width, scheme, suffix):
    """Every text of every figure, sub- and superscripts included, is >= 9 CSS px as shown."""
    seen = 0
    for path in site_pages():
        for fig in visits[(path, width, scheme)].shownFigures:
            seen += 1
            name = fig["src"].rsplit("/", 1)[1]
            assert name.endswith(suffix or ".svg") and ("-narrow" in name) == bool(suffix), f"{path}: {name}"
            assert fig["minFontPx"] >= 9, f"{path}: {name} smallest text {fig['minFontPx']:.2f} CSS px"
    assert seen >= 10, seen


def test_notebook_output_keeps_its_lines_on_a_phone(visits):
    """Printed tables are not wrapped inside numbers at 390 px; a wide one scrolls and takes focus."""
    outputs = visits[("tutorial/", 390, "light")].notebookOutputs
    assert outputs
    for out in outputs:
        assert out["drawn"] <= out["lines"] + 1, out  # no line wrapped (a scrollbar may add one)
        if out["scrolls"]:
            assert out["tabindex"] == "0" and out["name"], out
    assert any(out["scrolls"] for out in outputs)  # the check of focus above ran
