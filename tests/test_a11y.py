"""Every page passes axe-core's WCAG 2.1 A/AA rules in light, dark and at 390 px.

axe-core 4.14.1 comes from npm (package.json, package-lock.json; `.ci/run` runs `npm ci`)
and is put into the built pages by playwright; it is not committed. Where it is missing
the tests skip with the command that installs it; under CI=true they fail.

One page load serves all three modes: axe runs every WCAG 2.1 A/AA rule at 1280 px in the
light scheme, then, after the palette is switched to dark (as the header's toggle does it),
the rules a scheme can change, and after the viewport is resized to 390 px (light) the rules
a width can change (`page_visits.WIDTH_RULES`, and every rule on what only the narrow layout
shows; the argument is at `WIDTH_RULES`). The bar is the project's: no serious or critical
violation, whoever's markup (ours, Material's, the notebook plugin's) causes it.

The audited load is the page's shared cold visit at 1280 px (tests/page_visits.py), audited
last, after the other tests' readings (which leave the page as loaded); each page's test
reports its own result. The planted violations are audited by the same code on visits of
their own.
"""

from __future__ import annotations

import pytest
from page_visits import AXE, DESKTOP, MODES, audit, axe_source, shared_visits, start
from site_pages import site_pages

pytestmark = pytest.mark.browser
BAR = ("serious", "critical")  # the impacts that fail a page


@pytest.fixture
def visits(site_server):
    """The session's shared page visits (tests/page_visits.py)."""
    return shared_visits(site_server)


@pytest.fixture(scope="module", autouse=True)
def _visits_started(site_server):
    """The shared visits start with this module: the planted checks below run meanwhile."""
    start(site_server)


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BAR]


def _planted(browser, url: str, plant: str) -> dict[str, list[dict]]:
    """`audit` of the page at `url` (1280 px, light, loaded like a shared visit) after `plant` ran in it."""
    from shown_images import load_shown_images

    source = axe_source()
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        load_shown_images(page)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.evaluate(plant)
        return audit(page, source)
    finally:
        context.close()


def test_axe_finds_a_planted_violation(browser, site_server):
    """The check can fail: a low-contrast paragraph added to a page is reported as serious."""
    found = _planted(
        browser,
        site_server,
        """() => { const p = document.createElement('p');
          p.textContent = 'grey on white'; p.style.color = '#bbbbbb'; p.style.background = '#ffffff';
          document.querySelector('article').append(p); }""",
    )
    ids = {v["id"] for v in serious(found["light"])}
    assert "color-contrast" in ids, ids


def test_axe_finds_a_planted_390_px_only_violation(browser, site_server):
    """The 390-px run catches what only a narrow window breaks, both ways `WIDTH_RULES` names:
    a colour a media query makes unreadable, and a nameless button only the narrow layout shows."""
    found = _planted(
        browser,
        site_server,
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
          document.querySelector('article').append(p, b); }""",
    )
    wide = {v["id"] for mode in ("light", "dark") for v in serious(found[mode])}
    assert not wide & {"color-contrast", "button-name"}, wide  # both are 390-px only
    narrow = {(v["id"], n["target"]) for v in serious(found["390px"]) for n in v["nodes"]}
    assert ("color-contrast", "#rr-planted-text") in narrow, narrow
    assert ("button-name", "#rr-planted-button") in narrow, narrow


@pytest.mark.parametrize("path", site_pages(), ids=lambda p: p or "home")
def test_page_has_no_serious_axe_violations(visits, path):
    axe_source()  # skips (or fails under CI=true) without axe-core
    found = visits[(path, 1280, "light")].audit
    report = [
        f"{mode}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes: {v['help']}) e.g. "
        + "; ".join(f"{n['target']} -> {n['summary']}" for n in v["nodes"][:3])
        for mode in MODES
        for v in serious(found[mode])
    ]
    assert report == [], f"{path or 'home'}:\n" + "\n".join(report)


if __name__ == "__main__":  # counts per mode for a built site: python tests/test_a11y.py SITE_URL
    import collections
    import sys

    from playwright.sync_api import sync_playwright
    from shown_images import load_shown_images

    from conftest import CHROMIUM

    base = sys.argv[1]
    nodes, rules = collections.Counter(), collections.Counter()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"])
        for path in site_pages():
            page = b.new_context(viewport=DESKTOP, color_scheme="light").new_page()
            page.goto(base + path, wait_until="load")
            load_shown_images(page)
            page.evaluate("document.fonts.ready.then(() => true)")
            for mode, violations in audit(page, AXE.read_text()).items():
                for v in serious(violations):
                    nodes[mode] += len(v["nodes"])
                    rules[mode, v["id"]] += len(v["nodes"])
                    print(f"{path or 'home'} {mode} {v['id']} {len(v['nodes'])}")
            page.context.close()
        b.close()
    print("serious/critical nodes per mode:", dict(nodes), "total", sum(nodes.values()))
    for (mode, rule), n in sorted(rules.items()):
        print(f"  {mode:6} {rule:32} {n}")
