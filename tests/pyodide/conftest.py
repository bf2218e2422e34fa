"""Shared by the in-Pyodide tests: the runtime folder (built by site/runtime.py into the cache)
and the training run that must give the same weights natively, under Node and in Chromium."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
EPOCHS = 20

# Runs natively and inside Pyodide: the Playground's default settings and seed, EPOCHS epochs.
TRAIN = f"""
from types import SimpleNamespace
from gradplay.app.session import DEFAULTS, TrainingSession

def train():
    session = TrainingSession(SimpleNamespace(**DEFAULTS))
    initial = [[k.tolist(), b.tolist()] for k, b in session.weights()]
    losses = [session.train_epoch()["loss"] for _ in range({EPOCHS})]
    weights = [[k.astype(float).tolist(), b.astype(float).tolist()] for k, b in session.weights()]
    data = [session.x_train.astype(float).tolist(), session.y_train.astype(float).tolist()]
    return dict(initial=initial, weights=weights, losses=losses, data=data)
"""


def site_runtime():
    """site/runtime.py as a module (``site`` is not a package: it would shadow the stdlib's)."""
    spec = importlib.util.spec_from_file_location("gradplay_site_runtime", REPO / "site" / "runtime.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def runtime_dir() -> Path:
    """The runtime folder, (re)built by site/runtime.py: a few seconds when cached; it rebuilds
    the gradplay wheel whenever the sources changed. The first run downloads about 90 MB."""
    out = site_runtime().cache_dir() / "site"
    proc = subprocess.run(
        [sys.executable, str(REPO / "site" / "runtime.py"), "--out", str(out), "--test-wheels"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"site/runtime.py failed:\n{proc.stdout}\n{proc.stderr}"
    return out


@pytest.fixture(scope="session")
def native_training() -> dict:
    namespace: dict = {}
    exec(TRAIN, namespace)
    return namespace["train"]()


def assert_same_training(native: dict, other: dict) -> float:
    """Same data and initial weights (exactly), same trained weights (atol 1e-5, float32); returns
    the largest weight difference."""
    for a, b in zip(native["data"], other["data"]):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg="the seed's data differ")
    for (ka, ba), (kb, bb) in zip(native["initial"], other["initial"]):
        np.testing.assert_array_equal(np.asarray(ka), np.asarray(kb), err_msg="the seed's initial weights differ")
        np.testing.assert_array_equal(np.asarray(ba), np.asarray(bb), err_msg="the seed's initial biases differ")
    diffs = []
    for (ka, ba), (kb, bb) in zip(native["weights"], other["weights"]):
        for a, b in ((ka, kb), (ba, bb)):
            a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
            np.testing.assert_allclose(b, a, rtol=0, atol=1e-5)
            diffs.append(float(np.max(np.abs(a - b))) if a.size else 0.0)
    moved = max(
        float(np.max(np.abs(np.subtract(k, k0)))) for (k, _), (k0, _) in zip(native["weights"], native["initial"])
    )
    assert moved > 0.1, "training did not change the weights; the comparison would prove nothing"
    np.testing.assert_allclose(other["losses"], native["losses"], rtol=1e-4)
    return max(diffs)
