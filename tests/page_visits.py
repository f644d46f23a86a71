"""One cold visit per (page, width, colour scheme), shared by the browser tests that only read.

A Chromium visit costs about a second, and the browser tests read the same pages in the same
few modes again and again: every page's clean offline load, cold-load weight, figures, code
blocks and aligned equations at 1280 px (light), its figures and equations at 390 px (dark),
and its accessibility audit. `visits` loads each (page, width, scheme) once, in a fresh
browser context (an empty cache: a cold load), records what each of those checks reads, and
keeps the records for the session; each test asserts on them, so a failure still names its
page and its check. Tests that act on a page (a toggle, typing, a planted violation) make
their own visits.

The visits run three at a time in headless Chromium driven by playwright's async API in a
thread of their own: one page's axe rules or idle wait run while another loads. The session
computes all of them at once, from when the first test asks (`start`, `shared_visits`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from shown_images import LOAD_SHOWN
from site_pages import site_pages

from conftest import CHROMIUM, IN_CI, require

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}  # a current phone's viewport in CSS px
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {1280: DESKTOP, 390: PHONE}
#: Visits run at once (pages in separate renderer processes)
CONCURRENCY = 3

# --- What the visits record -------------------------------------------------------------

# For each figure <img> the reader sees: the file the browser chose, its displayed size, and
# the smallest and the median text in it in CSS px (font size in viewBox units scaled to the
# displayed width).
SHOWN_FIGURES = """async () => {
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

# For each aligned table on the page (hooks/math.py): the x of each row's first operator in
# its second cell, and the right edge of the first cell's math (its left-hand side).
SIGNS = """() => [...document.querySelectorAll('article mtable.rr-aligned')].map(table =>
  [...table.querySelectorAll(':scope > mtr')].map(row => {
    const sign = row.children[1] && row.children[1].querySelector('mo');
    const lhs = row.children[0].lastElementChild;
    return sign ? [sign.textContent, sign.getBoundingClientRect().left,
                   lhs ? lhs.getBoundingClientRect().right : null] : null;
  }).filter(Boolean))"""

#: Where the code of a block is laid out: Material's `pre > code`, the notebook's bare `pre`
CODE_SELECTORS = ("article pre > code", "article .jp-CodeCell pre")

# Everything a visit reads from the settled page, in one call. None of it changes the page
# for what comes after (the probe span is removed again; the SVGs are fetched, not shown).
_PROBE = f"""async codeSelectors => {{
  const article = document.querySelector('article');
  const r = {{}};
  r.bodyScheme = document.body.getAttribute('data-md-color-scheme');
  r.pageBackground = getComputedStyle(document.body).backgroundColor;
  r.images = [...document.querySelectorAll('article img')].map(e => (
    {{src: e.src, w: e.naturalWidth, h: e.naturalHeight, alt: e.alt, shown: e.offsetParent !== null}}));
  r.pictureImages = document.querySelectorAll('article picture img').length;
  r.shownPictures = [...document.querySelectorAll('article picture img')].filter(i => i.offsetParent)
    .map(i => ({{src: i.src, currentSrc: i.currentSrc, w: i.naturalWidth, h: i.naturalHeight}}));
  r.outputImages = document.querySelectorAll('.jp-OutputArea-output img').length;
  r.maths = [...document.querySelectorAll('article math')].map(e => {{
    const b = e.getBoundingClientRect(); return [b.width, b.height]; }});
  r.shownFigures = await ({SHOWN_FIGURES})();
  r.signs = ({SIGNS})();
  r.columnRight = article ? article.getBoundingClientRect().right : null;
  r.columnWidth = article ? article.clientWidth : null;
  r.scrollWidth = document.documentElement.scrollWidth;
  // Material's blocks scroll in `pre > code`; the notebook's cells are a bare `pre`.
  r.overflowingCode = [...document.querySelectorAll('article pre')].map(p => p.querySelector(':scope > code') || p)
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => [e.scrollWidth, e.clientWidth,
               e.innerText.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '')]);
  // Printed notebook output: its lines, and how many lines tall it is drawn.
  r.notebookOutputs = [...document.querySelectorAll('article .jp-OutputArea-output pre')].map(p => {{
    const lines = p.textContent.replace(/\\n$/, '').split('\\n').length;
    const height = parseFloat(getComputedStyle(p).lineHeight);
    return {{lines, drawn: Math.round(p.getBoundingClientRect().height / height),
            scrolls: p.scrollWidth > p.clientWidth + 1, tabindex: p.getAttribute('tabindex'),
            name: p.getAttribute('aria-label'), text: p.textContent.slice(0, 60)}};
  }});
  // The text size the first shown figure's wide variant (the <img>'s own src) would have in
  // this column: 10-pt text, the SVG's pt scaled to the column, in CSS px.
  const first = [...document.querySelectorAll('article picture img')].find(i => i.offsetParent);
  r.wideTextPx = null;
  if (first && article) {{
    const svg = await (await fetch(first.getAttribute('src'))).text();
    const viewBox = Number(svg.match(/viewBox="0 0 ([\\d.]+)/)[1]);
    r.wideTextPx = 10 * Math.min(1, article.clientWidth / (viewBox * 4 / 3)) * 4 / 3;
  }}
  // How many monospace characters fit the first code block of each kind: a probe span of
  // 100 characters is measured inside it and removed.
  r.codeFits = {{}};
  for (const selector of codeSelectors) {{
    const code = document.querySelector(selector);
    if (!code) continue;
    const style = getComputedStyle(code);
    const probe = document.createElement('span');
    probe.textContent = 'x'.repeat(100);
    code.appendChild(probe);
    const ch = probe.getBoundingClientRect().width / 100;
    probe.remove();
    r.codeFits[selector] = (code.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)) / ch;
  }}
  return r;
}}"""

# --- The accessibility audit (test_a11y.py) ----------------------------------------------

AXE = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MODES = ("light", "dark", "390px")

# The palette switch changes colours only (CSS reads the <body> attribute; no markup
# changes), so in dark only the rules that measure colours run again: a third less work.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

# What a narrower window can change, and so what runs again at 390 px. The markup is the
# same at both widths (Material's scripts change no markup or ARIA on a resize; its media
# queries change only CSS), so a width can change a rule's result in two ways only:
# - through layout and computed style, which three of the rules read: colours and what
#   lies behind text (media queries, overlap), links' styles, and what overflows and so
#   scrolls. These run again on the whole page.
# - through what is rendered: axe skips elements that are not rendered, so an element that
#   only the narrow layout shows (the drawer's buttons, a mobile-only label) has not been
#   checked at 1280 px. Every rule runs again on those elements (`_NEWLY_SHOWN`).
# An element that is rendered at both widths keeps its markup, so the other rules (names,
# roles, ARIA, structure, language, alt text) would give the 1280-px answer again.
# test_a11y.test_axe_finds_a_planted_390_px_only_violation checks both ways.
WIDTH_RULES = [*COLOUR_RULES, "scrollable-region-focusable"]

# Marks, at 1280 px, every element that is not rendered ('data-rr-hidden').
_RENDERED = "e => e.checkVisibility({visibilityProperty: true})"
_MARK_HIDDEN = f"""() => {{
  for (const e of document.body.querySelectorAll('*'))
    if (!({_RENDERED})(e)) e.setAttribute('data-rr-hidden', '');
}}"""
# At 390 px: the outermost marked elements that are rendered now, by a selector axe takes.
_NEWLY_SHOWN = f"""() => {{
  const shown = new Set([...document.querySelectorAll('[data-rr-hidden]')].filter({_RENDERED}));
  const outer = [...shown].filter(e => !shown.has(e.parentElement.closest('[data-rr-hidden]')));
  outer.forEach((e, i) => e.setAttribute('data-rr-shown', i));
  return outer.map((e, i) => `[data-rr-shown="${{i}}"]`);
}}"""

_RUN_AXE = """async ([tags, rules, include]) => {
  const only = rules ? {type: 'rule', values: rules} : {type: 'tag', values: tags};
  const context = include ? {include} : document;
  const result = await axe.run(context, {runOnly: only, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: (n.failureSummary || '').slice(0, 200)}))}));
}"""

# What Material's palette toggle does to the page (it also stores the choice): the scheme
# is an attribute of <body>, which the site's CSS and scripts follow. Material fades
# colours (CSS transitions); axe measures them once the fades are over.
_SETTLE = """async () => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const fades = document.getAnimations().filter(a => a instanceof CSSTransition);
  await Promise.all(fades.map(a => a.finished.catch(() => null)));
}"""
_SCHEME = f"""async scheme => {{
  document.body.setAttribute('data-md-color-scheme', scheme);
  await ({_SETTLE})();
}}"""

# The two halves of a page's audit, each one call into the page: at 1280 px light then
# dark, ending with the marks `_NEWLY_SHOWN` reads; after the resize to 390 px, the width's.
WIDE_JOB = f"""async ([tags, colourRules]) => {{
  const run = {_RUN_AXE}, scheme = {_SCHEME};
  await scheme('default');
  const light = await run([tags, null, null]);
  await scheme('slate');
  const dark = await run([tags, colourRules, null]);
  await scheme('default');
  ({_MARK_HIDDEN})();
  return {{light, dark}};
}}"""
NARROW_JOB = f"""async ([tags, widthRules]) => {{
  const run = {_RUN_AXE};
  await ({_SETTLE})();
  const found = await run([tags, widthRules, null]);
  const shown = ({_NEWLY_SHOWN})();
  return {{'390px': shown.length ? found.concat(await run([tags, null, shown])) : found}};
}}"""
#: Puts axe-core into a loaded page (global code, as a <script> would run it; no request)
INJECT_AXE = "source => { (0, eval)(source); return typeof axe; }"


def axe_source() -> str:
    """axe-core's script (npm: package-lock.json pins 4.14.1); skip without it, fail under CI=true."""
    if not AXE.is_file():
        msg = f"axe-core not found at {AXE}: run `npm ci` in {ROOT} (package-lock.json pins axe-core 4.14.1)"
        if IN_CI:
            pytest.fail(f"CI=true requires it: {msg}", pytrace=False)
        pytest.skip(msg)
    return AXE.read_text()


def audit(page, source: str) -> dict[str, list[dict]]:
    """axe's violations of the loaded 1280-px `page` (sync playwright) in each mode:
    {"light": [...], "dark": [...], "390px": [...]}. Leaves the page at 390 px."""
    assert page.evaluate(INJECT_AXE, source) == "object"
    found = page.evaluate(WIDE_JOB, [TAGS, COLOUR_RULES])
    page.set_viewport_size(PHONE)
    found.update(page.evaluate(NARROW_JOB, [TAGS, WIDTH_RULES]))
    return found


# --- The visits -------------------------------------------------------------------------


def _keys() -> dict[tuple[str, int, str], bool]:
    """(path, width, scheme) of every shared visit, and whether it must be a cold load. The
    audited ones are (path, 1280, "light"), cold: the offline and page-weight checks read them."""
    keys = {(path, 1280, "light"): True for path in site_pages()}
    keys.update({(path, 390, "dark"): False for path in site_pages()})
    # The figure tests' other modes of the multi-panel figures page (a phone in dark: cold, for
    # the figure files it fetches) and of the notebook.
    keys.update({("comparison/", 390, "dark"): True, ("comparison/", 1280, "dark"): False})
    keys.update({("comparison/", 390, "light"): False})
    keys.update({("tutorial/", 1280, "dark"): False, ("tutorial/", 390, "light"): False})
    return keys


async def _visit(browser, base, path, width, scheme, axe, warm=None):
    """Load base+path and record it; `axe`: its source, to audit the page last.

    A cold load (a fresh context, an empty cache) waits until the network is idle; with
    `warm`, a context of the same width and scheme that earlier visits filled, the load event
    is enough (no request after it is checked), and no bytes or figure files are recorded.
    """
    context = warm or await browser.new_context(viewport=VIEWPORTS[width], color_scheme=scheme)
    page = await context.new_page()
    requests, failed, errors, responses = [], [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: responses.append(r))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url} (HTTP {r.status})"))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    started = time.perf_counter()
    try:
        cold = idle = fetched = None
        if warm:
            await page.goto(base + path, wait_until="load")
        else:
            # "networkidle" (half a second without requests): the requests made after the load
            # (the search index, fonts) are recorded too, and the bytes then are a cold load's
            # (the lazy figures below the first screen not yet fetched).
            await page.goto(base + path, wait_until="networkidle")
            at_idle = list(responses)
            cold = sum([len(await r.body()) for r in at_idle if "search_index" not in r.url])
            host = urlparse(base).netloc
            foreign = [u for u in requests if urlparse(u).netloc not in (host, "") and not u.startswith("data:")]
            idle = SimpleNamespace(foreign=foreign, failed=list(failed), errors=list(errors))
        # The figures are lazy (hooks/figures.py): the shown ones load now, as on scrolling to
        # the end; the hidden colour scheme's and width's copies are never fetched.
        await page.evaluate(LOAD_SHOWN)
        await page.evaluate("document.fonts.ready.then(() => true)")
        if not warm:
            fetched = sorted(r.url.rsplit("/", 1)[1] for r in responses if "/figures/" in r.url)
        probe = await page.evaluate(_PROBE, list(CODE_SELECTORS))
        record = SimpleNamespace(
            path=path, width=width, scheme=scheme, cold_bytes=cold, idle=idle, fetched_figures=fetched,
            shown_figure_files=sorted(p["currentSrc"].rsplit("/", 1)[1] for p in probe["shownPictures"]),
            failed=list(failed), errors=list(errors), audit=None, **probe,
        )  # fmt: skip
        if axe:
            # Last: the audit switches the scheme, marks elements and resizes the page. The
            # steps of `audit`, which the planted violations of test_a11y.py go through.
            assert await page.evaluate(INJECT_AXE, axe) == "object"
            found = await page.evaluate(WIDE_JOB, [TAGS, COLOUR_RULES])
            await page.set_viewport_size(PHONE)
            found.update(await page.evaluate(NARROW_JOB, [TAGS, WIDTH_RULES]))
            record.audit = found
        record.seconds = time.perf_counter() - started
        return record
    finally:
        await (page.close() if warm else context.close())


async def _visit_all(base: str, axe: str | None) -> dict:
    from playwright.async_api import async_playwright

    results, gate, warm = {}, asyncio.Semaphore(CONCURRENCY), {}

    async def one(browser, key, cold):
        path, width, scheme = key
        async with gate:
            try:
                audited = axe if (width, scheme) == (1280, "light") else None
                context = None if cold else warm[width, scheme]
                results[key] = await _visit(browser, base, path, width, scheme, audited, context)
            except Exception as exc:  # reported by the tests of that page
                results[key] = exc

    async with async_playwright() as p:
        # The flags of conftest.browser: without background networking Chromium reaches no Google host.
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        try:
            keys = _keys()
            for width, scheme in {(w, s) for (_, w, s), cold in keys.items() if not cold}:
                warm[width, scheme] = await browser.new_context(viewport=VIEWPORTS[width], color_scheme=scheme)
            # The audited visits first: they take longest.
            await asyncio.gather(*(one(browser, key, cold) for key, cold in keys.items()))
        finally:
            await browser.close()
    return results


def _chromium_or_skip() -> None:
    import shutil

    require("playwright.async_api", "the browser tests drive Chromium with playwright")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        msg = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM=/path)"
        if IN_CI:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


class Visits:
    """The session's shared visits of the site at `base`, by (path, width, scheme)."""

    def __init__(self, results: dict):
        self.results = results

    def __getitem__(self, key: tuple[str, int, str]) -> SimpleNamespace:
        found = self.results[key]
        if isinstance(found, Exception):
            raise found
        return found


_running: dict[str, tuple[threading.Thread, dict]] = {}


def start(site_server: str) -> None:
    """Start making every shared visit of the site served at `site_server`, in a thread, and
    return at once (`shared_visits` waits for them). Once per site; skips without playwright
    or Chromium, fails without them under CI=true."""
    _chromium_or_skip()
    if site_server in _running:
        return
    axe = AXE.read_text() if AXE.is_file() else None  # without it test_a11y skips (or fails in CI)
    box = {}

    def run():
        try:
            box["results"] = asyncio.run(_visit_all(site_server, axe))
        except BaseException as exc:  # handed to the tests
            box["error"] = exc

    # A thread of its own: playwright's sync API (the `browser` fixture) holds this one's loop.
    thread = threading.Thread(target=run, name="page-visits", daemon=True)
    thread.start()
    _running[site_server] = thread, box


def shared_visits(site_server: str) -> Visits:
    """Every shared visit of the site served at `site_server`, made once per session: started
    by the first test that asks (or `start`), waited for here."""
    start(site_server)
    thread, box = _running[site_server]
    thread.join()
    if "error" in box:
        raise box["error"]
    return Visits(box["results"])


@contextlib.contextmanager
def screenshot_on_failure(browser, url: str, name: str, width: int = 1280, scheme: str = "light"):
    """If the block fails, load `url` again as the visit did and save a full-page screenshot
    as test-artifacts/screenshots/NAME.png for a person to look at."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):  # the test's own failure is the one to report
            context = browser.new_context(viewport=VIEWPORTS[width], color_scheme=scheme)
            try:
                page = context.new_page()
                page.goto(url, wait_until="load")
                page.evaluate(LOAD_SHOWN)
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            finally:
                context.close()
        raise
