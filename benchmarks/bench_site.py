"""Measure the site: build times and what each page weighs in a browser.

Run:  python benchmarks/bench_site.py        (needs the docs extras; Chromium for page weights)

Prints
- cold build: no .cache, no figures, fresh site folder (figures drawn, notebook executed);
- warm rebuild: the same command again with nothing changed;
- plain build: the same pages as plain Markdown, nothing drawn or executed (figure hook
  off, notebook not executed), as the baseline for the warm/plain ratio;
- transferred bytes of each page on a cold load in Chromium (uncompressed size of
  everything it fetches, the search index excepted), every figure it shows loaded (they
  are lazy: as a reader scrolling to the end would);
- the explorer page: its cold-load weight, the site's own JavaScript (everything the
  page loads outside Material's assets/), and its time to interactive (from navigation
  start to the explorer drawn and answering input; median of 5 cold loads).
Targets on the 2-core machine: cold <= 30 s, warm <= 1.5 x plain, every page <= 600 KB;
explorer <= 600 KB, own JS <= 40 KB, interactive <= 1 s.
Only the explorer numbers, on a site already built:  python benchmarks/bench_site.py --explorer SITE_DIR
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
sys.path.insert(0, str(ROOT / "tests"))
from shown_images import load_shown_images  # noqa: E402
from site_pages import site_pages  # noqa: E402  (one list of pages, read from mkdocs.yml)

PAGES = site_pages()


def build(site: Path, config: str = "mkdocs.yml") -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", config, "--site-dir", str(site)],
        cwd=ROOT,
        env=ENV,
        check=True,
    )
    return time.perf_counter() - t0


def plain_config() -> str:
    """mkdocs.yml with nothing executed: no figure hook, notebook rendered without running."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config["hooks"] = [h for h in config["hooks"] if "figures" not in h]
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocs-jupyter" in plugin:
            plugin["mkdocs-jupyter"].update(execute=False, cache=False)
    path = ROOT / ".bench-plain-mkdocs.yml"
    path.write_text(yaml.safe_dump(config))
    return path.name


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve `site` on 127.0.0.1 at a free port under /rmsprop_ref/ (as GitHub Pages would)."""
    prefix = "/rmsprop_ref/"

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            return super().translate_path("/" + path.removeprefix(prefix))

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{prefix}"


def page_weights(site: Path) -> dict[str, int]:
    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    weights = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        for page_path in PAGES:
            context = browser.new_context()  # a new context: empty cache, a cold load
            page = context.new_page()
            sizes = []

            def on_response(response, sizes=sizes):
                if "search_index" not in response.url:
                    sizes.append(len(response.body()))

            page.on("response", on_response)
            page.goto(base + page_path, wait_until="load")
            load_shown_images(page)  # the lazy figures a reader scrolling down would fetch
            page.wait_for_load_state("networkidle")
            weights[page_path or "home"] = sum(sizes)
            context.close()
        browser.close()
    server.shutdown()
    return weights


def explorer_numbers(site: Path, loads: int = 5) -> dict[str, float]:
    """The explorer page on cold loads: total and own-JS bytes (uncompressed), time to interactive."""
    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    url = base + "explorer/"
    weights, own_js, ready = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        for _ in range(loads):
            context = browser.new_context()  # empty cache: a cold load
            page = context.new_page()
            sizes, js = [], []

            def on_response(response, sizes=sizes, js=js):
                if "search_index" in response.url:
                    return
                sizes.append(len(response.body()))
                if response.url.endswith(".js") and "/assets/" not in response.url:
                    js.append(len(response.body()))

            page.on("response", on_response)
            page.goto(url, wait_until="networkidle")
            # data-ready-at: performance.now() when the explorer had drawn and bound its controls
            ready.append(float(page.get_attribute(".rr-explorer", "data-ready-at")))
            weights.append(sum(sizes))
            own_js.append(sum(js))
            context.close()
        browser.close()
    server.shutdown()
    return {"weight": max(weights), "own_js": max(own_js), "interactive_ms": statistics.median(ready)}


def print_explorer(site: Path) -> None:
    e = explorer_numbers(site)
    print(f"\nexplorer page, cold load: {e['weight'] / 1024:.0f} KB   (target <= 600 KB)")
    print(f"the site's own JavaScript: {e['own_js'] / 1024:.1f} KB   (target <= 40 KB)")
    print(f"explorer interactive after: {e['interactive_ms']:.0f} ms, median of 5 cold loads   (target <= 1000 ms)")


def main() -> None:
    if sys.argv[1:2] == ["--explorer"]:
        print_explorer(Path(sys.argv[2]))
        return
    plain = plain_config()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp) / "site"
            shutil.rmtree(ROOT / ".cache", ignore_errors=True)
            shutil.rmtree(ROOT / "docs" / "figures", ignore_errors=True)
            cold = build(site)
            warm = statistics.median(build(site) for _ in range(3))
            plain_t = statistics.median(build(Path(tmp) / "plain", plain) for _ in range(3))
            print(f"cold build (figures drawn, notebook executed): {cold:6.2f} s   (target <= 30 s)")
            print(f"warm rebuild, nothing changed (median of 3):   {warm:6.2f} s")
            print(f"plain build, nothing executed (median of 3):   {plain_t:6.2f} s")
            print(f"warm / plain: {warm / plain_t:.2f}   (target <= 1.5)")
            try:
                weights = page_weights(site)
            except Exception as exc:  # no Chromium or playwright: say so, keep the build numbers
                print(f"page weights not measured: {exc}")
                return
            print(f"\n{'page':<14} {'KB transferred (cold load, search index excluded)':>50}")
            for name, size in weights.items():
                print(f"{name:<14} {size / 1024:>50.0f}")
            print(f"heaviest: {max(weights.values()) / 1024:.0f} KB   (target <= 600 KB)")
            print_explorer(site)
    finally:
        (ROOT / plain).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
