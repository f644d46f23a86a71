"""MkDocs hook: draw the figures from rmsprop_ref before each build, and serve each
figure in the reader's colour scheme and at the reader's width, fetching only that one.

Files are rewritten only when their bytes change, so a rebuild with nothing changed
touches nothing and `mkdocs serve` does not rebuild in a loop on its own output.

A page writes a figure as a plain ``![alt](figures/x.svg)``. `on_page_content` turns
that image into two ``<picture>`` elements, one per Material colour scheme (the CSS in
docs/stylesheets/extra.css shows the one matching ``data-md-color-scheme``), each with a
``<source>`` for the narrow variant (panels stacked) below `NARROW_MEDIA`. Both keep
the page's alt text. A picture fetches only the source its media query picks, and
``loading="lazy"`` keeps the browser from fetching the hidden scheme's picture at all
(an image that is not displayed never nears the viewport); the toggle displays the
other one, which loads then. The page is parsed as HTML (BeautifulSoup), not searched
with a regular expression.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path, PurePosixPath

from bs4 import BeautifulSoup

log = logging.getLogger("mkdocs.hooks.figures")

#: Below this viewport width the wide figures would scale their 10-pt text under 9 CSS
#: px (Material's content column is 568 px at 600 px, 688 px from 720 px on); there
#: the narrow variant, 345.6 px wide with its panels stacked, is served instead.
NARROW_MEDIA = "(max-width: 719.98px)"

_VARIANTS = (("light", ""), ("dark", "-dark"))


def on_pre_build(config, **kwargs) -> None:
    from rmsprop_ref.figures import write_all

    start = time.perf_counter()
    out = Path(config["docs_dir"]) / "figures"
    written = write_all(out, log=log.info)  # progress per figure on a cold build
    log.info(f"figures: {len(written)} rewritten in {out} ({time.perf_counter() - start:.1f} s)")


def pictures(img, soup) -> list:
    """The two ``<picture>`` elements (light, dark) replacing one figure's ``<img>``."""
    base = img["src"].removesuffix(".svg")
    out = []
    for scheme, suffix in _VARIANTS:
        picture = soup.new_tag("picture", attrs={"class": f"rr-figure rr-figure--{scheme}"})
        picture.append(soup.new_tag("source", attrs={"media": NARROW_MEDIA, "srcset": f"{base}-narrow{suffix}.svg"}))
        attrs = {**img.attrs, "src": f"{base}{suffix}.svg", "loading": "lazy"}
        picture.append(soup.new_tag("img", attrs=attrs))
        out.append(picture)
    return out


def on_page_content(html: str, page, config, files, **kwargs) -> str:
    from rmsprop_ref.figures import FIGURES

    if "figures/" not in html:
        return html
    soup = BeautifulSoup(html, "html.parser")
    # Only the package's figures have variants; any other SVG stays a plain image.
    figures = [
        img
        for img in soup.find_all("img", src=True)
        if PurePosixPath(img["src"]).parent.name == "figures" and PurePosixPath(img["src"]).name in FIGURES
    ]
    for img in figures:
        img.replace_with(*pictures(img, soup))
    return soup.decode(formatter="minimal") if figures else html
