"""Aligned equations line up in Chromium.

hooks/math.py renders ``aligned`` as a MathML table with a right-aligned and a
left-aligned cell per row; Chromium ignores MathML's ``columnalign``, so the site's CSS
aligns the cells. Here the relation sign that starts each row's right-hand side (=, ←)
is measured where Chromium draws it: within one equation the signs are at most 2 px
apart, on every page that has an aligned equation, on a desktop and on a phone.
"""

from __future__ import annotations

import pytest
from page_visits import SIGNS, shared_visits

pytestmark = pytest.mark.browser


@pytest.fixture
def visits(site_server):
    """The session's shared cold page visits (tests/page_visits.py), by (path, width, scheme)."""
    return shared_visits(site_server)


@pytest.fixture(scope="module")
def aligned_pages(built_site):
    """The built pages that hold an aligned equation, as URL paths."""
    pages = sorted(
        (p.parent.relative_to(built_site.path).as_posix() + "/").removeprefix("./")  # the home page: ""
        for p in built_site.path.rglob("index.html")
        if 'class="rr-aligned"' in p.read_text(encoding="utf-8")
    )
    assert {"adagrad/", "adam/", "rmsprop/", "api/optimizers/"} <= set(pages), pages
    return pages


# At 1280 px the pages' shared visits in light, at 390 px in dark (the phone visits the figure
# tests share): the scheme changes colours only (Material's slate palette), not where a sign is.
@pytest.mark.parametrize(("width", "scheme"), [(1280, "light"), (390, "dark")], ids=["1280", "390"])
def test_relation_signs_of_an_aligned_equation_line_up(visits, aligned_pages, width, scheme):
    for path in aligned_pages:
        tables = visits[(path, width, scheme)].signs  # page_visits.SIGNS, read once fonts were ready
        assert tables, path
        for rows in tables:
            assert len(rows) >= 2 and all(sign in "=←" for sign, _, _ in rows), (path, rows)
            xs = [x for _, x, _ in rows]
            assert max(xs) - min(xs) <= 2, f"{path} at {width} px: relation signs at x = {xs}"
            ends = [end for _, _, end in rows if end is not None]
            assert max(ends) - min(ends) <= 2, f"{path} at {width} px: left-hand sides end at x = {ends}"


def test_without_the_alignment_css_the_signs_do_not_line_up(browser, site_server, aligned_pages):
    """The measurement can fail: Chromium's own layout (each cell's box centred) puts the signs apart."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(site_server + "adam/", wait_until="load")
        page.add_style_tag(content="mtable.rr-aligned > mtr > mtd { text-align: -webkit-center !important; }")
        spreads = [max(x for _, x, _ in rows) - min(x for _, x, _ in rows) for rows in page.evaluate(SIGNS)]
        assert max(spreads) > 2, spreads
    finally:
        context.close()
