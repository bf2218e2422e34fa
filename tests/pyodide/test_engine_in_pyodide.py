"""The engine inside Pyodide 0.27.7 under Node, offline: its own test suite, the same trained
weights as natively for the same seed, and not one network request.

One Node process (``site/node/run_in_pyodide.mjs``) boots Pyodide from the runtime folder that
``site/runtime.py`` assembles in the cache (``$GRADPLAY_CACHE/pyodide-0.27.7/site``; the first
run downloads about 90 MB, later runs reuse it), installs gradplay's wheel with micropip from the
Pyodide file system, trains the TF Playground's default net, then runs ``tests/engine`` with
pytest. The tests below check parts of that one run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EPOCHS, TRAIN, assert_same_training

pytestmark = pytest.mark.node

REPO = Path(__file__).resolve().parents[2]
NODE_DIR = REPO / "site" / "node"
RUNNER = NODE_DIR / "run_in_pyodide.mjs"
MARK = "@@GRADPLAY_RESULT@@ "

# Tests that cannot run inside Pyodide at all (threads, subprocesses, timing), by node id, with
# why. None so far: everything in tests/engine runs there.
DESELECT: dict[str, str] = {}

_DEFAULT_INT = (
    "platform difference: NumPy's default integer is int32 on wasm32, so np.arange/np.array of ints "
    "are int32 and the dataset keeps that dtype (as TensorFlow would); the test assumes 64-bit"
)
# Tests that fail inside Pyodide today, with why. The check is strict both ways: a new failure
# fails, and so does a listed test that passes (remove it from this list then).
EXPECTED_FAILURES: dict[str, str] = {
    "tests/engine/test_data.py::test_structures_are_preserved_through_batch_and_map": _DEFAULT_INT,
    "tests/engine/test_data.py::test_module_docstrings_run": _DEFAULT_INT + " (the Dataset docstring's element_spec)",
}

# The Python program run inside Pyodide.
IN_PYODIDE = f"""
import json, os, sys
sys.dont_write_bytecode = True
{TRAIN}
result = dict(train=train())

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
args = ["tests/engine", "-q", "-p", "no:cacheprovider", "--tb=short"]
for nodeid in json.loads(sys.argv[1]):
    args += ["--deselect", nodeid]
result["exit_code"] = int(pytest.main(args, plugins=[collect]))
result["collected"] = collect.collected
result["reports"] = collect.reports
print("\\n{MARK}" + json.dumps(result))
"""


def _require_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: these tests run Pyodide under Node.js 20 (install nodejs and npm).")
    return node


@pytest.fixture(scope="module")
def node_runner(runtime_dir) -> Path:
    """site/node with its node_modules (npm ci once)."""
    _require_node()
    if not (NODE_DIR / "node_modules" / "pyodide" / "package.json").exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed once to install site/node (npm ci --prefix site/node)"
        proc = subprocess.run([npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"], capture_output=True)
        assert proc.returncode == 0, f"npm ci --prefix site/node failed:\n{proc.stdout!r}\n{proc.stderr!r}"
    return RUNNER


@pytest.fixture(scope="module")
def pyodide_run(runtime_dir, node_runner, tmp_path_factory):
    """Train and run tests/engine in one Node process; its result and network report."""
    tmp = tmp_path_factory.mktemp("pyodide")
    program, report = tmp / "in_pyodide.py", tmp / "report.json"
    program.write_text(IN_PYODIDE)
    dest = "/home/pyodide/gradplay"
    copies = [
        (REPO / "pyproject.toml", f"{dest}/pyproject.toml"),
        (REPO / "tests" / "__init__.py", f"{dest}/tests/__init__.py"),
        (REPO / "tests" / "conftest.py", f"{dest}/tests/conftest.py"),
        (REPO / "tests" / "engine", f"{dest}/tests/engine"),
    ]
    cmd = [_require_node(), str(node_runner), "--runtime", str(runtime_dir), "--report", str(report)]
    for host, target in copies:
        cmd += ["--copy", f"{host}:{target}"]
    cmd += [str(program), json.dumps(sorted(DESELECT))]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "NODE_NO_WARNINGS": "1"})
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    assert lines, f"no result from Pyodide (exit {proc.returncode}):\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}"
    return json.loads(lines[-1][len(MARK) :]), json.loads(report.read_text()), proc


def test_engine_tests_pass_in_pyodide(pyodide_run):
    result, _, proc = pyodide_run
    assert result["exit_code"] in (0, 1), f"pytest in Pyodide exited {result['exit_code']}:\n{proc.stdout[-5000:]}"
    native = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests/engine"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    native_ids = {line for line in native.stdout.splitlines() if line.startswith("tests/engine/")}
    assert native_ids, native.stdout[-3000:]
    assert set(result["collected"]) == native_ids - set(DESELECT), "Pyodide collected other tests than CPython"

    reports = result["reports"]
    failed = {k: v for k, v in reports.items() if v[0] == "failed"}
    skipped = {k for k, v in reports.items() if v[0] == "skipped"}
    passed = {k for k, v in reports.items() if v[0] == "passed"}
    print(f"in Pyodide: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped, {len(DESELECT)} deselected")
    unexpected = {k: v[2] for k, v in failed.items() if k not in EXPECTED_FAILURES}
    assert not unexpected, "failed in Pyodide:\n" + "\n\n".join(f"{k}\n{text}" for k, text in unexpected.items())
    fixed = sorted(set(EXPECTED_FAILURES) - set(failed))
    assert not fixed, f"these now pass in Pyodide, remove them from EXPECTED_FAILURES: {fixed}"


def test_same_seed_same_weights_natively_and_in_pyodide(pyodide_run, native_training):
    result, _, _ = pyodide_run
    diff = assert_same_training(native_training, result["train"])
    print(f"max |native - pyodide| weight difference after {EPOCHS} epochs: {diff:.3g}")


def test_no_network_request(pyodide_run):
    _, report, proc = pyodide_run
    assert report["network_attempts"] == 0, f"network requests were attempted: {report['blocked']}"
    assert report["pyodide"] == "0.27.7" and "gradplay-0.1.0-py3-none-any.whl" in report["wheels"]
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    print(f"Node timings (ms): {report['timings']}")
