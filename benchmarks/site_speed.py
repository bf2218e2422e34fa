"""The in-browser site (issue 7): start-up, speed in the page, the engine in Pyodide, and sizes.

1. Builds the offline and the CDN site (``site/build.py``, without JupyterLite: its size is
   reported when ``--lite`` is given) and reports their sizes.
2. Serves the offline build on 127.0.0.1 and opens the Playground in headless Debian Chromium,
   every request to another origin aborted:
   - cold start: a fresh browser context with service workers blocked (nothing cached), time from
     navigation until Python has rendered the live page (Panel removes the page's loading state)
     and the worker's own stage times (Pyodide, packages, wheels, app, rendered);
   - warm start: a context with the site's service worker; the first visit installs it (and
     precaches the runtime), the time of the second visit is the warm start;
   - then Play for ``--seconds``: epochs/s shown in the status line, and status and
     decision-boundary redraws painted per second (the same in-page probe as
     ``playground_speed.py``, which measures the served Playground).
3. Runs ``keras_training.py --quick`` natively and inside Pyodide under Node
   (``site/node/run_in_pyodide.mjs``) and reports W1/W2 samples/s in both and their ratio.

Run: ``python benchmarks/site_speed.py [--seconds 15] [--lite]``. Prints Markdown; it reports,
it does not fail on speed (issue 7's targets: cold start offline under 15 s, warm under 5 s).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from playground_speed import CHROMIUM, CHROMIUM_ARGS, PAGE_PROBE

ROOT = Path(__file__).resolve().parents[1]


def _site(name: str):
    spec = importlib.util.spec_from_file_location(f"gradplay_site_{name}", ROOT / "site" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _site("build")
CACHE = build.runtime.cache_dir()


def build_site(name: str, *flags: str) -> tuple[Path, dict]:
    out = CACHE / name
    cmd = [sys.executable, str(ROOT / "site" / "build.py"), "--out", str(out), *flags]
    subprocess.run(cmd, check=True, capture_output=True)
    return out, json.loads((out / "site.json").read_text())


def open_playground(context, url: str, timings: dict):
    page = context.new_page()
    page.on("console", lambda m: _timing(m.text, timings))
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function("!document.body.classList.contains('pn-loading')", timeout=300_000)
    page.get_by_text(re.compile(r"Epoch\s+\d")).first.wait_for(timeout=60_000)
    return page, time.perf_counter() - t0


def _timing(text: str, timings: dict) -> None:
    match = re.match(r"gradplay timing (\w+) (\d+) ms", text)
    if match:
        timings[match.group(1)] = int(match.group(2)) / 1000


def measure_page(url: str, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    external, result = [], {}

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        cold = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
        cold.route("**/*", route)
        result["cold_stages"] = {}
        page, result["cold_s"] = open_playground(cold, url + "playground/", result["cold_stages"])
        page.evaluate(PAGE_PROBE)
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_function("() => /Epoch\\s*[1-9]/.test(window.__gp.text || '')", timeout=60_000)
        time.sleep(2.0)
        page.evaluate("() => { const s = window.__gp; s.recording = true; s.t0 = performance.now(); }")
        time.sleep(seconds)
        data = page.evaluate(
            "() => { const s = window.__gp; s.recording = false;"
            " return {status: s.status, boundary: s.boundary, t0: s.t0, t1: performance.now()}; }"
        )
        cold.close()
        window = (data["t1"] - data["t0"]) / 1000
        (ta, ea), (tb, eb) = data["status"][0], data["status"][-1]
        result["epochs_per_s"] = (eb - ea) / ((tb - ta) / 1000)
        result["status_per_s"] = len(data["status"]) / window
        result["boundary_per_s"] = data["boundary"] / window

        warm = browser.new_context(viewport={"width": 1400, "height": 1000})
        warm.route("**/*", route)
        result["first_visit_stages"], result["warm_stages"] = {}, {}
        page, result["first_visit_s"] = open_playground(warm, url + "playground/?visit=1", result["first_visit_stages"])
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=300_000)
        page.close()
        _, result["warm_s"] = open_playground(warm, url + "playground/?visit=2", result["warm_stages"])
        warm.close()
        browser.close()
    result["external"] = external
    return result


def keras_rows(cmd: list[str]) -> dict[str, float]:
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith(("W1", "W2")):
            rows[cells[0]] = (float(cells[1].replace(",", "")), float(cells[2].replace(",", "")))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measuring window after Play")
    parser.add_argument("--lite", action="store_true", help="also build JupyterLite and report its size")
    args = parser.parse_args(argv)
    lite = [] if args.lite else ["--no-lite"]

    offline, offline_info = build_site("www-offline", "--offline", *lite)
    _, cdn_info = build_site("www-cdn", *lite)
    server = build.StaticServer(offline)
    try:
        page = measure_page(server.url, args.seconds)
    finally:
        server.stop()

    runtime = CACHE / "site"
    cmd = [sys.executable, str(ROOT / "site" / "runtime.py"), "--out", str(runtime)]
    subprocess.run(cmd, check=True, capture_output=True)
    bench = ["benchmarks/keras_training.py", "--quick"]
    native = keras_rows([sys.executable, *bench])
    in_pyodide = keras_rows(["node", "site/node/run_in_pyodide.mjs", "--runtime", str(runtime), *bench])

    mb = lambda n: f"{n / 1e6:.1f} MB"  # noqa: E731
    print(f"Pyodide {build.runtime.PYODIDE_VERSION} in headless Chromium ({CHROMIUM}), {os.cpu_count()} cores")
    print()
    print("| site | files | size |")
    print("|---|---:|---:|")
    sites = (("offline (everything in the folder)", offline_info), ("CDN (Pyodide from its CDN)", cdn_info))
    for name, info in sites:
        print(f"| {name} | {len(info['files'])} | {mb(info['total_bytes'])} |")
    print()
    stages = lambda d: ", ".join(f"{k} {v:.1f}" for k, v in d.items())  # noqa: E731
    print("| Playground start (offline build, served on 127.0.0.1) | s | worker stages (s since the worker started) |")
    print("|---|---:|---|")
    for label, key in (
        ("cold: nothing cached, service worker blocked", "cold"),
        ("first visit with the service worker", "first_visit"),
        ("warm: repeat visit from the service worker's cache", "warm"),
    ):
        print(f"| {label} | {page[key + '_s']:.1f} | {stages(page[key + '_stages'])} |")
    print()
    print("| in the page while playing (default Playground) | value |")
    print("|---|---:|")
    print(f"| epochs/s shown in the status line | {page['epochs_per_s']:.1f} |")
    print(f"| status redraws painted per second | {page['status_per_s']:.1f} |")
    print(f"| decision-boundary redraws painted per second | {page['boundary_per_s']:.1f} |")
    print(f"| requests to other origins (aborted) | {len(page['external'])} |")
    print()
    print(
        "| workload (keras_training.py --quick) | native samples/s | Pyodide (Node) samples/s | native / Pyodide "
        "| gradplay / NumPy time, native | in Pyodide |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, (gp, np_rate) in native.items():
        pgp, pnp = in_pyodide[name]
        print(f"| {name} | {gp:,.0f} | {pgp:,.0f} | {gp / pgp:.1f} | {np_rate / gp:.2f} | {pnp / pgp:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
