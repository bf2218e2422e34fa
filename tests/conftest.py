"""Shared test setup: real Keras (when installed for comparisons) runs on JAX's CPU backend."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (Playwright allows one sync driver at a time,
    so every test that needs a browser shares this one and opens its own context)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()
