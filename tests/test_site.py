"""The site builds strictly, and what it serves is self-contained.

The build runs once per test session into a temporary folder (shared with the browser
tests through the ``built_site`` fixture in conftest.py).
"""

from __future__ import annotations

import re

import pytest
from site_pages import site_pages

pytestmark = pytest.mark.usefixtures("built_site")


def test_strict_build_has_no_warnings(built_site):
    log = built_site.log
    assert "WARNING" not in log, log
    assert "Documentation built" in log


def test_every_page_and_figure_is_there(built_site):
    site = built_site.path
    pages = site_pages()
    assert len(pages) >= 10 and "" in pages and "tutorial/" in pages, pages
    for page in pages:
        assert (site / page / "index.html").is_file(), page
    from rmsprop_ref.figures import FIGURES

    for name in FIGURES:
        svg = site / "figures" / name
        assert svg.is_file() and svg.stat().st_size > 1000, name
    assert (site / "tutorial" / "tutorial.ipynb").is_file()  # downloadable notebook


def _pages(site):
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.parts)


def test_math_is_mathml_and_no_tex_is_left(built_site):
    hidden = re.compile(r"<(pre|code|annotation|script|style)\b.*?</\1>", re.S)
    for page in _pages(built_site.path):
        html = page.read_text()
        assert 'class="arithmatex"' not in html, page
        assert "MathJax.Hub" not in html and 'src=""' not in html, page
        # Raw TeX anywhere a reader sees text (a heading's TeX reaches the TOC unconverted).
        visible = hidden.sub("", html)
        for tex in ("\\(", "\\[", "\\frac", "\\sqrt"):
            assert tex not in visible, (
                f"{page}: raw TeX {tex!r} near ...{visible[max(0, visible.find(tex) - 80) : visible.find(tex) + 40]}..."
            )
    for name in ("ewma", "adagrad", "rmsprop", "tutorial", "api"):
        assert "<math" in (built_site.path / name / "index.html").read_text(), name


def test_every_image_has_alt_text(built_site):
    images = 0
    for page in _pages(built_site.path):
        for tag in re.findall(r"<img\b[^>]*>", page.read_text()):
            images += 1
            alt = re.search(r'alt="([^"]*)"', tag)
            assert alt and len(alt.group(1)) > 20, f"{page}: {tag[:200]}"
    assert images >= 8


def test_no_third_party_scripts_styles_or_fonts(built_site):
    # Links to other sites are fine (the repository); loading anything from them is not.
    pattern = re.compile(r"<(?:script|link|img|iframe)\b[^>]*(?:src|href)=\"(https?:)?//", re.I)
    for page in _pages(built_site.path):
        html = page.read_text()
        for m in pattern.finditer(html):
            tag = html[m.start() : html.find(">", m.start()) + 1]
            assert 'rel="canonical"' in tag, f"{page}: {tag}"
        assert "fonts.googleapis" not in html, page


@pytest.mark.parametrize(
    ("page", "source"),
    [("ewma", "def ewma("), ("adagrad", "def adagrad_update("), ("rmsprop", "def rmsprop_update(")],
)
def test_included_source_is_on_the_page(built_site, page, source):
    # The page shows the package's code through a --8<-- include; if the include line is
    # mangled the build would still pass, showing the raw line instead of the code.
    html = re.sub(r"<[^>]+>", "", (built_site.path / page / "index.html").read_text())
    assert source in html.replace("&lt;", "<").replace("&gt;", ">")
    assert "--8&lt;--" not in html and "--8<--" not in html


def test_rebuild_with_nothing_changed_redoes_nothing(built_site, tmp_path):
    """A second build reuses the figures and the executed notebook, and gives the same bytes."""
    from conftest import mkdocs_build

    code, log = mkdocs_build(tmp_path)
    assert code == 0, log
    assert "figures up to date" in log and "0 rewritten" in log, log
    assert "Cache hit" in log and "Converting notebook" not in log, log
    for svg in (built_site.path / "figures").glob("*.svg"):
        assert (tmp_path / "figures" / svg.name).read_bytes() == svg.read_bytes(), svg.name
    assert (tmp_path / "tutorial" / "index.html").read_bytes() == (
        built_site.path / "tutorial" / "index.html"
    ).read_bytes()
