"""Real pages in real Chromium: a served app in a subprocess, Debian's Chromium driven by Playwright.

Every request that leaves 127.0.0.1 is aborted and counted (pages must work offline); JavaScript
errors and console errors are collected; screenshots land in ``build/screenshots/`` (not committed)
for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("GRADPLAY_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Browser tests need Debian's Chromium: `apt-get install chromium` (or set GRADPLAY_CHROMIUM).")
    return path


class Server:
    """A server subprocess started from a command that prints its URL; stopped on exit."""

    def __init__(self, args, timeout=60):
        env = dict(os.environ, PYTHONUNBUFFERED="1", BOKEH_LOG_LEVEL="warn")
        self.proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.output = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            match = re.search(r"http://(?:localhost|127\.0\.0\.1):(\d+)", line)
            if match:
                self.port = int(match.group(1))
                self.url = f"http://127.0.0.1:{self.port}/"
                return
        self.stop()
        raise RuntimeError("server did not start:\n" + "".join(self.output))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class PageWatch:
    """Counts requests to other origins (aborted) and collects JavaScript errors of one page."""

    def __init__(self, page):
        self.page = page
        self.external = []
        self.errors = []
        page.route("**/*", self._route)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self):
        assert self.external == [], f"requests left 127.0.0.1: {self.external}"
        assert self.errors == [], "JavaScript errors:\n" + "\n".join(self.errors)


@pytest.fixture
def new_page(browser, tmp_path):
    contexts = []

    def make(accept_downloads=False, viewport=None):
        context = browser.new_context(
            accept_downloads=accept_downloads, viewport=viewport or {"width": 1400, "height": 1000}
        )
        contexts.append(context)
        return PageWatch(context.new_page())

    yield make
    for c in contexts:
        c.close()
