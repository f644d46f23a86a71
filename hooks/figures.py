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
import re
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


#: A figure linked from a notebook's Markdown, relative to the notebook as the site serves it
_NOTEBOOK_FIGURE = re.compile(r"\]\(\.\./figures/([\w.-]+\.svg)\)")


def on_post_build(config, **kwargs) -> None:
    """Put each figure a downloadable notebook links to into the notebook itself.

    On the site the tutorial's Markdown shows ``../figures/x.svg``; a reader who downloads
    the .ipynb has no such file next to it, and the image would be broken in Jupyter. The
    copy offered for download (site/tutorial/tutorial.ipynb) gets the light figure as a cell
    attachment instead, ``attachment:x.svg``, base64 as Jupyter stores attachments. The
    source notebook in docs/ is not changed.
    """
    import base64
    import json

    from rmsprop_ref.figures import FIGURES

    site, figures = Path(config["site_dir"]), Path(config["docs_dir"]) / "figures"
    for notebook in site.rglob("*.ipynb"):
        nb, changed = json.loads(notebook.read_text(encoding="utf-8")), False
        for cell in nb["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            names = [n for n in _NOTEBOOK_FIGURE.findall(source) if n in FIGURES]
            for name in names:
                data = base64.b64encode((figures / name).read_bytes()).decode("ascii")
                cell.setdefault("attachments", {})[name] = {"image/svg+xml": data}
                source = source.replace(f"](../figures/{name})", f"](attachment:{name})")
            if names:
                cell["source"], changed = source.splitlines(keepends=True), True
        if changed:
            notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
