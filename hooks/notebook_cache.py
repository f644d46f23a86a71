"""MkDocs hook: let mkdocs-jupyter cache executed notebooks without serving stale output.

mkdocs-jupyter keys its cache on the notebook file and its own options only, so after
a change to rmsprop_ref it would show output computed by the old code. Here the cache
folder is named after rmsprop_ref.figures.source_hash() (package source, numpy,
matplotlib and Python versions): any
change there means a fresh folder, so the notebook runs again; with nothing changed, a
rebuild reuses the result instead of running the notebook again.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from rmsprop_ref.figures import source_hash

log = logging.getLogger("mkdocs.hooks.notebook_cache")


def on_config(config, **kwargs):
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None or not plugin.config["cache"]:
        return config
    root = Path(config.config_file_path).parent
    base = root / ".cache" / "mkdocs-jupyter"
    key = source_hash()
    for old in base.glob("pkg-*"):  # caches made with other package code can never hit again
        if old.name != f"pkg-{key}":
            shutil.rmtree(old, ignore_errors=True)
    plugin.config["cache_dir"] = str(base / f"pkg-{key}")
    log.debug(f"notebook cache: {plugin.config['cache_dir']}")
    return config
