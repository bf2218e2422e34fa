"""Every widget on one served page (``python -m gradplay.widgets.gallery``) in real Chromium."""

from __future__ import annotations

import pytest

from .conftest import Server

pytestmark = pytest.mark.browser

SECTIONS = [
    "LossCurve",
    "DecisionBoundary",
    "NeuronGrid",
    "NetworkDiagram",
    "ActivationMaps",
    "ConfusionMatrix",
    "WeightHistogram",
    "TrainingDashboard",
]


def test_gallery_renders_every_widget_without_errors(new_page):
    server = Server(["-m", "gradplay.widgets.gallery", "--port", "0", "--epochs", "5"])
    try:
        watch = new_page(viewport={"width": 1400, "height": 1200})
        page = watch.page
        page.goto(server.url)
        for title in SECTIONS:
            page.get_by_text(title, exact=False).first.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => { let n = 0; const walk = (root) => { for (const el of root.querySelectorAll('*')) {"
            " if (el.tagName === 'CANVAS' && el.width > 0) n++; if (el.shadowRoot) walk(el.shadowRoot); } };"
            " walk(document); return n >= 8; }",
            timeout=60_000,
        )
        watch.screenshot("widgets-gallery")
        watch.assert_clean()
    finally:
        server.stop()
