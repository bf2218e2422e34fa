"""Panel, Bokeh, the widgets and the Playground's Python side inside Pyodide 0.27.7 under Node, offline.

One Node process boots the runtime that ``site/runtime.py --panel`` assembles (Panel 1.9, Bokeh
3.9 and their pure-Python dependencies from PyPI with pinned hashes, PyYAML and MarkupSafe
repackaged as pure Python, the ``nh3`` shim; contourpy and pillow from the lock-verified Pyodide
distribution; no pandas) and runs the headless widget tests and the Playground's state, session and
page tests there: the same code builds the same Bokeh documents as natively, with no request
leaving the process. The Playground's model, exported there as `.keras` (written by the pure-Python
HDF5 writer: there is no h5py), loads natively in gradplay and in real Keras 3 with the same
predictions.
"""

from __future__ import annotations

import base64
import os

import numpy as np
import pytest

from .conftest import check_suite, run_pytest_in_pyodide

pytestmark = [pytest.mark.node, pytest.mark.slow]

PATHS = [
    "tests/widgets",
    "tests/app/test_state.py",
    "tests/app/test_datasets.py",
    "tests/app/test_session.py",
    "tests/app/test_playground.py",
]
PACKAGES = ["contourpy", "pillow"]  # no pandas: with pyodide_http installed Panel does not import it

_NO_PROCESSES = "Pyodide has no processes: the test runs Python in a subprocess"
# Tests that cannot run inside Pyodide at all, by node id, with why.
DESELECT = {
    "tests/app/test_session.py::test_session_imports_only_numpy_and_the_engine": _NO_PROCESSES,
    "tests/app/test_session.py::test_to_code_rebuilds_and_trains_the_same": _NO_PROCESSES,
}

_NO_H5PY = (
    "h5py has no offline Pyodide build here (only on Pyodide's CDN): the legacy `.h5` format needs "
    "it to write, and `.keras`/`.weights.h5` need it to load (they are written without it); the "
    "page offers the formats it can write"
)
_NO_ONNX = "the onnx package has no Pyodide build; ONNX export is native only (the page does not offer it)"
# Tests that fail inside Pyodide, with why (strict both ways, see check_suite).
EXPECTED_FAILURES = {
    "tests/app/test_session.py::test_export_loads_back[keras]": _NO_H5PY,
    "tests/app/test_session.py::test_export_loads_back[weights.h5]": _NO_H5PY,
    "tests/app/test_session.py::test_export_loads_back[h5]": _NO_H5PY,
    "tests/app/test_session.py::test_export_loads_back[onnx]": _NO_ONNX,
    "tests/app/test_playground.py::test_keras_download_loads_back": _NO_H5PY,
}
POINTS = [[0.5, -1.0], [3.0, 3.0], [-2.5, 0.25], [0.0, 0.0]]
# Before the tests: the versions, the formats the page offers, and a trained model as `.keras`.
PRELUDE = f"""
import base64, importlib.util
from types import SimpleNamespace
import numpy as np
import panel, bokeh
from gradplay.app.session import DEFAULTS, TrainingSession, available_exports
result["versions"] = [panel.__version__, bokeh.__version__]
result["h5py"] = importlib.util.find_spec("h5py") is not None
result["exports"] = available_exports()
session = TrainingSession(SimpleNamespace(**DEFAULTS))
for _ in range(5):
    session.train_epoch()
name, data = session.export("keras")
result["keras_file"] = [name, base64.b64encode(data).decode()]
result["predictions"] = session.model.predict(np.array({POINTS}, np.float32), verbose=0).tolist()
"""


@pytest.fixture(scope="module")
def pyodide_run(panel_runtime_dir, node_runner, tmp_path_factory):
    return run_pytest_in_pyodide(
        panel_runtime_dir,
        tmp_path_factory.mktemp("pyodide-widgets"),
        PATHS,
        DESELECT,
        packages=PACKAGES,
        copies=["benchmarks"],
        prelude=PRELUDE,
    )


def test_widget_and_playground_tests_pass_in_pyodide(pyodide_run):
    result, _, proc = pyodide_run
    assert result["versions"] == ["1.9.4", "3.9.2"]
    assert result["exports"] == ["keras", "weights.h5", "npz", "tfjs"]  # h5 and onnx need h5py, onnx
    check_suite(result, proc, PATHS, DESELECT, EXPECTED_FAILURES)


def test_no_network_request(pyodide_run):
    _, report, proc = pyodide_run
    assert report["network_attempts"] == 0, f"network requests were attempted: {report['blocked']}"
    assert {"panel-1.9.4-py3-none-any.whl", "nh3-0.3.8-py3-none-any.whl"} <= set(report["wheels"])
    print(f"Node timings (ms): {report['timings']}")


@pytest.fixture(scope="module")
def keras_file_from_pyodide(pyodide_run, tmp_path_factory):
    result, _, _ = pyodide_run
    assert result["h5py"] is False, "the check below means something only without h5py"
    name, data = result["keras_file"]
    path = tmp_path_factory.mktemp("from-pyodide") / name
    path.write_bytes(base64.b64decode(data))
    return path, np.asarray(result["predictions"], np.float32)


def test_keras_file_written_in_pyodide_loads_in_gradplay(keras_file_from_pyodide):
    from gradplay.engine.keras.models import load_model

    path, expected = keras_file_from_pyodide
    model = load_model(str(path))
    np.testing.assert_allclose(model.predict(np.array(POINTS, np.float32), verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_keras_file_written_in_pyodide_loads_in_real_keras(keras_file_from_pyodide):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras", reason="real Keras is installed by `make test` (pip extra 'compare')")
    path, expected = keras_file_from_pyodide
    model = keras.saving.load_model(str(path))
    got = np.asarray(model.predict(np.array(POINTS, np.float32), verbose=0))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
