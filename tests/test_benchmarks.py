"""Benchmarks stay honest: the engine and the hand-written NumPy reference compute the same."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _load(name):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_playground_step_matches_hand_written_numpy():
    _load("engine_core").check_equivalence(steps=20)
