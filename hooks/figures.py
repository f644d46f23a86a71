"""MkDocs hook: draw the figures from rmsprop_ref before each build.

Files are rewritten only when their bytes change, so a rebuild with nothing changed
touches nothing and `mkdocs serve` does not rebuild in a loop on its own output.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.figures")


def on_pre_build(config, **kwargs) -> None:
    from rmsprop_ref.figures import write_all

    start = time.perf_counter()
    out = Path(config["docs_dir"]) / "figures"
    written = write_all(out, log=log.info)  # progress per figure on a cold build
    log.info(f"figures: {len(written)} rewritten in {out} ({time.perf_counter() - start:.1f} s)")
