"""Packaging rules from DESIGN.md: dependency direction and import cost."""

from __future__ import annotations

import json
import subprocess
import sys

ENGINE_PROBE = """
import json, sys, time
t = time.perf_counter()
import numpy
before = set(sys.modules)
import gradplay.engine as tf
elapsed = time.perf_counter() - t
new = sorted({m.split('.')[0] for m in set(sys.modules) - before})
print(json.dumps({"elapsed": elapsed, "top": sorted({m.split('.')[0] for m in sys.modules}),
                  "new": new}))
"""

# What may be imported by `import gradplay.engine`: the standard library, numpy, gradplay.
FORBIDDEN = {
    "panel",
    "bokeh",
    "param",
    "h5py",
    "wgpu",
    "scipy",
    "pandas",
    "matplotlib",
    "torch",
    "tensorflow",
    "keras",
    "jax",
    "IPython",
}


def _probe():
    out = subprocess.run([sys.executable, "-c", ENGINE_PROBE], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_engine_imports_numpy_only():
    probe = _probe()
    top = set(probe["top"])
    assert not (top & FORBIDDEN), f"engine imported {sorted(top & FORBIDDEN)}"
    # Beyond what numpy itself brings in, only gradplay and the standard library.
    third_party = set(probe["new"]) - set(sys.stdlib_module_names) - {"gradplay", "numpy", "cython_runtime"}
    third_party = {m for m in third_party if not m.startswith("_")}
    assert third_party == set(), f"engine imported third-party modules {sorted(third_party)}"


def test_engine_imports_quickly():
    # Generous bound (a cold CI disk); measured ~0.2 s here. Not a benchmark: a regression guard
    # against importing something heavy at import time.
    assert _probe()["elapsed"] < 1.0


def test_engine_source_does_not_import_upward():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "engine"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("gradplay.widgets", "gradplay.app", "import panel", "import bokeh"):
            assert banned not in text, f"{path.relative_to(root.parent)} mentions {banned}"
