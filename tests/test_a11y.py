"""Every page passes axe-core's WCAG 2.1 A/AA rules in light, dark and at 390 px.

axe-core 4.14.1 comes from npm (package.json, package-lock.json; `.ci/run` runs `npm ci`)
and is injected into the built pages by playwright; it is not committed. Where it is
missing the tests skip with the command that installs it; under CI=true they fail.

One page load serves all three modes: axe runs every WCAG 2.1 A/AA rule at 1280 px in the
light scheme, then, after the palette is switched to dark (as the header's toggle does it),
the rules a scheme can change, and after the viewport is resized to 390 px (light) the rules
a width can change (`WIDTH_RULES`, and every rule on what only the narrow layout shows; the
argument is at `WIDTH_RULES`). The bar is the project's: no serious or critical violation,
whoever's markup (ours, Material's, the notebook plugin's) causes it.

The pages are audited for the whole module at once (`audit_all`), two at a time, each in a
browser context of its own: axe runs inside the page, so one page's rules run while the
next page loads in the other context. Each page's test reports its own result.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from shown_images import load_shown_images
from site_pages import site_pages

from conftest import IN_CI

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
AXE = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BAR = ("serious", "critical")  # the impacts that fail a page
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
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
# test_axe_finds_a_planted_390_px_only_violation checks both ways.
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


def axe_source() -> str:
    if not AXE.is_file():
        msg = f"axe-core not found at {AXE}: run `npm ci` in {ROOT} (package-lock.json pins axe-core 4.14.1)"
        if IN_CI:
            pytest.fail(f"CI=true requires it: {msg}", pytrace=False)
        pytest.skip(msg)
    return AXE.read_text()


# The two halves of a page's audit, each run in the page as one job (`Auditor`): at 1280 px
# light then dark, ending with the marks `_NEWLY_SHOWN` reads; after the resize, 390 px.
_WIDE_JOB = f"""async ([tags, colourRules]) => {{
  const run = {_RUN_AXE}, scheme = {_SCHEME};
  await scheme('default');
  const light = await run([tags, null, null]);
  await scheme('slate');
  const dark = await run([tags, colourRules, null]);
  await scheme('default');
  ({_MARK_HIDDEN})();
  return {{light, dark}};
}}"""
_NARROW_JOB = f"""async ([tags, widthRules]) => {{
  const run = {_RUN_AXE};
  await ({_SETTLE})();
  const found = await run([tags, widthRules, null]);
  const shown = ({_NEWLY_SHOWN})();
  return {{'390px': shown.length ? found.concat(await run([tags, null, shown])) : found}};
}}"""


def _started(job: str) -> str:
    """A function that starts `job` and returns at once; the job hands its result (or error) to
    Python through the binding rrDone, so nothing waits on the page while axe keeps it busy."""
    return f"""args => {{
  ({job})(args).then(r => window.rrDone({{r}}), e => window.rrDone({{e: String(e)}}));
}}"""


class Auditor:
    """Audits pages one at a time in its own browser context (its own renderer process), the
    axe runs going on in the page while Python serves another Auditor (`audit_all`)."""

    def __init__(self, browser, source: str):
        self.context = browser.new_context(viewport=DESKTOP, color_scheme="light")
        self.context.add_init_script(script=source)
        self.done = None  # what the running job handed back through rrDone
        self.context.expose_binding("rrDone", lambda source, payload: setattr(self, "done", payload))
        self.page = self.context.new_page()
        self.url, self.stage, self.found = None, None, {}

    def load(self, url: str) -> None:
        """Load `url` at 1280 px, its shown figures and fonts too."""
        page = self.page
        page.set_viewport_size(DESKTOP)
        page.goto(url, wait_until="load")
        page.wait_for_function("typeof axe !== 'undefined'")
        load_shown_images(page)
        page.evaluate("document.fonts.ready.then(() => true)")

    def begin(self, url: str | None = None) -> None:
        """Start auditing the loaded page (`url`, the page's own by default); `poll` or `wait` for the result."""
        self.stage, self.found, self.done = "wide", {}, None
        self.page.evaluate(_started(_WIDE_JOB), [TAGS, COLOUR_RULES])
        self.url = url or self.page.url

    def start(self, url: str) -> None:
        self.load(url)
        self.begin(url)

    def poll(self) -> dict[str, list[dict]] | None:
        """The page's violations by mode once both jobs are done, else None (and the next job started)."""
        done, self.done = self.done, None
        if done is None:
            return None
        if "e" in done:
            raise RuntimeError(f"{self.url}: axe failed in the {self.stage} job: {done['e']}")
        self.found.update(done["r"])
        if self.stage == "wide":
            self.stage = "narrow"
            self.page.set_viewport_size(PHONE)
            self.page.evaluate(_started(_NARROW_JOB), [TAGS, WIDTH_RULES])
            return None
        self.url = None
        return self.found

    def wait(self) -> dict[str, list[dict]]:
        while (found := self.poll()) is None:
            self.page.wait_for_timeout(20)  # playwright delivers rrDone's call while it waits
        return found

    def close(self) -> None:
        self.context.close()


def audit(auditor: Auditor, url: str) -> dict[str, list[dict]]:
    """axe's violations of `url` in each mode: {"light": [...], "dark": [...], "390px": [...]}."""
    auditor.start(url)
    return auditor.wait()


def audit_all(auditors: list[Auditor], urls: list[str]) -> dict[str, dict | Exception]:
    """`audit` of every url, one page per auditor at a time: while one page's axe runs, the
    next page loads in another (a 2-core machine runs two at once). A page's error is its result."""
    todo, results = list(urls), {}

    def next_page(auditor):
        while todo:
            url = todo.pop(0)
            try:
                auditor.start(url)
                return
            except Exception as exc:  # reported by that page's test
                results[url] = exc

    for auditor in auditors:
        next_page(auditor)
    while busy := [a for a in auditors if a.url is not None]:
        for auditor in busy:
            url = auditor.url
            try:
                found = auditor.poll()
            except Exception as exc:  # reported by that page's test
                found, auditor.url = exc, None
            if found is not None:
                results[url] = found
                next_page(auditor)
        auditors[0].page.wait_for_timeout(20)  # playwright delivers rrDone's calls while it waits
    return results


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BAR]


#: Pages audited at once: one per core of the project's 2-core machine
WORKERS = max(1, min(2, os.cpu_count() or 1))


@pytest.fixture(scope="module")
def auditors(browser):
    source = axe_source()
    made = [Auditor(browser, source) for _ in range(WORKERS)]
    yield made
    for auditor in made:
        auditor.close()


@pytest.fixture(scope="module")
def audits(auditors, site_server):
    """Every page's audit, run once for the module (`audit_all`), by url."""
    return audit_all(auditors, [site_server + path for path in site_pages()])


@pytest.mark.parametrize("path", site_pages(), ids=lambda p: p or "home")
def test_page_has_no_serious_axe_violations(audits, site_server, path):
    found = audits[site_server + path]
    if isinstance(found, Exception):
        raise found
    report = [
        f"{mode}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes: {v['help']}) e.g. "
        + "; ".join(f"{n['target']} -> {n['summary']}" for n in v["nodes"][:3])
        for mode in MODES
        for v in serious(found[mode])
    ]
    assert report == [], f"{path or 'home'}:\n" + "\n".join(report)


def test_axe_finds_a_planted_violation(auditors, site_server):
    """The check can fail: a low-contrast paragraph added to a page is reported as serious."""
    auditor = auditors[0]
    auditor.load(site_server)
    auditor.page.evaluate(
        """() => { const p = document.createElement('p');
          p.textContent = 'grey on white'; p.style.color = '#bbbbbb'; p.style.background = '#ffffff';
          document.querySelector('article').append(p); }"""
    )
    auditor.begin()
    ids = {v["id"] for v in serious(auditor.wait()["light"])}
    assert "color-contrast" in ids, ids


def test_axe_finds_a_planted_390_px_only_violation(auditors, site_server):
    """The 390-px run catches what only a narrow window breaks, both ways `WIDTH_RULES` names:
    a colour a media query makes unreadable, and a nameless button only the narrow layout shows."""
    auditor = auditors[0]
    auditor.load(site_server)
    auditor.page.evaluate(
        """() => {
          const style = document.createElement('style');
          style.textContent = `#rr-planted-button { display: none; }
            @media (max-width: 719.98px) { #rr-planted-text { color: #bbbbbb; }
                                          #rr-planted-button { display: inline; } }`;
          document.head.append(style);
          const p = document.createElement('p');
          p.id = 'rr-planted-text'; p.textContent = 'grey on white at 390 px';
          const b = document.createElement('button');
          b.id = 'rr-planted-button';
          document.querySelector('article').append(p, b); }"""
    )
    auditor.begin()
    found = auditor.wait()
    wide = {v["id"] for mode in ("light", "dark") for v in serious(found[mode])}
    assert not wide & {"color-contrast", "button-name"}, wide  # both are 390-px only
    narrow = {(v["id"], n["target"]) for v in serious(found["390px"]) for n in v["nodes"]}
    assert ("color-contrast", "#rr-planted-text") in narrow, narrow
    assert ("button-name", "#rr-planted-button") in narrow, narrow


if __name__ == "__main__":  # counts per mode for a built site: python tests/test_a11y.py SITE_URL
    import collections
    import sys

    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM

    base = sys.argv[1]
    nodes, rules = collections.Counter(), collections.Counter()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"])
        workers = [Auditor(b, AXE.read_text()) for _ in range(WORKERS)]
        found = audit_all(workers, [base + path for path in site_pages()])
        for path in site_pages():
            for mode, violations in found[base + path].items():
                for v in serious(violations):
                    nodes[mode] += len(v["nodes"])
                    rules[mode, v["id"]] += len(v["nodes"])
                    print(f"{path or 'home'} {mode} {v['id']} {len(v['nodes'])}")
        b.close()
    print("serious/critical nodes per mode:", dict(nodes), "total", sum(nodes.values()))
    for (mode, rule), n in sorted(rules.items()):
        print(f"  {mode:6} {rule:32} {n}")
