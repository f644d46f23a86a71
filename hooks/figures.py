"""MkDocs hook: draw the figures from rmsprop_ref before each build, and serve each
figure in the reader's colour scheme and at the reader's width.

Files are rewritten only when their bytes change, so a rebuild with nothing changed
touches nothing and `mkdocs serve` does not rebuild in a loop on its own output.

A page writes a figure as a plain ``![alt](figures/x.svg)``. `on_page_content` turns
that image into two ``<picture>`` elements, one per Material colour scheme (the CSS in
docs/stylesheets/extra.css shows the one matching ``data-md-color-scheme``), each with a
``<source>`` for the narrow variant (panels stacked) below `NARROW_MEDIA`. Both keep
the page's alt text.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.figures")

#: Below this viewport width the wide figures would scale their 10-pt text under 9 CSS
#: px (Material's content column is 568 px at 600 px, 688 px from 720 px on); there
#: the narrow variant, 345.6 px wide with its panels stacked, is served instead.
NARROW_MEDIA = "(max-width: 719.98px)"

_IMG = re.compile(r'<img\b(?P<attrs>[^>]*?)\bsrc="(?P<dir>[^"]*?figures/)(?P<stem>[\w.-]+?)\.svg"(?P<rest>[^>]*?)/?>')


def on_pre_build(config, **kwargs) -> None:
    from rmsprop_ref.figures import write_all

    start = time.perf_counter()
    out = Path(config["docs_dir"]) / "figures"
    written = write_all(out, log=log.info)  # progress per figure on a cold build
    log.info(f"figures: {len(written)} rewritten in {out} ({time.perf_counter() - start:.1f} s)")


def picture_html(img: re.Match) -> str:
    """The two ``<picture>`` elements (light, dark) replacing one figure's ``<img>``."""
    attrs = (img["attrs"] + img["rest"]).strip()
    out = []
    for scheme, suffix in (("light", ""), ("dark", "-dark")):
        base = f"{img['dir']}{img['stem']}"
        out.append(
            f'<picture class="rr-figure rr-figure--{scheme}">'
            f'<source media="{NARROW_MEDIA}" srcset="{base}-narrow{suffix}.svg">'
            f'<img {attrs} src="{base}{suffix}.svg"></picture>'
        )
    return "".join(out)


def on_page_content(html: str, page, config, files, **kwargs) -> str:
    from rmsprop_ref.figures import FIGURES

    # Only the package's figures have variants; any other SVG stays a plain image.
    return _IMG.sub(lambda m: picture_html(m) if f"{m['stem']}.svg" in FIGURES else m[0], html)
