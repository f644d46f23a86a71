"""The site's pages, read from mkdocs.yml's nav: one list for the tests and the benchmarks."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _sources(nav) -> list[str]:
    out = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        out.extend(_sources(value) if isinstance(value, list) else [value])
    return out


def site_pages() -> list[str]:
    """URL paths of the nav's pages relative to the site root: "", "ewma/", "tutorial/", ..."""
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    paths = []
    for source in _sources(nav):
        stem = source.rsplit(".", 1)[0]
        paths.append("" if stem == "index" else f"{stem}/")
    return paths
