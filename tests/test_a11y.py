"""Every page passes axe-core's WCAG 2.1 A/AA rules in light, dark and at 390 px.

axe-core 4.14.1 comes from npm (package.json, package-lock.json; `.ci/run` runs `npm ci`)
and is injected into the built pages by playwright; it is not committed. Where it is
missing the tests skip with the command that installs it; under CI=true they fail.

One page load serves all three modes: axe runs at 1280 px in the light scheme, again
after the palette is switched to dark (as the header's toggle does it; there only its
colour rules, the only ones a scheme can change), and again at 390 px (light) after the
viewport is resized. The bar is the project's: no serious or
critical violation, whoever's markup (ours, Material's, the notebook plugin's) causes it.
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

_RUN_AXE = """async ([tags, rules]) => {
  const only = rules ? {type: 'rule', values: rules} : {type: 'tag', values: tags};
  const result = await axe.run(document, {runOnly: only, resultTypes: ['violations']});
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


def audit(page, url: str) -> dict[str, list[dict]]:
    """axe's violations of `url` in each mode: {"light": [...], "dark": [...], "390px": [...]}.

    `page` has axe-core injected on every navigation (an init script) and a 1280-px viewport.
    """
    page.set_viewport_size(DESKTOP)
    page.goto(url, wait_until="load")
    page.wait_for_function("typeof axe !== 'undefined'")
    load_shown_images(page)
    page.evaluate("document.fonts.ready.then(() => true)")
    found = {}
    page.evaluate(_SCHEME, "default")
    found["light"] = page.evaluate(_RUN_AXE, [TAGS, None])
    page.evaluate(_SCHEME, "slate")
    found["dark"] = page.evaluate(_RUN_AXE, [TAGS, COLOUR_RULES])
    page.evaluate(_SCHEME, "default")
    page.set_viewport_size(PHONE)
    page.evaluate(_SETTLE)
    found["390px"] = page.evaluate(_RUN_AXE, [TAGS, None])
    return found


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BAR]


@pytest.fixture(scope="module")
def axe_page(browser):
    source = axe_source()
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    context.add_init_script(script=source)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("path", site_pages(), ids=lambda p: p or "home")
def test_page_has_no_serious_axe_violations(axe_page, site_server, path):
    found = audit(axe_page, site_server + path)
    report = [
        f"{mode}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes: {v['help']}) e.g. "
        + "; ".join(f"{n['target']} -> {n['summary']}" for n in v["nodes"][:3])
        for mode in MODES
        for v in serious(found[mode])
    ]
    assert report == [], f"{path or 'home'}:\n" + "\n".join(report)


def test_axe_finds_a_planted_violation(axe_page, site_server):
    """The check can fail: a low-contrast paragraph added to a page is reported as serious."""
    page = axe_page
    page.set_viewport_size(DESKTOP)
    page.goto(site_server, wait_until="load")
    page.wait_for_function("typeof axe !== 'undefined'")
    page.evaluate(
        """() => { const p = document.createElement('p');
          p.textContent = 'grey on white'; p.style.color = '#bbbbbb'; p.style.background = '#ffffff';
          document.querySelector('article').append(p); }"""
    )
    ids = {v["id"] for v in serious(page.evaluate(_RUN_AXE, [TAGS, None]))}
    assert "color-contrast" in ids, ids


if __name__ == "__main__":  # counts per mode for a built site: python tests/test_a11y.py SITE_URL
    import collections
    import sys

    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM

    base = sys.argv[1]
    nodes, rules = collections.Counter(), collections.Counter()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"])
        context = b.new_context(viewport=DESKTOP)
        context.add_init_script(script=AXE.read_text())
        page = context.new_page()
        for path in site_pages():
            for mode, violations in audit(page, base + path).items():
                for v in serious(violations):
                    nodes[mode] += len(v["nodes"])
                    rules[mode, v["id"]] += len(v["nodes"])
                    print(f"{path or 'home'} {mode} {v['id']} {len(v['nodes'])}")
        b.close()
    print("serious/critical nodes per mode:", dict(nodes), "total", sum(nodes.values()))
    for (mode, rule), n in sorted(rules.items()):
        print(f"  {mode:6} {rule:32} {n}")
