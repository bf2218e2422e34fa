"""site/shims/nh3.py, the nh3 that Panel gets in Pyodide, gives what the real nh3 gives (natively)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = [
    "<unknown>hi",
    "<b><img src='' onerror='alert(1)'>XSS?</b>",
    "<script>alert('xss')</script>safe",
    "<style>p { color: red }</style><em>text</em>",
    "plain text & more < less > greater",
    '<div class="x" id="y"><p>Hi <a href="https://example.org" onclick="x()">link</a><a>bare</a></p><!-- c --></div>',
    "<table><tr><td colspan='2' style='x'>cell</td></tr></table>",
    "Epoch 12 · Test loss 0.250",
]


@pytest.fixture(scope="module")
def shim():
    spec = importlib.util.spec_from_file_location("gradplay_nh3_shim", REPO / "site" / "shims" / "nh3.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("html", SAMPLES)
def test_clean_matches_the_real_nh3(shim, html):
    nh3 = pytest.importorskip("nh3", reason="nh3 comes with Panel natively")
    assert shim.clean(html) == nh3.clean(html)


def test_allow_lists_are_nh3_s(shim):
    nh3 = pytest.importorskip("nh3", reason="nh3 comes with Panel natively")
    assert shim.ALLOWED_TAGS == nh3.ALLOWED_TAGS
    assert shim.ALLOWED_ATTRIBUTES == nh3.ALLOWED_ATTRIBUTES
