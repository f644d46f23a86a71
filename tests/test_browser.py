"""The site as a reader meets it, in headless Chromium (Debian's) driven by playwright.

Skips with a message where Chromium or playwright is missing; fails under CI=true.
Full-page screenshots go to test-artifacts/screenshots/ (ignored by git) for a person
to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from site_pages import site_pages

from conftest import IN_CI, require

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
PAGES = site_pages()


@pytest.fixture(scope="module")
def browser():
    sync_api = require("playwright.sync_api", "the browser tests drive Chromium with playwright")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        msg = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM=/path)"
        if IN_CI:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield b
        b.close()


class Visit:
    """A page load that records every request, failure and console error."""

    def __init__(self, browser, url, **context_args):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_args)
        self.page = self.context.new_page()
        self.requests, self.failed, self.errors = [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} (HTTP {r.status})"))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url, wait_until="networkidle")

    def close(self):
        self.context.close()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_page_loads_cleanly_offline(browser, site_server, path):
    visit = Visit(browser, site_server + path)
    page = visit.page
    try:
        host = urlparse(site_server).netloc
        foreign = [u for u in visit.requests if urlparse(u).netloc not in (host, "") and not u.startswith("data:")]
        assert foreign == [], f"requests to other hosts: {foreign}"
        assert visit.failed == [], f"failed requests: {visit.failed}"
        assert visit.errors == [], f"console errors: {visit.errors}"

        images = page.eval_on_selector_all(
            "article img", "els => els.map(e => ({src: e.src, w: e.naturalWidth, alt: e.alt}))"
        )
        for img in images:
            assert img["w"] > 0, f"image did not load: {img['src']}"
            assert len(img["alt"]) > 20, f"image without a real alt text: {img['src']}"

        maths = page.eval_on_selector_all(
            "article math", "els => els.map(e => {const r = e.getBoundingClientRect(); return [r.width, r.height]})"
        )
        if path not in ("performance/",):
            assert maths, "no rendered math on the page"
        assert all(w > 0 and h > 0 for w, h in maths), "a math element has no size (not rendered)"

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{(path.strip('/') or 'home')}.png"), full_page=True)
    finally:
        visit.close()


def test_figures_pages_show_their_figures(browser, site_server):
    visit = Visit(browser, site_server + "comparison/")
    try:
        # Each figure is a light and a dark <picture> (hooks/figures.py); one of them is shown.
        widths = visit.page.eval_on_selector_all(
            "article img", "els => els.filter(e => e.offsetParent !== null).map(e => e.naturalWidth)"
        )
        source = (Path(__file__).resolve().parents[1] / "docs" / "comparison.md").read_text()
        assert len(widths) == source.count("](figures/") >= 2 and min(widths) > 300
    finally:
        visit.close()


def test_notebook_page_shows_its_output_figure(browser, site_server):
    visit = Visit(browser, site_server + "tutorial/")
    try:
        outputs = visit.page.eval_on_selector_all(
            ".jp-OutputArea-output img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])"
        )
        assert outputs and all(w > 200 and h > 100 for w, h in outputs), outputs
        text = visit.page.inner_text("article")
        assert "checked: both adaptive methods are below SGD" in text  # the executed cell's output
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
    visit = Visit(browser, site_server + "no/such/page/")
    try:
        assert "404" in visit.page.inner_text("article")
        # The 404 page is served at any depth, so its links and assets are absolute: they must load.
        assert [f for f in visit.failed if "no/such/page" not in f] == []
        assert visit.page.eval_on_selector_all(".md-nav__link", "els => els.length") > 5
    finally:
        visit.close()


def test_internal_links_and_anchors(site_server, tmp_path):
    """LinkChecker crawls the served site: every internal link and #anchor must resolve.

    Checked to fail: a link to ewma.md#no-such-anchor gave "1 warning found" here.
    """
    import subprocess
    import sys

    require("linkcheck", "the link check uses LinkChecker")
    config = tmp_path / "linkcheckerrc"
    # maxrequestspersecond: the local server sends LinkChecker's header (conftest.site_server),
    # so LinkChecker drops its per-host politeness delay; threads check pages in parallel.
    config.write_text(
        "[checking]\nmaxrequestspersecond=1000\n"
        "[filtering]\nignore=^(?!" + site_server.replace(".", r"\.") + ")\n[AnchorCheck]\n"
    )
    exe = Path(sys.executable).with_name("linkchecker")
    proc = subprocess.run(
        [str(exe), "--config", str(config), "--no-status", site_server],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # A broken #anchor is a warning to LinkChecker (its AnchorCheck plugin), not an error.
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 warnings found. 0 errors found." in proc.stdout, proc.stdout
