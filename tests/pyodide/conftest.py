"""Shared by the in-Pyodide tests: the runtime folders (built by site/runtime.py into the cache),
running a part of the test suite inside Pyodide under Node, and the training run that must give the
same weights natively, under Node and in Chromium."""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
NODE_DIR = REPO / "site" / "node"
RUNNER = NODE_DIR / "run_in_pyodide.mjs"
MARK = "@@GRADPLAY_RESULT@@ "
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


def _build_runtime(name: str, *flags: str) -> Path:
    """A runtime folder in the cache, (re)built by site/runtime.py: a few seconds when cached; it
    rebuilds the gradplay wheel whenever the sources changed. The first run downloads ~90 MB."""
    out = site_runtime().cache_dir() / name
    proc = subprocess.run(
        [sys.executable, str(REPO / "site" / "runtime.py"), "--out", str(out), *flags], capture_output=True, text=True
    )
    assert proc.returncode == 0, f"site/runtime.py failed:\n{proc.stdout}\n{proc.stderr}"
    return out


@pytest.fixture(scope="session")
def runtime_dir() -> Path:
    """NumPy, micropip, gradplay and pytest."""
    return _build_runtime("site", "--test-wheels")


@pytest.fixture(scope="session")
def panel_runtime_dir() -> Path:
    """That plus Panel, Bokeh and their dependencies (``--panel``)."""
    return _build_runtime("site-panel", "--test-wheels", "--panel")


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: these tests run Pyodide under Node.js 20 (install nodejs and npm).")
    return node


@pytest.fixture(scope="session")
def node_runner() -> Path:
    """site/node with its node_modules (npm ci once)."""
    require_node()
    if not (NODE_DIR / "node_modules" / "pyodide" / "package.json").exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed once to install site/node (npm ci --prefix site/node)"
        proc = subprocess.run([npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"], capture_output=True)
        assert proc.returncode == 0, f"npm ci --prefix site/node failed:\n{proc.stdout!r}\n{proc.stderr!r}"
    return RUNNER


# The Python program run inside Pyodide: an optional prelude, then pytest on the given paths.
PYTEST_IN_PYODIDE = """
import json, os, sys
sys.dont_write_bytecode = True
spec = json.loads(sys.argv[1])
result = {{}}
{prelude}
import pytest

class Collect:
    def __init__(self):
        self.reports = {{}}
        self.collected = []

    def pytest_collection_finish(self, session):
        self.collected = [item.nodeid for item in session.items]

    def pytest_runtest_logreport(self, report):
        if report.failed or report.skipped or report.when == "call":
            previous = self.reports.get(report.nodeid)
            if previous is None or previous[0] == "passed":
                self.reports[report.nodeid] = (report.outcome, report.when, report.longreprtext[-3000:])

collect = Collect()
os.chdir("/home/pyodide/gradplay")
args = [*spec["paths"], "-q", "-p", "no:cacheprovider", "--tb=short"]
for nodeid in spec["deselect"]:
    args += ["--deselect", nodeid]
result["exit_code"] = int(pytest.main(args, plugins=[collect]))
result["collected"] = collect.collected
result["reports"] = collect.reports
print("\\n{mark}" + json.dumps(result))
"""


def run_pytest_in_pyodide(runtime: Path, tmp: Path, paths, deselect=(), packages=(), copies=(), prelude=""):
    """Run pytest on ``paths`` (folders or files of tests/) in one Node process, offline; the
    program's ``result`` dict (plus what ``prelude`` adds to it), the network report, the process."""
    program, report = tmp / "in_pyodide.py", tmp / "report.json"
    program.write_text(PYTEST_IN_PYODIDE.format(prelude=prelude, mark=MARK))
    dest = "/home/pyodide/gradplay"
    files = ["pyproject.toml", "tests/__init__.py", "tests/conftest.py", *copies]
    for path in paths:
        top = "/".join(Path(path).parts[:2])  # tests/<folder>: its conftest and helpers come along
        if top not in files:
            files.append(top)
    cmd = [require_node(), str(RUNNER), "--runtime", str(runtime), "--report", str(report)]
    for name in packages:
        cmd += ["--package", name]
    for rel in files:
        cmd += ["--copy", f"{REPO / rel}:{dest}/{rel}"]
    cmd += [str(program), json.dumps({"paths": list(paths), "deselect": sorted(deselect)})]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env={**os.environ, "NODE_NO_WARNINGS": "1"})
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    assert lines, f"no result from Pyodide (exit {proc.returncode}):\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}"
    return json.loads(lines[-1][len(MARK) :]), json.loads(report.read_text()), proc


def check_suite(result: dict, proc, paths, deselect: dict, expected_failures: dict) -> None:
    """Pyodide collected what CPython collects (minus ``deselect``); every failure is listed in
    ``expected_failures`` and every listed test fails (strict both ways)."""
    assert result["exit_code"] in (0, 1), f"pytest in Pyodide exited {result['exit_code']}:\n{proc.stdout[-5000:]}"
    native = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    native_ids = {line for line in native.stdout.splitlines() if line.startswith("tests/")}
    assert native_ids, native.stdout[-3000:]
    # Compared by test function and count: pytest versions name long parameters differently
    # (Pyodide runs the pytest it ships, 8.1; natively a newer one may say ``data13`` for a long string).
    functions = lambda ids: collections.Counter(i.split("[")[0] for i in ids)  # noqa: E731
    wanted = functions(native_ids - set(deselect))
    assert functions(result["collected"]) == wanted, "Pyodide collected other tests than CPython"
    reports = result["reports"]
    failed = {k: v for k, v in reports.items() if v[0] == "failed"}
    skipped = {k for k, v in reports.items() if v[0] == "skipped"}
    passed = {k for k, v in reports.items() if v[0] == "passed"}
    print(f"in Pyodide: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped, {len(deselect)} deselected")
    unexpected = {k: v[2] for k, v in failed.items() if k not in expected_failures}
    assert not unexpected, "failed in Pyodide:\n" + "\n\n".join(f"{k}\n{text}" for k, text in unexpected.items())
    fixed = sorted(set(expected_failures) - set(failed))
    assert not fixed, f"these now pass in Pyodide, remove them from the expected failures: {fixed}"


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
