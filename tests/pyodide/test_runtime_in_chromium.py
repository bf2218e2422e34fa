"""The same runtime folder in a real browser: a static page served from 127.0.0.1 boots Pyodide
from it, micropip-installs gradplay's wheel over HTTP, trains the Playground's default net and
gets the native weights; every request that leaves 127.0.0.1 is aborted and counted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from tests.browser.conftest import PageWatch

from .conftest import EPOCHS, TRAIN, assert_same_training

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>gradplay runtime check</title></head>
<body><pre id="out">loading…</pre>
<script src="pyodide/pyodide.js"></script>
<script type="module">
const started = performance.now();
try {
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", location.href).href });
  await pyodide.loadPackage(["numpy", "micropip"]);
  const micropip = pyodide.pyimport("micropip");
  const wheel = new URL("wheels/WHEEL", location.href).href;
  await micropip.install.callKwargs([wheel], { deps: false });
  const out = pyodide.runPython(SOURCE + "\\nimport json\\njson.dumps(train())");
  window.result = { train: JSON.parse(out), ms: performance.now() - started };
} catch (err) {
  window.result = { error: String(err && err.stack ? err.stack : err) };
}
document.getElementById("out").textContent = JSON.stringify(window.result).slice(0, 200);
</script></body></html>
"""


@pytest.fixture(scope="module")
def served(runtime_dir, tmp_path_factory):
    """A folder with the page and links to the runtime's pyodide/ and wheels/, served by
    ``python -m http.server`` on 127.0.0.1 (a free port)."""
    root = tmp_path_factory.mktemp("www")
    (root / "pyodide").symlink_to(runtime_dir / "pyodide", target_is_directory=True)
    (root / "wheels").symlink_to(runtime_dir / "wheels", target_is_directory=True)
    (wheel,) = (runtime_dir / "wheels").glob("gradplay-*.whl")
    page = PAGE.replace("WHEEL", wheel.name).replace("SOURCE", json.dumps(TRAIN))
    (root / "index.html").write_text(page, encoding="utf-8")
    cmd = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "-d", str(root)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # request log: stderr
    try:
        deadline, line = time.monotonic() + 30, ""
        while time.monotonic() < deadline and not (match := re.search(r"port (\d+)", line)):
            line = proc.stdout.readline()
            assert line, "http.server did not start"
        yield f"http://127.0.0.1:{match.group(1)}/index.html"
    finally:
        proc.terminate()
        proc.wait(10)


def test_runtime_folder_trains_the_same_weights_in_chromium(served, native_training, browser):
    context = browser.new_context()
    try:
        watch = PageWatch(context.new_page())
        watch.page.goto(served)
        watch.page.wait_for_function("window.result !== undefined", timeout=180_000)
        result = watch.page.evaluate("window.result")
    finally:
        context.close()
    assert "error" not in result, result["error"]
    watch.assert_clean()
    diff = assert_same_training(native_training, result["train"])
    print(f"Chromium: {EPOCHS} epochs in {result['ms'] / 1000:.1f} s from page load; max weight difference {diff:.3g}")
