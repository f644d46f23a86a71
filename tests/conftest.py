"""Shared test helpers.

Frameworks used as references (torch, keras, pandas) and the browser are optional on a
developer's machine: tests that need them skip with the reason. Under CI=true they are
required, and a missing one fails the run instead of skipping it silently.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

# The `claim` fixture of the claim tests (test_claim_NAME reads its tagged sentence from the
# page) and the hook that fails a claim test which left a printed number unused: tests/claims.py.
from claims import claim, pytest_runtest_call  # noqa: F401

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ROOT_DIR = Path(__file__).resolve().parents[1]

try:
    from hypothesis import settings as _hypothesis_settings

    # In CI the property tests draw the same examples on every run, so a red build is
    # reproducible; on a developer's machine they keep exploring new ones.
    _hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    if IN_CI:
        _hypothesis_settings.load_profile("ci")
except ImportError:  # hypothesis is a test extra; the tests that need it say so
    pass


def require(module: str, why: str = ""):
    """Import `module`, or skip (developer machine) / fail (CI=true) with the reason."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = f"{module} is not installed ({exc}); {why or 'install the test extras: make test'}"
        if IN_CI:
            pytest.fail(f"CI=true requires {msg}", pytrace=False)
        pytest.skip(msg, allow_module_level=True)


def load_file(path, name: str):
    """Import the Python file at `path` as a fresh module called `name`.

    For files that are not importable by name: the MkDocs hooks, the repository root's
    conftest.py (pytest already holds a module called "conftest", this one) and test
    modules loaded for inspection.
    """
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuiltSite:
    def __init__(self, path, log):
        self.path = path
        self.log = log


def _build_command(site_dir) -> list[str]:
    import sys

    return [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]


_BUILD_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def mkdocs_build(site_dir) -> tuple[int, str]:
    """Run `mkdocs build --strict` of this repository into site_dir; return (exit code, log)."""
    import subprocess

    proc = subprocess.run(_build_command(site_dir), cwd=ROOT_DIR, capture_output=True, text=True, env=_BUILD_ENV)
    return proc.returncode, proc.stdout + proc.stderr


#: The session's background work: the site build and the figure drawing
_background = {}


def _uses_site(item) -> bool:
    return any(name in getattr(item, "fixturenames", ()) for name in ("built_site", "drawn_figures"))


def pytest_collection_modifyitems(session, config, items):
    """Run the test modules that use the built site or the drawn figures last; each module's
    tests keep their order."""
    late = {item.module for item in items if _uses_site(item) and getattr(item, "module", None) is not None}
    items.sort(key=lambda item: getattr(item, "module", None) in late)  # stable: order kept within each group


def pytest_collection_finish(session):
    """Start the site build and the figure drawing as soon as the tests are known, if any test needs them.

    They run in threads that wait on other processes (the build's, write_all's workers),
    on the second core while the first tests run; `built_site` and `drawn_figures` wait
    for them. The tests that use them run last, so they rarely wait.
    """
    config = session.config
    if config.option.collectonly:
        return
    fixtures = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    factory = config._tmp_path_factory  # what tmp_path_factory is, outside a fixture
    if "drawn_figures" in fixtures:
        _start_drawing(factory.mktemp("figures"))
    if "built_site" in fixtures:
        _start_build(factory.mktemp("site"))


def _start_build(out):
    """`mkdocs build --strict` into the empty folder `out`, in a thread that waits for it."""
    import threading

    def build():
        try:
            _background["built"] = (out, *mkdocs_build(out))
        except BaseException as exc:  # handed to the test that asks for the site
            _background["build_error"] = exc

    thread = threading.Thread(target=build, name="build-site", daemon=True)
    thread.start()
    _background.update(building=thread)


def _start_drawing(out):
    """`write_all` of every figure into the empty folder `out`, in a thread of this process.

    The drawing itself happens in write_all's worker processes; the thread only waits
    for them, so the tests go on meanwhile. `drawn_figures` waits for the thread.
    """
    import threading

    result = {"path": out, "logged": []}

    def draw():
        try:
            from rmsprop_ref import figures

            result["written"] = figures.write_all(out, log=result["logged"].append)
        except BaseException as exc:  # handed to the test that asks for the figures
            result["error"] = exc

    thread = threading.Thread(target=draw, name="draw-figures", daemon=True)
    thread.start()
    _background.update(drawing=thread, drawn=result)


@pytest.fixture(scope="session")
def drawn_figures(tmp_path_factory):
    """Every figure written once by `write_all` into a fresh folder: path, written, logged.

    Started in the background when the tests are collected (see `pytest_collection_finish`).
    """
    from types import SimpleNamespace

    require("matplotlib", "figures need matplotlib (the docs extra)")
    if "drawing" not in _background:
        _start_drawing(tmp_path_factory.mktemp("figures"))
    _background["drawing"].join()
    result = _background["drawn"]
    if "error" in result:
        raise result["error"]
    return SimpleNamespace(path=result["path"], written=result["written"], logged=result["logged"])


def pytest_sessionfinish(session):
    for name in ("drawing", "building"):  # their processes end with them
        if name in _background:
            _background[name].join()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """`mkdocs build --strict` into a temporary folder, once per session (started in the background)."""
    if "building" not in _background:
        _start_build(tmp_path_factory.mktemp("site"))
    _background["building"].join()
    if "build_error" in _background:
        raise _background["build_error"]
    site, code, log = _background["built"]
    if code != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{log}", pytrace=False)
    return BuiltSite(site, log)


#: The path the site is served under on GitHub Pages (site_url's path); the tests serve
#: it under the same prefix so absolute links (the 404 page uses them) resolve.
SITE_PREFIX = "/rmsprop_ref/"


@pytest.fixture(scope="session")
def site_server(built_site):
    """Serve the built site on 127.0.0.1 at a free port, under SITE_PREFIX; 404s get 404.html."""
    import functools
    import http.server
    import threading

    root = built_site.path

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            if not path.startswith(SITE_PREFIX):
                return str(root / "__outside_the_site__")
            return super().translate_path("/" + path[len(SITE_PREFIX) :])

        def send_error(self, code, message=None, explain=None):
            if code != 404:
                return super().send_error(code, message, explain)
            body = (root / "404.html").read_bytes()  # what GitHub Pages serves for a missing page
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def end_headers(self):
            # LinkChecker spaces its requests to one host 0.1-0.6 s apart (about 60 s for the
            # site's ~180 URLs) unless the server answers with this header; then it keeps to
            # its maxrequestspersecond, which the link check sets high. This server is ours.
            self.send_header("LinkChecker", "throttling not needed")
            super().end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SITE_PREFIX}"
    server.shutdown()


#: The Chromium binary the browser tests drive (Debian's by default).
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through playwright, one per test module; skip locally, fail under CI=true."""
    import shutil

    sync_api = require("playwright.sync_api", "the browser tests drive Chromium with playwright")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        msg = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM=/path)"
        if IN_CI:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    with sync_api.sync_playwright() as p:
        # Without the background-networking flags Chromium tries to reach Google's hosts.
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield b
        b.close()


def parity_grad(params, t, seed):
    """A noisy quadratic's gradient for the parity tests.

    It depends on the parameters (so the trajectories feed back) plus noise that differs
    per step and per coordinate; the same (t, seed) gives the same noise on both sides.
    """
    import numpy as np

    rng = np.random.default_rng(seed + t)
    return [0.7 * p + rng.normal(scale=1.0, size=p.shape) for p in params]


def compare_with_torch(ours_cls, torch_cls, kwargs, torch_kwargs=None, shapes=((5, 3), (7,)), steps=120, seed=0):
    """Run rmsprop_ref's `ours_cls(**kwargs)` and `torch_cls(**torch_kwargs)` side by side in
    float64 on `parity_grad`, assert the parameters agree to 1e-9 relative, return both optimizers."""
    import numpy as np

    torch = require("torch", "parity tests compare against torch.optim")
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=s) for s in shapes]
    ours = [p.copy() for p in start]
    opt = ours_cls(ours, **kwargs)
    theirs = [torch.tensor(p.copy(), dtype=torch.float64) for p in start]
    topt = torch_cls(theirs, **(kwargs if torch_kwargs is None else torch_kwargs))
    for t in range(steps):
        opt.step(parity_grad(ours, t, seed))
        for tp, g in zip(theirs, parity_grad([tp.numpy() for tp in theirs], t, seed)):
            tp.grad = torch.from_numpy(g)
        topt.step()
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p, tp.numpy(), rtol=1e-9, atol=1e-12)
    return opt, topt


class Visit:
    """A page in a fresh browser context that records every request, failure and console error.

    It waits for the load event. A test that checks requests made after it (a search index,
    a font) passes wait_until="networkidle" (half a second without requests); one that checks
    images or layout calls `settle()`.
    """

    def __init__(self, browser, url, width=1280, wait_until="load", **context_args):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, **context_args)
        self.page = self.context.new_page()
        self.requests, self.failed, self.errors = [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} (HTTP {r.status})"))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url, wait_until=wait_until)

    def settle(self):
        """Wait until every shown image has loaded or failed (lazy ones too) and the fonts are ready."""
        from shown_images import load_shown_images

        load_shown_images(self.page)
        self.page.evaluate("document.fonts.ready.then(() => true)")

    def foreign(self, base):
        """Requests to any host other than `base`'s (data: URLs aside)."""
        from urllib.parse import urlparse

        host = urlparse(base).netloc
        return [u for u in self.requests if urlparse(u).netloc not in (host, "") and not u.startswith("data:")]

    def close(self):
        self.context.close()
