"""The static in-browser site (``site/build.py``): the Playground running on Pyodide in a web worker,
in real headless Chromium, served as plain files on 127.0.0.1.

The offline build must work with every request to another origin aborted (and counted: zero);
the CDN build, with the CDN blocked, must tell the user what went wrong and what to do. Repeat
visits must come from the service worker's cache. Timings are printed (``-s``) for BENCHMARKS.md.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .conftest import PageWatch
from .test_playground import pause, play, select_of, status, wait_for_epoch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT_MS = 240_000  # cold start on a busy 2-core machine; measured values are printed


def _site_module(name: str):
    """A module of site/ (``site`` is not a package: it would shadow the stdlib's)."""
    spec = importlib.util.spec_from_file_location(f"gradplay_site_{name}", REPO / "site" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _site_cache() -> Path:
    return _site_module("runtime").cache_dir()


def StaticServer(root: Path):  # noqa: N802 - the class of site/build.py
    return _site_module("build").StaticServer(root)


def _build(name: str, *flags: str) -> Path:
    """Build from an empty output folder, as on a fresh machine (the download caches stay)."""
    out = _site_cache() / name
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run(
        [sys.executable, str(REPO / "site" / "build.py"), "--no-lite", "--out", str(out), *flags],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"site/build.py failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def offline_site():
    server = StaticServer(_build("www-offline", "--offline"))
    yield server
    server.stop()


@pytest.fixture
def context_factory(browser):
    contexts = []

    def make(**kw):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, **kw)
        contexts.append(context)
        return context

    yield make
    for c in contexts:
        c.close()


def wait_interactive(page, started: float) -> float:
    """Seconds from ``started`` until Python has rendered the live document (Panel drops the
    page's loading class then); fails with the page's own message if the start failed."""
    page.wait_for_function(
        "!document.body.classList.contains('pn-loading') || document.body.innerText.includes('could not start')",
        timeout=BOOT_TIMEOUT_MS,
    )
    text = page.evaluate("document.body.innerText")
    assert "could not start" not in text, text[:2000]
    status(page)
    return time.monotonic() - started


def test_offline_playground_boots_trains_follows_links_and_exports(offline_site, context_factory, tmp_path):
    from gradplay.engine.keras.models import load_model

    # Service workers are blocked here so that every request goes through the abort-and-count route.
    context = context_factory(service_workers="block", accept_downloads=True)
    watch = PageWatch(context.new_page())
    page = watch.page
    started = time.monotonic()
    fragment = "#dataset=gauss&networkShape=5,3&learningRate=0.1&noise_hide=true"
    page.goto(offline_site.url + "playground/" + fragment)
    seconds = wait_interactive(page, started)
    print(f"offline build, cold start without service worker: interactive after {seconds:.1f} s")

    # The TF Playground-style link set the state, hide flag included.
    assert select_of(page, "gauss").input_value() == "gauss"
    assert select_of(page, "0.1").input_value() == "0.1"
    assert page.get_by_text("2 hidden layer(s)").is_visible()
    assert not page.get_by_text(re.compile(r"^Noise")).first.is_visible()

    # It trains in the worker and the page follows: test loss falls.
    epoch0, loss0 = status(page)
    play(page)
    t0 = time.monotonic()
    epoch, loss = wait_for_epoch(page, 40, timeout_s=120)
    rate = (epoch - epoch0) / (time.monotonic() - t0)
    click_until(page, lambda: pause(page), page.get_by_role("button", name="Play", exact=True), watch, "pause")
    print(f"in the page: {rate:.1f} epochs/s while playing; test loss {loss0:.3f} -> {loss:.3f}")
    assert loss < 0.6 * loss0

    # A control change reaches Python and comes back as a new network and a new address.
    page.get_by_role("button", name="+ layer").click()
    page.get_by_text("3 hidden layer(s)").wait_for(timeout=30_000)
    page.wait_for_function("/networkShape=5,3,\\d/.test(location.hash)", timeout=30_000)
    added = int(re.search(r"networkShape=5,3,(\d+)", page.evaluate("location.hash")).group(1))

    # The trained model downloads as a .keras file (written in the browser without h5py) that loads natively.
    download_button = page.get_by_role("button", name=re.compile("Download model"))
    more = page.get_by_text(re.compile("More: optimizer"))
    click_until(page, more.click, download_button, watch, "more")
    with page.expect_download(timeout=60_000) as info:
        download_button.click(timeout=60_000)
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".keras"
    model = load_model(str(path))
    assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [5, 3, added, 1]
    out = model.predict(np.array([[2.0, 2.0], [-2.0, -2.0]], dtype=np.float32), verbose=0)
    assert np.all(np.isfinite(out))

    watch.screenshot("site-playground-offline")
    watch.assert_clean()


def click_until(page, click, shows, watch, name):
    """Click, and wait until ``shows`` is visible. While the worker trains on a loaded 2-core machine a
    click has been seen to get no answer (CI: Pause while playing); then a screenshot is kept
    (``site-playground-<name>-unanswered.png``) and the click is made once more."""
    click()
    try:
        shows.wait_for(timeout=20_000)
    except Exception:
        watch.screenshot(f"site-playground-{name}-unanswered")
        print(f"the {name} click got no answer in 20 s; clicking again")
        click()
        shows.wait_for(timeout=60_000)


def test_repeat_visit_starts_from_the_service_worker_cache(offline_site, context_factory):
    context = context_factory()
    page = context.new_page()
    times, hits = [], []
    for visit in range(2):
        started = time.monotonic()
        page.goto(f"{offline_site.url}playground/?visit={visit}")
        times.append(wait_interactive(page, started))
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=120_000)
        hits.append(dict(offline_site.hits))
    print(f"offline build with its service worker: first visit {times[0]:.1f} s, repeat visit {times[1]:.1f} s")
    # The repeat visit read the runtime from the service worker's cache: no request for it reached the server.
    for name in ("/pyodide/pyodide.asm.wasm", "/pyodide/python_stdlib.zip", "/playground/site-packages.zip"):
        assert hits[0].get(name, 0) >= 1 and hits[1].get(name, 0) == hits[0][name], name


def test_cdn_build_with_the_cdn_blocked_says_what_to_do(context_factory):
    server = StaticServer(_build("www-cdn"))
    try:
        context = context_factory(service_workers="block")
        watch = PageWatch(context.new_page())
        watch.page.goto(server.url + "playground/")
        message = watch.page.locator(".pn-loading-msg")
        message.get_by_text("could not start").wait_for(timeout=60_000)
        text = message.inner_text()
        assert "cdn.jsdelivr.net/pyodide/v0.27.7" in text and "--offline" in text
        assert any("cdn.jsdelivr.net/pyodide/v0.27.7/full/pyodide.js" in url for url in watch.external)
        watch.screenshot("site-playground-cdn-blocked")
    finally:
        server.stop()


def test_landing_page_links_the_apps(offline_site, context_factory):
    context = context_factory(service_workers="block")
    watch = PageWatch(context.new_page())
    watch.page.goto(offline_site.url)
    assert watch.page.locator("#playground-link").get_attribute("href") == "playground/"
    assert "without internet" in watch.page.inner_text("body")
    watch.assert_clean()
