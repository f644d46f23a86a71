"""Shared test helpers.

Frameworks used as references (torch, keras, pandas) and the browser are optional on a
developer's machine: tests that need them skip with the reason. Under CI=true they are
required, and a missing one fails the run instead of skipping it silently.
"""

from __future__ import annotations

import importlib
import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(module: str, why: str = ""):
    """Import `module`, or skip (developer machine) / fail (CI=true) with the reason."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = f"{module} is not installed ({exc}); {why or 'install the test extras: make test'}"
        if IN_CI:
            pytest.fail(f"CI=true requires {msg}", pytrace=False)
        pytest.skip(msg, allow_module_level=True)


class BuiltSite:
    def __init__(self, path, log):
        self.path = path
        self.log = log


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """`mkdocs build --strict` into a temporary folder, once per session."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{log}", pytrace=False)
    return BuiltSite(out, log)
