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

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Two workers already keep both cores busy. Left at one OpenMP/BLAS thread per core,
    # torch's and OpenBLAS's threads spin-wait for cores the other worker holds: torch's
    # sparse-Adagrad parity cases took 2-4 s each instead of 0.1 s. Set before any test
    # module imports torch or numpy's BLAS starts its threads; results do not depend on it.
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
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


#: The session's background work (the site build, the figure drawing): the threads this
#: process started, by job name.
_background = {}

#: How long a process waits for a job another process of the run owns.
_WAIT_LIMIT_S = 20 * 60


def _uses_site(item) -> bool:
    return any(name in getattr(item, "fixturenames", ()) for name in ("built_site", "drawn_figures"))


def pytest_collection_modifyitems(session, config, items):
    """Run the test modules that use the built site or the drawn figures last; each module's
    tests keep their order.

    In a pytest-xdist worker the modules of the shared page visits (`PAGE_VISITS`, the longest
    group) go first instead: the scheduler hands the first module to one worker, which waits
    for the site build and then makes the visits while the other worker runs the rest.
    """
    late = {item.module for item in items if _uses_site(item) and getattr(item, "module", None) is not None}
    first = hasattr(config, "workerinput")

    def rank(item) -> int:
        if first and item.path.name in PAGE_VISITS:
            return 0
        return 2 if getattr(item, "module", None) in late else 1

    items.sort(key=rank)  # stable: order kept within each module


#: The browser modules that read the session's shared page visits (tests/page_visits.py,
#: made once per process): one pytest-xdist worker runs them all.
PAGE_VISITS = ("test_a11y.py", "test_browser.py", "test_browser_figures.py", "test_browser_math.py")

#: Modules that share a per-process memoised study or visit run in one pytest-xdist worker,
#: so it is made once: module file name -> group name.
XDIST_GROUPS: dict[str, str] = dict.fromkeys(PAGE_VISITS, "page visits")
# The toy study and its tuned rates, tune_adam and the airfoil study (rmsprop_ref.compare,
# airfoil; functools.cache): about 39 s in one process against 90 s when each module makes
# its own (measured under the lock, 2026-12-03).
XDIST_GROUPS.update(
    dict.fromkeys(
        (
            "test_claims_choosing.py", "test_claims_airfoil.py", "test_airfoil.py", "test_claims_comparison.py",
            "test_claims_adagrad.py", "choosing.md", "comparison.md", "airfoil.md",
        ),
        "studies",
    )
)  # fmt: skip
# With them: the modules that share glove.study, sparse_study, papers.reddi_runs and
# wilson_study with test_claims_choosing (about 6.7 CPU-s when each process makes its own),
# and the modules that import Keras 3 (about 2.7 CPU-s per process): one import.
XDIST_GROUPS.update(
    dict.fromkeys(
        (
            "test_claims_sparse.py", "sparse.md", "test_claims_papers.py", "papers.md",
            "test_parity_keras.py", "test_parity_adam.py", "test_claims_adam.py", "test_claims_pitfalls.py",
            "frameworks.md",
        ),
        "studies",
    )
)  # fmt: skip


def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist's default distribution (`make test` runs `-n 2`), send each test
    module whole to one worker (its module fixtures, a browser or a page's audits, are made
    once), and the modules of one `XDIST_GROUPS` group to the same worker.

    Not `--dist loadgroup`: with pytest 9.2 and xdist 3.8 its groups are ignored (xdist sets
    `item._nodeid`, which pytest 9.2 no longer reads), so tests of one module were split.
    """
    if config.getvalue("dist") != "load":
        return None  # a distribution the user asked for by name
    from xdist.scheduler import LoadScopeScheduling

    # In the order pytest_collection_modifyitems gives (the page visits first, the other
    # modules that wait for the site last), not reordered by each module's number of tests.
    config.option.loadscopereorder = False

    class ModuleGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return XDIST_GROUPS.get(Path(module).name, module)

    return ModuleGroups(config, log)


def _run_dir(config) -> Path:
    """A folder every process of this run shares: pytest's basetemp; an xdist worker's
    basetemp is a subfolder of the controller's."""
    base = config._tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


def _own(config, job: str) -> Path | None:
    """The empty folder for the run's one `job` if this process is the first to ask, else None.

    Each xdist worker collects every test, so each would start the build; the first to
    create the marker file does it, the others wait for its result file (`_result`).
    """
    run = _run_dir(config)
    try:
        os.close(os.open(run / f"{job}.owner", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return None
    (run / job).mkdir()
    return run / job


def _publish(out: Path, result: dict) -> None:
    """Write a job's result next to its folder, atomically: `_result` reads it whole or not at all."""
    import json

    tmp = out.with_name(f"{out.name}.json.tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, out.with_name(f"{out.name}.json"))


def _result(config, job: str) -> tuple[Path, dict]:
    """Wait for the run's `job` (started here or in another worker) and return (folder, result)."""
    import json
    import time

    if job in _background:
        _background[job].join()
    run = _run_dir(config)
    done, deadline = run / f"{job}.json", time.monotonic() + _WAIT_LIMIT_S
    while not done.is_file():
        if not (run / f"{job}.owner").exists():
            pytest.fail(f"nobody in this run started the {job} job", pytrace=False)
        if time.monotonic() > deadline:
            pytest.fail(f"the {job} job of another worker gave no result in {_WAIT_LIMIT_S} s", pytrace=False)
        time.sleep(0.1)
    return run / job, json.loads(done.read_text())


def pytest_collection_finish(session):
    """Start the site build and the figure drawing as soon as the tests are known, if any test needs them.

    They run in threads that wait on other processes (the build's, write_all's workers),
    on the second core while the first tests run; `built_site` and `drawn_figures` wait
    for them. The tests that use them run last, so they rarely wait. Under xdist, one
    worker runs each (`_own`).
    """
    config = session.config
    if config.option.collectonly:
        return
    fixtures = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    if "drawn_figures" in fixtures:
        _start_drawing(config)
    if "built_site" in fixtures:
        _start_build(config)


def _start_build(config):
    """`mkdocs build --strict` into the run's empty `site` folder, in a thread that waits for it."""
    import threading
    import traceback

    out = _own(config, "site")
    if out is None:
        return

    def build():
        try:
            code, log = mkdocs_build(out)
            _publish(out, {"code": code, "log": log})
        except BaseException:  # handed to the test that asks for the site
            _publish(out, {"error": traceback.format_exc()})

    _background["site"] = threading.Thread(target=build, name="build-site", daemon=True)
    _background["site"].start()


def _start_drawing(config):
    """`write_all` of every figure into the run's empty `figures` folder, in a thread of this process.

    The drawing itself happens in write_all's worker processes; the thread only waits
    for them, so the tests go on meanwhile. `drawn_figures` waits for the thread.
    """
    import threading
    import traceback

    out = _own(config, "figures")
    if out is None:
        return

    def draw():
        logged = []
        try:
            from rmsprop_ref import figures

            written = figures.write_all(out, log=logged.append)
            _publish(out, {"written": [p.name for p in written], "logged": logged})
        except BaseException:  # handed to the test that asks for the figures
            _publish(out, {"error": traceback.format_exc()})

    _background["figures"] = threading.Thread(target=draw, name="draw-figures", daemon=True)
    _background["figures"].start()


@pytest.fixture(scope="session")
def drawn_figures(request):
    """Every figure written once by `write_all` into a fresh folder: path, written, logged.

    Started in the background when the tests are collected (see `pytest_collection_finish`).
    """
    from types import SimpleNamespace

    require("matplotlib", "figures need matplotlib (the docs extra)")
    if not (_run_dir(request.config) / "figures.owner").exists():
        _start_drawing(request.config)
    path, result = _result(request.config, "figures")
    if "error" in result:
        pytest.fail(f"drawing the figures failed:\n{result['error']}", pytrace=False)
    return SimpleNamespace(path=path, written=[path / name for name in result["written"]], logged=result["logged"])


def pytest_sessionfinish(session):
    for thread in _background.values():  # their processes end with them
        thread.join()


@pytest.fixture(scope="session")
def built_site(request):
    """`mkdocs build --strict` into a temporary folder, once per run (started in the background)."""
    if not (_run_dir(request.config) / "site.owner").exists():
        _start_build(request.config)
    site, result = _result(request.config, "site")
    if "error" in result:
        pytest.fail(f"mkdocs build --strict raised:\n{result['error']}", pytrace=False)
    if result["code"] != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result['log']}", pytrace=False)
    return BuiltSite(site, result["log"])


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


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through playwright, one per process (a launch and close cost about a
    CPU-second); each test opens contexts of its own. Skips locally, fails under CI=true."""
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
