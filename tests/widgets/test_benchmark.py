"""The redraw benchmark measures widgets that draw what its NumPy reference computes."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def test_widgets_redraw_benchmark_is_honest():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "widgets_redraw.py"
    spec = importlib.util.spec_from_file_location("bench_widgets_redraw", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    boundary, grid, points, params, events = module.setup(resolution=20)
    module.check(boundary, grid, points, params)
    assert events  # the widgets emitted document changes, as on a served page
