"""JupyterLab in headless Chromium: the Launcher card opens the Playground in a tab, and Play
trains both there and in a notebook cell's ``%playground`` output (a real click, through comms)."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import ROOT, TOKEN, JupyterServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = ROOT / "build" / "screenshots"
EPOCH = re.compile(r"Epoch\s*([\d,]+)")
STATUS = re.compile(r"Epoch.*Test loss")  # the Playground's status line


@pytest.fixture(scope="module")
def lab(jupyter_paths, tmp_path_factory):
    root = tmp_path_factory.mktemp("lab-root")
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
            for s in ("%load_ext gradplay", "%playground --dataset xor --networkShape 4,4 -o pg")
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "play.ipynb").write_text(json.dumps(notebook))
    # Kernels inherit PANEL_INLINE: pn.extension() then puts Bokeh and Panel's JavaScript in the
    # notebook instead of loading it from the CDN (this test runs offline).
    server = JupyterServer(
        "lab", jupyter_paths, root, extra=["--LabApp.expose_app_in_browser=True"], env={"PANEL_INLINE": "1"}
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(lab, browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1100})  # a fresh profile
    # Offline: nothing may leave this machine.
    context.route(
        re.compile(r"^(?!(http|ws)://127\.0\.0\.1:|data:|blob:)"),
        lambda route: route.abort(),
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type in ("error", "warning") and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(f"pageerror: {e}"))
    yield page
    context.close()


def _epoch(text: str) -> int:
    match = EPOCH.search(text or "")
    return int(match.group(1).replace(",", "")) if match else -1


def _wait_for_epochs(locator, at_least: int, timeout_s: float = 60):
    import time

    deadline = time.monotonic() + timeout_s
    seen = -1
    while time.monotonic() < deadline:
        seen = _epoch(locator.inner_text())
        if seen >= at_least:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"training did not reach epoch {at_least} (saw {seen})")


def test_launcher_opens_the_playground_and_play_trains(lab, page):
    page.goto(f"{lab.base}/lab?token={TOKEN}")
    card = page.locator(".jp-LauncherCard", has_text="Playground")
    card.first.wait_for(timeout=90_000)
    card.first.click()
    tab = page.locator(".lm-TabBar-tab", has_text="Playground")
    tab.first.wait_for(timeout=30_000)
    frame = page.frame_locator(".gradplay-Playground iframe")
    status = frame.locator("p", has_text=STATUS).first
    status.wait_for(timeout=120_000)  # a kernel starts for the page
    assert _epoch(status.inner_text()) == 0
    frame.locator("button", has_text="Play").first.click()
    _wait_for_epochs(status, 10)
    frame.locator("button", has_text="Pause").first.click()


def test_play_in_a_notebook_cell_trains_through_comms(lab, page):
    page.goto(f"{lab.base}/lab/tree/play.ipynb?token={TOKEN}")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=90_000)
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    # Wait for the kernel, then run both cells.
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.status === 'idle'; }",
        timeout=90_000,
    )
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    output = page.locator(".jp-OutputArea-output", has_text="Epoch")
    try:
        output.first.wait_for(timeout=120_000)
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "jupyter-notebook-playground.png"), full_page=True)
        print(page.locator(".jp-Notebook").first.inner_text())
        print("\n".join(page.console_errors))
        raise
    status = output.first.locator("p", has_text=STATUS).first
    assert _epoch(status.inner_text()) == 0
    output.first.locator("button", has_text="Play").first.click()
    _wait_for_epochs(status, 10)


def test_playground_url_takes_tf_playground_settings(lab, page):
    page.goto(f"{lab.base}/gradplay/playground?token={TOKEN}#activation=relu&dataset=spiral&networkShape=5")
    page.locator("p", has_text=STATUS).first.wait_for(timeout=120_000)
    # After loading, the page writes its whole state back into the link: the link's settings won.
    page.wait_for_function("location.hash.includes('percTrainData=')", timeout=30_000)
    hash_ = page.evaluate("location.hash")
    assert "activation=relu" in hash_ and "dataset=spiral" in hash_ and "networkShape=5&" in hash_, hash_
