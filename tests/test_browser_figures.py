"""Figures and code blocks as a reader sees them: in both colour schemes, on a phone, at 1280 px.

Headless Chromium (Debian's) driven by playwright, as in test_browser.py; skips where
either is missing, fails under CI=true. When a check of a page fails, a screenshot of it
goes to test-artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shown_images import load_shown_images
from site_pages import site_pages

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
FIGURE_PAGE = "comparison/"  # multi-panel figures
PHONE = {"width": 390, "height": 844}  # a current phone's viewport in CSS px
DESKTOP = {"width": 1280, "height": 900}


def _screenshot(page, name):
    """A full-page screenshot for a person to look at, taken when a check has failed."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _open(browser, url, viewport=DESKTOP, scheme="light"):
    """A page at `url` in Material's scheme for `scheme` (the reader's OS preference picks it)."""
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    _load(page, url)
    return context, page, errors


def _load(page, url):
    """Go to `url` and wait until its layout is final: the load event, every image and font.

    Not "networkidle": that waits for half a second without requests after the load, on
    every page; what these tests measure (layout, figure files, text sizes) is settled
    once the shown images and the fonts are.
    """
    page.goto(url, wait_until="load")
    load_shown_images(page)  # the figures are lazy: the shown ones load now, as on scrolling
    page.evaluate("document.fonts.ready.then(() => true)")


# For each figure <img> the reader sees: the file the browser chose, its displayed size, and
# the smallest and the median text in it in CSS px (font size in viewBox units scaled to the
# displayed width).
_SHOWN_FIGURES = """async () => {
  const shown = [...document.querySelectorAll('article picture img')].filter(i => i.offsetParent !== null);
  const out = [];
  for (const img of shown) {
    const svg = new DOMParser().parseFromString(await (await fetch(img.currentSrc)).text(), 'image/svg+xml');
    const viewBox = svg.documentElement.getAttribute('viewBox').split(/\\s+/).map(Number);
    const size = e => parseFloat((e.getAttribute('style') || '').match(/font-size:\\s*([\\d.]+)px/)?.[1]);
    const sizes = [...svg.querySelectorAll('text, tspan')].map(size).filter(s => s > 0);
    const plain = [...svg.querySelectorAll('text')].map(size).filter(s => s > 0);  // not mathtext scripts
    const box = img.getBoundingClientRect();
    const bg = [...svg.querySelectorAll('#patch_1 path')].map(p => p.getAttribute('style'))[0];
    out.push({src: img.currentSrc, alt: img.alt, width: box.width, right: box.right,
              minFontPx: Math.min(...sizes) * box.width / viewBox[2],
              minPlainFontPx: Math.min(...plain) * box.width / viewBox[2],
              medianFontPx: sizes.sort((a, b) => a - b)[sizes.length >> 1] * box.width / viewBox[2], background: bg,
              hidden: [...img.closest('p, article').querySelectorAll('picture img')]
                .filter(i => i.offsetParent === null).map(i => i.alt)});
  }
  return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_figures_follow_the_colour_scheme(browser, site_server, scheme):
    context, page, errors = _open(browser, site_server + FIGURE_PAGE, scheme=scheme)
    try:
        body = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert body == {"light": "default", "dark": "slate"}[scheme]
        figures = page.evaluate(_SHOWN_FIGURES)
        assert len(figures) >= 2
        total = page.eval_on_selector_all("article picture img", "els => els.length")
        assert total == 2 * len(figures)  # one of each light/dark pair is shown
        page_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        for fig in figures:
            name = fig["src"].rsplit("/", 1)[1]
            assert name.endswith("-dark.svg") == (scheme == "dark"), name
            assert "narrow" not in name  # 1280 px: the wide variant
            assert fig["alt"] in fig["hidden"] and len(fig["alt"]) > 20  # the same alt text on both
            if scheme == "dark":
                assert page_bg == "rgb(30, 33, 41)"  # Material slate, #1e2129
                assert "#1e2129" in fig["background"], fig["background"]  # the figure matches the page
            else:
                assert "#ffffff" in fig["background"]
            # On a desktop the bulk of a wide figure's text is >= 9 CSS px and none is under 8;
            # mathtext sub- and superscripts (70% of their text) are not counted here.
            assert fig["medianFontPx"] >= 9 and fig["minPlainFontPx"] >= 8, fig
        assert errors == []
    except BaseException:
        _screenshot(page, f"figures-{scheme}-1280")
        raise
    finally:
        context.close()


def test_toggle_switches_the_figures(browser, site_server):
    context, page, _ = _open(browser, site_server + FIGURE_PAGE, scheme="light")
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


def _cold_load(browser, url, viewport, scheme):
    """Load `url` in a fresh context (empty cache) until the network is idle: its bytes then
    (a cold load; the lazy figures below the first screen are not yet fetched). Then show
    every figure, as a reader scrolling to the end would: the bytes after that, the figure
    files fetched in all and the ones shown."""
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    sizes, figures = [], []

    def on_response(response):
        if "search_index" not in response.url:
            sizes.append(len(response.body()))
        if "/figures/" in response.url:
            figures.append(response.url.rsplit("/", 1)[1])

    page.on("response", on_response)
    try:
        page.goto(url, wait_until="networkidle")
        cold = sum(sizes)
        load_shown_images(page)
        shown = page.evaluate(
            "[...document.querySelectorAll('article picture img')].filter(i => i.offsetParent).map(i => i.currentSrc)"
        )
        page.wait_for_load_state("networkidle")
        return cold, sum(sizes), sorted(figures), sorted(src.rsplit("/", 1)[1] for src in shown)
    finally:
        context.close()


@pytest.mark.parametrize("path", site_pages(), ids=lambda p: p or "home")
def test_a_cold_load_fetches_only_the_shown_figures_and_stays_under_600_kb(browser, site_server, path):
    cold, _, fetched, shown = _cold_load(browser, site_server + path, DESKTOP, "light")
    assert fetched == shown, f"{path}: fetched {fetched}, shown {shown}"
    assert all(not name.endswith(("-dark.svg", "-narrow.svg")) for name in fetched), fetched
    assert cold <= PAGE_BUDGET, f"{path or 'home'}: {cold / 1024:.0f} KB on a cold load (budget 600 KB)"


def test_a_phone_in_dark_fetches_only_the_narrow_dark_figures(browser, site_server):
    cold, _, fetched, shown = _cold_load(browser, site_server + FIGURE_PAGE, PHONE, "dark")
    assert fetched == shown and len(fetched) >= 2, (fetched, shown)
    assert all(name.endswith("-narrow-dark.svg") for name in fetched), fetched
    assert cold <= PAGE_BUDGET, cold


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_gets_narrow_figures_with_readable_text(browser, site_server, scheme):
    context, page, errors = _open(browser, site_server + FIGURE_PAGE, viewport=PHONE, scheme=scheme)
    try:
        figures = page.evaluate(_SHOWN_FIGURES)
        assert len(figures) >= 2
        column = page.evaluate("document.querySelector('article').getBoundingClientRect().right")
        for fig in figures:
            name = fig["src"].rsplit("/", 1)[1]
            assert name.endswith("-narrow-dark.svg" if scheme == "dark" else "-narrow.svg"), name
            assert fig["right"] <= column + 0.5  # inside the content column
            assert fig["minFontPx"] >= 9, f"{name}: smallest text {fig['minFontPx']:.2f} CSS px at 390 px"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
        assert errors == []
    except BaseException:
        _screenshot(page, f"figures-{scheme}-390")
        raise
    finally:
        context.close()


def test_wide_figure_would_be_unreadable_on_a_phone(browser, site_server):
    """The reason for the narrow variants, measured: the wide SVG squeezed into a phone's column."""
    context, page, _ = _open(browser, site_server + FIGURE_PAGE, viewport=PHONE)
    try:
        px = page.evaluate(
            """async () => {
              const img = [...document.querySelectorAll('article picture img')].find(i => i.offsetParent);
              const svg = await (await fetch(img.getAttribute('src'))).text();
              const viewBox = Number(svg.match(/viewBox="0 0 ([\\d.]+)/)[1]);
              const column = document.querySelector('article').clientWidth;
              return 10 * Math.min(1, column / (viewBox * 4 / 3)) * 4 / 3;  // 10-pt text, wide variant
            }"""
        )
        assert px < 9, px
    finally:
        context.close()


@pytest.mark.parametrize("path", site_pages(), ids=lambda p: p or "home")
def test_code_blocks_fit_the_column_at_1280(browser, site_server, path):
    context, page, _ = _open(browser, site_server + path)
    try:
        # Material's blocks scroll in `pre > code`; the notebook's cells are a bare `pre`.
        overflowing = page.eval_on_selector_all(
            "article pre",
            """pres => pres.map(p => p.querySelector(':scope > code') || p)
                .filter(e => e.scrollWidth > e.clientWidth + 1)
                .map(e => [e.scrollWidth, e.clientWidth, e.innerText.split('\\n')
                  .reduce((a, b) => (b.length > a.length ? b : a), '')])""",
        )
        assert overflowing == [], f"{path}: code wider than the column (scrollWidth, clientWidth, line): {overflowing}"
    finally:
        context.close()


@pytest.mark.parametrize(("path", "selector"), [("", "article pre > code"), ("tutorial/", "article .jp-CodeCell pre")])
def test_88_characters_fit_a_code_block_at_1280(browser, site_server, path, selector):
    """The offline limit in test_code_width.py is what this layout holds: 88 monospace characters."""
    context, page, _ = _open(browser, site_server + path)
    try:
        fits = page.eval_on_selector(
            selector,
            """code => {
              const style = getComputedStyle(code);
              const probe = document.createElement('span');
              probe.textContent = 'x'.repeat(100);
              code.appendChild(probe);
              const ch = probe.getBoundingClientRect().width / 100;
              probe.remove();
              return (code.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)) / ch;
            }""",
        )
        assert fits >= 88, fits
    finally:
        context.close()


@pytest.mark.parametrize(("viewport", "scheme", "name"), [(DESKTOP, "dark", "tutorial_losses-dark.svg"),
                                                       (PHONE, "light", "tutorial_losses-narrow.svg")])  # fmt: skip
def test_notebook_figure_is_the_packages_svg_in_scheme_and_width(browser, site_server, viewport, scheme, name):
    """The notebook's figure is drawn by the package (rmsprop_ref.figures.tutorial_losses) from a
    Markdown cell's image, served like every other figure: no output image of its own is left."""
    context, page, errors = _open(browser, site_server + "tutorial/", viewport=viewport, scheme=scheme)
    try:
        assert page.locator(".jp-OutputArea-output img").count() == 0
        figures = page.evaluate(_SHOWN_FIGURES)
        assert [fig["src"].rsplit("/", 1)[1] for fig in figures] == [name]
        (fig,) = figures
        assert ("#1e2129" if scheme == "dark" else "#ffffff") in fig["background"], fig["background"]
        assert fig["alt"] in fig["hidden"] and len(fig["alt"]) > 20  # the same alt text on both
        assert fig["minFontPx"] >= 9 and fig["right"] <= viewport["width"], fig
        assert errors == []
    except BaseException:
        _screenshot(page, f"notebook-{scheme}-{viewport['width']}")
        raise
    finally:
        context.close()


@pytest.mark.parametrize(
    ("viewport", "scheme", "suffix"), [(PHONE, "dark", "-narrow-dark.svg"), (DESKTOP, "light", "")], ids=["390", "1280"]
)
def test_every_figure_on_every_page_is_readable(browser, site_server, viewport, scheme, suffix):
    """Every text of every figure, sub- and superscripts included, is >= 9 CSS px as shown."""
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    seen = 0
    try:
        for path in site_pages():
            _load(page, site_server + path)
            for fig in page.evaluate(_SHOWN_FIGURES):
                seen += 1
                name = fig["src"].rsplit("/", 1)[1]
                assert name.endswith(suffix or ".svg") and ("-narrow" in name) == bool(suffix), f"{path}: {name}"
                assert fig["minFontPx"] >= 9, f"{path}: {name} smallest text {fig['minFontPx']:.2f} CSS px"
        assert seen >= 10, seen
    finally:
        context.close()


def test_notebook_output_keeps_its_lines_on_a_phone(browser, site_server):
    """Printed tables are not wrapped inside numbers at 390 px; a wide one scrolls and takes focus."""
    context, page, _ = _open(browser, site_server + "tutorial/", viewport=PHONE)
    try:
        outputs = page.eval_on_selector_all(
            "article .jp-OutputArea-output pre",
            """pres => pres.map(p => {
                 const lines = p.textContent.replace(/\\n$/, '').split('\\n').length;
                 const height = parseFloat(getComputedStyle(p).lineHeight);
                 return {lines, drawn: Math.round(p.getBoundingClientRect().height / height),
                         scrolls: p.scrollWidth > p.clientWidth + 1, tabindex: p.getAttribute('tabindex'),
                         name: p.getAttribute('aria-label'), text: p.textContent.slice(0, 60)};
               })""",
        )
        assert outputs
        for out in outputs:
            assert out["drawn"] <= out["lines"] + 1, out  # no line wrapped (a scrollbar may add one)
            if out["scrolls"]:
                assert out["tabindex"] == "0" and out["name"], out
        assert any(out["scrolls"] for out in outputs)  # the check of focus above ran
    finally:
        context.close()
