"""Aligned equations line up in Chromium.

hooks/math.py renders ``aligned`` as a MathML table with a right-aligned and a
left-aligned cell per row; Chromium ignores MathML's ``columnalign``, so the site's CSS
aligns the cells. Here the relation sign that starts each row's right-hand side (=, ←)
is measured where Chromium draws it: within one equation the signs are at most 2 px
apart, on every page that has an aligned equation, on a desktop and on a phone.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# For each aligned table on the page: the x of each row's first operator in its second cell,
# and the right edge of the first cell's math (its left-hand side).
_SIGNS = """() => [...document.querySelectorAll('article mtable.rr-aligned')].map(table =>
  [...table.querySelectorAll(':scope > mtr')].map(row => {
    const sign = row.children[1] && row.children[1].querySelector('mo');
    const lhs = row.children[0].lastElementChild;
    return sign ? [sign.textContent, sign.getBoundingClientRect().left,
                   lhs ? lhs.getBoundingClientRect().right : null] : null;
  }).filter(Boolean))"""


@pytest.fixture(scope="module")
def aligned_pages(built_site):
    """The built pages that hold an aligned equation, as URL paths."""
    pages = sorted(
        str(p.parent.relative_to(built_site.path)) + "/"
        for p in built_site.path.rglob("index.html")
        if 'class="rr-aligned"' in p.read_text(encoding="utf-8")
    )
    assert {"adagrad/", "adam/", "rmsprop/", "api/optimizers/"} <= set(pages), pages
    return pages


@pytest.mark.parametrize("width", [1280, 390])
def test_relation_signs_of_an_aligned_equation_line_up(browser, site_server, aligned_pages, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        for path in aligned_pages:
            page.goto(site_server + path, wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            tables = page.evaluate(_SIGNS)
            assert tables, path
            for rows in tables:
                assert len(rows) >= 2 and all(sign in "=←" for sign, _, _ in rows), (path, rows)
                xs = [x for _, x, _ in rows]
                assert max(xs) - min(xs) <= 2, f"{path} at {width} px: relation signs at x = {xs}"
                ends = [end for _, _, end in rows if end is not None]
                assert max(ends) - min(ends) <= 2, f"{path} at {width} px: left-hand sides end at x = {ends}"
    finally:
        context.close()


def test_without_the_alignment_css_the_signs_do_not_line_up(browser, site_server, aligned_pages):
    """The measurement can fail: Chromium's own layout (each cell's box centred) puts the signs apart."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(site_server + "adam/", wait_until="load")
        page.add_style_tag(content="mtable.rr-aligned > mtr > mtd { text-align: -webkit-center !important; }")
        spreads = [max(x for _, x, _ in rows) - min(x for _, x, _ in rows) for rows in page.evaluate(_SIGNS)]
        assert max(spreads) > 2, spreads
    finally:
        context.close()
