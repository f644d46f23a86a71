"""The site's pages, read from mkdocs.yml's nav by MkDocs itself: one list for the tests and the benchmarks."""

from __future__ import annotations

import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def site_pages() -> list[str]:
    """URL paths of the nav's pages relative to the site root: "", "ewma/", "tutorial/", ...

    MkDocs loads mkdocs.yml, lists docs/, lets the plugins claim their files (mkdocs-jupyter
    turns tutorial.ipynb into the page tutorial/) and builds the navigation, as a build does.
    """
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files
    from mkdocs.structure.nav import get_navigation

    config = load_config(str(ROOT / "mkdocs.yml"))
    files = config.plugins.on_files(get_files(config), config=config)
    return [page.url for page in get_navigation(files, config).pages]
