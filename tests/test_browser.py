"""The site as a reader meets it, in headless Chromium (Debian's) driven by playwright.

Skips with a message where Chromium or playwright is missing; fails under CI=true.
When a page's check fails, a full-page screenshot goes to test-artifacts/screenshots/
(ignored by git) for a person to look at. The checks that only read a page read its
shared cold visit (tests/page_visits.py); the ones that act on a page visit it themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from page_visits import screenshot_on_failure, shared_visits
from site_pages import site_pages

from conftest import SITE_PREFIX, Visit, require

pytestmark = pytest.mark.browser
PAGES = site_pages()


@pytest.fixture
def visits(site_server):
    """The session's shared cold page visits (tests/page_visits.py)."""
    return shared_visits(site_server)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_page_loads_cleanly_offline(visits, browser, site_server, path):
    # The page's shared cold visit at 1280 px, light: it waited for "networkidle", so the
    # requests made after the load (the search index, fonts) are checked too.
    visit = visits[(path, 1280, "light")]
    with screenshot_on_failure(browser, site_server + path, path.strip("/") or "home"):
        assert visit.idle.foreign == [], f"requests to other hosts: {visit.idle.foreign}"
        assert visit.idle.failed == [], f"failed requests: {visit.idle.failed}"
        assert visit.idle.errors == [], f"console errors: {visit.idle.errors}"

        # The figures are lazy (hooks/figures.py): the visit made the shown ones load, as on
        # scrolling; the hidden colour scheme's copies are never fetched.
        for img in visit.images:
            assert img["w"] > 0 or not img["shown"], f"image did not load: {img['src']}"
            assert len(img["alt"]) > 20, f"image without a real alt text: {img['src']}"

        if path not in ("performance/", "api/"):  # pages without a formula (api/ lists the API pages)
            assert visit.maths, "no rendered math on the page"
        assert all(w > 0 and h > 0 for w, h in visit.maths), "a math element has no size (not rendered)"


def test_figures_pages_show_their_figures(visits):
    # Each figure is a light and a dark <picture> (hooks/figures.py); one of them is shown.
    widths = [img["w"] for img in visits[("comparison/", 1280, "light")].images if img["shown"]]
    source = (Path(__file__).resolve().parents[1] / "docs" / "comparison.md").read_text()
    assert len(widths) == source.count("](figures/") >= 2 and min(widths) > 300


def test_notebook_page_shows_its_figure(browser, site_server):
    visit = Visit(browser, site_server + "tutorial/")
    try:
        visit.settle()
        shown = visit.page.eval_on_selector_all(
            "article picture img", "els => els.filter(e => e.offsetParent).map(e => [e.naturalWidth, e.naturalHeight])"
        )
        assert len(shown) == 1 and all(w > 200 and h > 100 for w, h in shown), shown
        # The executed cells' output: every `print("checked: ...")` of the notebook's code.
        import json
        import re

        notebook = json.loads((Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb").read_text())
        code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
        checks = re.findall(r'print\("(checked: [^"]+)"\)', code)
        assert checks
        # Each line as rendered (innerText), waited for: a line can be in the HTML before it is laid out.
        rendered = "lines => lines.every(l => document.querySelector('article').innerText.includes('\\n' + l + '\\n'))"
        visit.page.wait_for_function(rendered, arg=checks, timeout=10_000)
        text = visit.page.inner_text("article")
        assert all(f"\n{check}\n" in text for check in checks), checks
        link = visit.page.get_attribute("a[download]", "href")
        response = visit.page.request.get(site_server + "tutorial/" + link)
        assert response.status == 200 and b'"cells"' in response.body()
    finally:
        visit.close()


def test_search_finds_rmsprop_for_epsilon(browser, site_server):
    visit = Visit(browser, site_server)
    page = visit.page
    try:
        box = page.locator("input[data-md-component=search-query]")
        box.click()
        box.press_sequentially("epsilon")  # typed, as a reader would
        page.wait_for_selector(".md-search-result__item", timeout=10_000)
        links = page.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.href)")
        assert any("/rmsprop/" in link for link in links), links
    finally:
        visit.close()


def test_light_dark_toggle(browser, site_server):
    visit = Visit(browser, site_server, color_scheme="light")
    page = visit.page
    try:
        scheme = "document.body.getAttribute('data-md-color-scheme')"
        assert page.evaluate(scheme) == "default"
        page.click("form[data-md-component=palette] label:visible")
        page.wait_for_function(f"{scheme} === 'slate'")
        page.click("form[data-md-component=palette] label:visible")
        page.wait_for_function(f"{scheme} === 'default'")
    finally:
        visit.close()


def test_copy_button_copies_the_code(browser, site_server):
    visit = Visit(browser, site_server, permissions=["clipboard-read", "clipboard-write"])
    page = visit.page
    try:
        block = page.locator("article .highlight").filter(has_text="from rmsprop_ref import RMSprop").first
        shown = block.locator("code").inner_text()
        block.hover()
        block.locator("button[data-md-type=copy]").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.strip() == shown.strip()
        assert "opt.step(quadratic.grad(theta))" in copied
    finally:
        visit.close()


def test_missing_page_gets_the_404_page(browser, site_server):
    # "networkidle": the assets it loads late must not fail either.
    visit = Visit(browser, site_server + "no/such/page/", wait_until="networkidle")
    try:
        assert "404" in visit.page.inner_text("article")
        # The 404 page is served at any depth, so its links and assets are absolute: they must load.
        assert [f for f in visit.failed if "no/such/page" not in f] == []
        assert visit.page.eval_on_selector_all(".md-nav__link", "els => els.length") > 5
    finally:
        visit.close()


def test_internal_links_resolve(site_server, tmp_path):
    """LinkChecker crawls the served site: every internal link must resolve.

    Without its AnchorCheck plugin: with it, LinkChecker downloads and parses a page again
    for every distinct #anchor linked to it (its cache keys on the whole URL), 275 URLs and
    30 s instead of 125 URLs and 3 s; the anchors are checked from the built files below.
    """
    import subprocess
    import sys

    require("linkcheck", "the link check uses LinkChecker")
    config = tmp_path / "linkcheckerrc"
    # maxrequestspersecond: the local server sends LinkChecker's header (conftest.site_server),
    # so LinkChecker drops its per-host politeness delay of 0.1-0.6 s between requests.
    config.write_text(
        "[checking]\nmaxrequestspersecond=1000\n[filtering]\nignore=^(?!" + site_server.replace(".", r"\.") + ")\n"
    )
    exe = Path(sys.executable).with_name("linkchecker")
    proc = subprocess.run(
        [str(exe), "--config", str(config), "--no-status", site_server],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 warnings found. 0 errors found." in proc.stdout, proc.stdout


def anchor_links(site: Path, prefix: str = SITE_PREFIX) -> list[tuple[str, bool]]:
    """Every link to an #anchor within the built site, and whether its target page has that id.

    Each HTML file is parsed once; a link's target is resolved as a browser resolves it
    against the page's URL under `prefix`. Links to other sites are not this check's business.
    """
    from html.parser import HTMLParser
    from urllib.parse import unquote, urljoin, urlsplit

    class Page(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.ids, self.links = set(), []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            self.ids |= {attrs[k] for k in ("id", "name") if attrs.get(k) and (k == "id" or tag == "a")}
            if tag in ("a", "area") and "#" in (attrs.get("href") or ""):
                self.links.append(attrs["href"])

    pages = {}
    for html in site.rglob("*.html"):
        parser = Page()
        parser.feed(html.read_text(encoding="utf-8"))
        pages[html.relative_to(site).as_posix()] = parser
    links = []
    for source, parser in pages.items():
        base = "http://site" + prefix + source.removesuffix("index.html")
        for href in parser.links:
            url = urlsplit(urljoin(base, href))
            if url.netloc != "site" or not url.path.startswith(prefix) or not url.fragment:
                continue
            path = url.path[len(prefix) :]
            target = pages.get(path + "index.html" if path == "" or path.endswith("/") else path)
            links.append((f"{source}: {href}", target is not None and unquote(url.fragment) in target.ids))
    return links


def test_every_anchor_link_names_an_id_on_its_page(built_site):
    links = anchor_links(built_site.path)
    assert len(links) > 100, links  # the nav, the tables of contents and the pages' own links
    assert [link for link, ok in links if not ok] == []


def test_the_anchor_check_finds_a_broken_anchor(tmp_path):
    (tmp_path / "ewma").mkdir()
    (tmp_path / "ewma" / "index.html").write_text('<h2 id="bias">Bias</h2><a href="#bias">here</a>')
    (tmp_path / "index.html").write_text(
        '<a href="ewma/#bias">ok</a> <a href="ewma/#no-such-anchor">bad</a> '
        f'<a href="{SITE_PREFIX}ewma/#bias">absolute ok</a> <a href="https://example.org/#x">elsewhere</a>'
        '<a href="missing/#x">no page</a>'
    )
    links = dict(anchor_links(tmp_path))
    broken = [link for link, ok in links.items() if not ok]
    assert broken == ["index.html: ewma/#no-such-anchor", "index.html: missing/#x"]
    assert links["index.html: ewma/#bias"] and links["ewma/index.html: #bias"]
    assert links[f"index.html: {SITE_PREFIX}ewma/#bias"]
    assert "index.html: https://example.org/#x" not in links
