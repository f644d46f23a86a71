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
