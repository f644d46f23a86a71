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


#: The session's site build, started in the background once the tests are collected
_background = {}


def _uses_site(item) -> bool:
    return any(name in getattr(item, "fixturenames", ()) for name in ("built_site", "drawn_figures"))


def pytest_collection_modifyitems(session, config, items):
    """Run the test modules that use the built site or the drawn figures last, each module's tests in their order."""
    late = {item.module for item in items if _uses_site(item) and getattr(item, "module", None) is not None}
    items.sort(key=lambda item: getattr(item, "module", None) in late)  # stable: order kept within each group


def pytest_collection_finish(session):
    """Start the session's site build and figure drawing as soon as the tests are known, if any test needs them.

    The build (a subprocess) and the drawing (write_all's worker processes) then run on
    the second core while the first tests run; `built_site` and `drawn_figures` wait for
    them. The tests that use them run last (see `pytest_collection_modifyitems`), so they
    rarely wait.
    """
    import subprocess

    if session.config.option.collectonly:
        return
    factory = session.config._tmp_path_factory  # what tmp_path_factory is, outside a fixture
    if any("drawn_figures" in getattr(item, "fixturenames", ()) for item in session.items):
        _start_drawing(factory.mktemp("figures"))
    if not any("built_site" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    out, logs = factory.mktemp("site"), factory.mktemp("site-log")
    log = open(logs / "build.log", "w+", encoding="utf-8")  # a file, not a pipe: nothing must read it meanwhile
    proc = subprocess.Popen(
        _build_command(out), cwd=ROOT_DIR, stdout=log, stderr=subprocess.STDOUT, text=True, env=_BUILD_ENV
    )
    _background.update(out=out, proc=proc, log=log)


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
    if "drawing" in _background:
        _background["drawing"].join()  # its worker processes end with it
    proc = _background.pop("proc", None)
    if proc is not None and proc.poll() is None:  # no test asked for the site after all (-x, -k)
        proc.kill()
        proc.wait()
    if "log" in _background:
        _background.pop("log").close()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """`mkdocs build --strict` into a temporary folder, once per session (started in the background)."""
    if "proc" in _background:
        out, log_file = _background["out"], _background["log"]
        code = _background["proc"].wait()
        log_file.seek(0)
        log = log_file.read()
    else:
        out = tmp_path_factory.mktemp("site")
        code, log = mkdocs_build(out)
    if code != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{log}", pytrace=False)
    return BuiltSite(out, log)


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
