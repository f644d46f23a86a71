"""The site builds strictly, and what it serves is self-contained.

The build runs once per test session into a temporary folder (shared with the browser
tests through the ``built_site`` fixture in conftest.py).
"""

from __future__ import annotations

import functools

import pytest
from bs4 import BeautifulSoup, NavigableString
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


def test_downloaded_notebook_carries_its_figures(built_site):
    """The .ipynb offered for download shows its figures in Jupyter, away from the site: every
    image of its Markdown is a cell attachment holding the site's light figure, and the rest of
    the notebook is the source notebook's."""
    import base64
    import json
    import re

    import nbformat

    site = built_site.path
    served = nbformat.reads((site / "tutorial" / "tutorial.ipynb").read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(served)
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs"
    source = json.loads((docs / "tutorial.ipynb").read_text(encoding="utf-8"))
    assert [c["cell_type"] for c in served.cells] == [c["cell_type"] for c in source["cells"]]
    images = 0
    for cell, original in zip(served.cells, source["cells"]):
        if cell.cell_type != "markdown":
            assert cell.source == "".join(original["source"])
            continue
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", cell.source):
            images += 1
            name = target.removeprefix("attachment:")
            assert target == f"attachment:{name}", f"image {target!r} is a file the download does not have"
            assert f"](../figures/{name})" in "".join(original["source"])
            data = base64.b64decode(cell.attachments[name]["image/svg+xml"])
            assert data == (site / "figures" / name).read_bytes(), name
    assert images >= 1


def _pages(site):
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.parts)


@functools.cache
def _soup(page) -> BeautifulSoup:
    """The parsed page, parsed once for all the tests here (they only read it)."""
    return BeautifulSoup(page.read_text(), "html.parser")


@functools.cache
def _serialised(page) -> str:
    return str(_soup(page))


@pytest.fixture(scope="module", autouse=True)
def _forget_parsed_pages():
    yield
    _soup.cache_clear()  # the parsed pages are large; no other module uses them
    _serialised.cache_clear()


def _text_outside(soup: BeautifulSoup, names: list[str]) -> str:
    """``soup.get_text()`` as it would be with every element called one of `names` removed,
    without removing them (the parsed page is shared)."""
    hidden = {id(s) for el in soup.find_all(names) for s in el.descendants if isinstance(s, NavigableString)}
    return "".join(s for s in soup.strings if id(s) not in hidden)


def test_math_is_mathml_and_no_tex_is_left(built_site):
    for page in _pages(built_site.path):
        soup = _soup(page)
        assert not soup.select(".arithmatex"), page
        assert "MathJax.Hub" not in _serialised(page) and not soup.select('[src=""]'), page
        # Raw TeX anywhere a reader sees text (a heading's TeX reaches the TOC unconverted):
        # the text outside code, MathML's TeX annotation, scripts and styles.
        visible = _text_outside(soup, ["pre", "code", "annotation", "script", "style"])
        for tex in ("\\(", "\\[", "\\frac", "\\sqrt"):
            assert tex not in visible, (
                f"{page}: raw TeX {tex!r} near ...{visible[max(0, visible.find(tex) - 80) : visible.find(tex) + 40]}..."
            )
    for name in ("ewma", "adagrad", "rmsprop", "tutorial", "api/optimizers"):
        assert _soup(built_site.path / name / "index.html").find("math"), name


def test_every_image_has_alt_text(built_site):
    images = 0
    for page in _pages(built_site.path):
        for img in _soup(page).find_all("img"):
            images += 1
            assert len(img.get("alt", "")) > 20, f"{page}: {str(img)[:200]}"
    assert images >= 8


def test_no_third_party_scripts_styles_or_fonts(built_site):
    # Links to other sites are fine (the repository); loading anything from them is not.
    for page in _pages(built_site.path):
        soup = _soup(page)
        for tag in soup.find_all(["script", "link", "img", "iframe", "source"]):
            for attr in ("src", "href", "srcset"):
                url = tag.get(attr, "").strip().lower()
                if url.startswith(("http:", "https:", "//")):
                    assert "canonical" in tag.get("rel", []), f"{page}: {tag}"
        assert "fonts.googleapis" not in _serialised(page), page


@pytest.mark.parametrize(
    ("page", "source"),
    [("ewma", "def ewma("), ("adagrad", "def adagrad_update("), ("rmsprop", "def rmsprop_update(")],
)
def test_included_source_is_on_the_page(built_site, page, source):
    # The page shows the package's code through a --8<-- include; if the include line is
    # mangled the build would still pass, showing the raw line instead of the code.
    text = _soup(built_site.path / page / "index.html").get_text()
    assert source in text
    assert "--8<--" not in text


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
