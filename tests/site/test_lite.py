"""The offline JupyterLite site (site/lite.py, as ``site/build.py --offline`` builds it): its files,
and tutorial notebooks run in Chromium.

The site is built into ``$GRADPLAY_CACHE/pyodide-0.27.7/www-full/`` (seconds when cached; the
first build downloads the Pyodide runtime, ~90 MB) and served by a threaded ``http.server`` on
127.0.0.1. In the browser, the context's proxy is a local counter that refuses every request not
to 127.0.0.1 (from the page, the kernel's web worker, the service worker, and Chromium itself), and
the context's request events list every such request the page and its workers make.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser.conftest import SCREENSHOTS

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "en/01_tensors.ipynb"
# What 01_tensors prints (the same natively).
EXPECTED = [
    "matrix    rank=2 shape=(2, 2) dtype=int32",
    "a @ b =\n [[19 22]\n [43 50]]",
    "as a NumPy array: [[1, 2], [3, 4]]",
]


def lite_module():
    spec = importlib.util.spec_from_file_location("gradplay_site_lite", REPO / "site" / "lite.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lite():
    pytest.importorskip("jupyterlite_core", reason='the site extra is not installed: pip install -e ".[site]"')
    return lite_module()


@pytest.fixture(scope="module")
def site_dir(lite) -> Path:
    """The whole offline site (``site/build.py --offline``: Playground, runtime and JupyterLite),
    (re)built into the cache."""
    out = lite.runtime.cache_dir() / "www-full"
    shutil.rmtree(out, ignore_errors=True)  # from an empty folder, as on a fresh machine
    started = time.perf_counter()
    cmd = [sys.executable, str(REPO / "site" / "build.py"), "--offline", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, f"site/build.py failed:\n{proc.stdout}\n{proc.stderr}"
    print(f"site/build.py --offline: {time.perf_counter() - started:.1f} s")
    return out


# -- the built folder (no browser) ---------------------------------------------------------------


def test_site_folder_has_the_runtime_the_notebooks_and_a_local_kernel_config(lite, site_dir):
    site = site_dir / "lab"
    for path in ("index.html", "lab/index.html", "notebooks/index.html", "service-worker.js", "pypi/all.json"):
        assert (site / path).is_file(), path
    assert sorted(p.name for p in (site / "files" / "en").glob("*.ipynb")) == sorted(
        p.name for p in (REPO / "notebooks" / "en").glob("*.ipynb")
    )
    assert (site / "files" / "zh-CN" / "01_tensors.ipynb").is_file()
    for name in ("pyodide.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"):
        assert (site_dir / "pyodide" / name).is_file(), name

    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    settings = config["litePluginSettings"][lite.KERNEL_PLUGIN]
    assert (site / "lab" / settings["pyodideUrl"]).resolve() == site_dir / "pyodide" / "pyodide.js"
    assert settings["disablePyPIFallback"] is True
    assert [e["name"] for e in config["federated_extensions"]] == [lite.KERNEL_EXTENSION]
    assert "http" not in json.dumps(settings)
    # the kernel's own wheels and comm are in the site's piplite indexes
    indexes = {}
    for url in settings["pipliteUrls"]:
        assert url.startswith("./"), url
        index = site / url.split("?")[0]
        for name, project in json.loads(index.read_text()).items():
            for files in project["releases"].values():
                for f in files:
                    assert (index.parent / f["url"]).is_file(), f["url"]
                    indexes[name] = f["filename"]
    assert {"pyodide-kernel", "piplite", "ipykernel", "comm"} <= set(indexes)

    # every lock package the kernel loads at start is in the runtime folder
    lock = json.loads((site / lite.SITE_LOCK).read_text())
    official = json.loads((site_dir / "pyodide" / "pyodide-lock.json").read_text())
    assert {k: v for k, v in lock["packages"].items() if k != "gradplay"} == official["packages"]
    for name in lite.runtime.resolve(official, list(lite.RUNTIME_PACKAGES)):
        assert (site_dir / "pyodide" / official["packages"][name]["file_name"]).is_file(), name
    gradplay = lock["packages"]["gradplay"]
    wheel = (site_dir / "pyodide" / gradplay["file_name"]).resolve()
    assert wheel.is_file() and lite.runtime.sha256_file(wheel) == gradplay["sha256"]


# -- in Chromium -----------------------------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".mjs": "text/javascript"}

    def log_message(self, *args):
        pass


class _CountingProxy(BaseHTTPRequestHandler):
    """The browser context's proxy: records and refuses every request that reaches it."""

    seen: list[str] = []

    def _refuse(self):
        self.seen.append(f"{self.command} {self.path}")
        self.send_error(403, "offline test: no request may leave 127.0.0.1")

    do_GET = do_POST = do_PUT = do_HEAD = do_OPTIONS = do_CONNECT = _refuse

    def log_message(self, *args):
        pass


def _serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def served(site_dir):
    server = _serve(functools.partial(_Quiet, directory=str(site_dir)))
    proxy = _serve(_CountingProxy)
    _CountingProxy.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_port}/", f"http://127.0.0.1:{proxy.server_port}", _CountingProxy.seen
    finally:
        server.shutdown()
        proxy.shutdown()
        server.server_close()
        proxy.server_close()


# Notebook state from the JupyterLab model (window.jupyterapp is JupyterLite's app).
STATE = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [];
  for (const cell of panel.content.model.cells) {
    if (cell.type !== 'code') continue;
    cells.push({ count: cell.executionCount, outputs: cell.toJSON().outputs, source: cell.sharedModel.getSource() });
  }
  return { path: panel.context.path, kernel: kernel ? kernel.status : null, cells };
}"""


# Chromium's own background traffic (not the page's): it goes to the proxy too, and is refused.
BROWSER_OWN = ("content-autofill.googleapis.com:443",)
# Printed once per kernel by matplotlib in a fresh Pyodide file system: not an error of the notebook.
BENIGN_STDERR = ("Matplotlib is building the font cache; this may take a moment.\n",)
CONTROL = "http://gradplay-offline-check.invalid/"


class LitePage:
    """One browser context on the served site: its proxy refuses and records everything that is not
    127.0.0.1; its request events (page, kernel worker) list every other host asked for."""

    LOCAL = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")

    def __init__(self, browser, base, proxy):
        self.base = base
        self.context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, proxy={"server": proxy, "bypass": "127.0.0.1"}
        )
        self.external, self.errors, self.console = [], [], []
        self.context.on("request", lambda r: r.url.startswith(self.LOCAL) or self.external.append(r.url))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", self._on_console)

    def _on_console(self, msg):
        self.console.append(f"{msg.type}: {msg.text[:200]}")
        if msg.type == "error":
            self.errors.append(f"console: {msg.text}")

    def _wait_for(self, condition, timeout, name):
        try:
            self.page.wait_for_function(f"(s => !!s && ({condition}))(({STATE})())", timeout=timeout)
        except Exception:
            shot = self.screenshot(f"{name}_timeout")
            state = self.page.evaluate(f"({STATE})()")
            log = "\n".join(self.console[-40:])
            pytest.fail(f"timed out waiting for {condition}; state {json.dumps(state)[:1500]}\n{log}\nsee {shot}")

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"lite_{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def run_notebook(self, path, timeout=300_000):
        """Open ``path`` in JupyterLab, wait for the kernel, run all cells; return the notebook's
        state (JupyterLab's model) with the seconds to an idle kernel and to run the cells."""
        name = path.replace("/", "_").removesuffix(".ipynb")
        started = time.perf_counter()
        self.page.goto(f"{self.base}lab/lab/index.html?path={path}")
        self._wait_for(f"s.path === {json.dumps(path)} && s.kernel === 'idle'", 240_000, name)
        kernel_s = time.perf_counter() - started
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self._wait_for("s.kernel === 'idle' && s.cells.every(c => c.count !== null)", timeout, name)
        state = self.page.evaluate(f"({STATE})()")
        state["kernel_s"], state["run_s"] = kernel_s, time.perf_counter() - started - kernel_s
        self.screenshot(name)
        state["error_nodes"] = self.page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"], '
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        ).all_inner_texts()
        return state


def assert_ran_cleanly(state):
    counts = [c["count"] for c in state["cells"]]
    assert counts == list(range(1, len(counts) + 1)), counts
    problems = [
        (c["source"][:60], o)
        for c in state["cells"]
        for o in c["outputs"]
        if o["output_type"] == "error"
        or (o["output_type"] == "stream" and o["name"] == "stderr" and o["text"] not in BENIGN_STDERR)
    ]
    assert problems == [], problems
    assert [t for t in state["error_nodes"] if t.strip() + "\n" not in BENIGN_STDERR] == []


def stdout_of(state):
    return "".join(
        "".join(o.get("text", "")) for c in state["cells"] for o in c["outputs"] if o["output_type"] == "stream"
    )


@pytest.mark.browser
@pytest.mark.slow
def test_tutorial_runs_all_cells_offline_in_jupyterlite(served, browser):
    """Open 01_tensors in JupyterLab (JupyterLite), run all cells, check every output, and that no
    request left 127.0.0.1.

    Requests are not routed through Playwright here (``route`` stalls JupyterLite's service-worker
    start-up); instead the context's proxy refuses everything that is not 127.0.0.1 and records it,
    and the context's request events (page, kernel worker) are checked for other hosts. A control
    request proves the proxy sees what the page sends."""
    base, proxy, proxied = served
    lite = LitePage(browser, base, proxy)
    try:
        state = lite.run_notebook(NOTEBOOK)
        page_requests, page_errors = list(lite.external), list(lite.errors)
        lite.page.evaluate(f"() => fetch({json.dumps(CONTROL)}, {{mode: 'no-cors'}}).catch(() => null)")
    finally:
        lite.context.close()

    assert_ran_cleanly(state)
    text = stdout_of(state)
    for expected in EXPECTED:
        assert expected in text, expected
    assert any("image/png" in o.get("data", {}) for c in state["cells"] for o in c["outputs"]), "no figure"

    site_proxied = [r for r in proxied if r.split(" ")[1] not in BROWSER_OWN]
    print(f"kernel idle after {state['kernel_s']:.1f} s, {len(state['cells'])} cells ran in {state['run_s']:.1f} s")
    print(
        f"requests leaving 127.0.0.1: from the page and its workers {len(page_requests)}; at the proxy "
        f"{len(site_proxied) - 1} (+ the control) and {len(proxied) - len(site_proxied)} of Chromium's own"
    )
    assert page_requests == [], page_requests
    assert site_proxied == [f"GET {CONTROL}"], site_proxied  # the control request, refused (403)
    assert page_errors == [], page_errors


# Tutorials that need no data set, h5py, ONNX Runtime or Panel (see site/README.md).
OFFLINE_TUTORIALS = [
    "zh-CN/01_tensors.ipynb",
    "en/02_autodiff.ipynb",
    "en/03_linear_regression.ipynb",
    "en/04_linear_classifier.ipynb",
    "en/05_mnist_mlp.ipynb",  # on the site's MNIST subset (data/mnist.npz), in the short mode
    "en/09_lstm_sequences.ipynb",
]


@pytest.mark.browser
@pytest.mark.slow
def test_other_offline_tutorials_run_all_cells_in_jupyterlite(served, browser):
    """The other tutorials that can run in the browser: every cell, no error, nothing external."""
    base, proxy, proxied = served
    before = len(proxied)
    lite = LitePage(browser, base, proxy)
    failures, timings = {}, []
    try:
        for path in OFFLINE_TUTORIALS:
            state = lite.run_notebook(path, timeout=600_000)
            timings.append(f"{path}: kernel {state['kernel_s']:.0f} s, cells {state['run_s']:.0f} s")
            try:
                assert_ran_cleanly(state)
            except AssertionError as exc:
                failures[path] = str(exc)[:2000]
        page_requests, page_errors = list(lite.external), list(lite.errors)
    finally:
        lite.context.close()
    print("\n".join(timings))
    assert failures == {}, failures
    assert page_requests == [], page_requests
    assert [r for r in proxied[before:] if r.split(" ")[1] not in BROWSER_OWN] == []
    assert page_errors == [], page_errors
