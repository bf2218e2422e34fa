# gradplay tasks. Each target sets up what it needs on a fresh machine (a local .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## The main job (today: the engine demo in the terminal; it becomes the Playground).
run: $(STAMP)
	$(BIN)/python -m gradplay.app

## Lint and the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

## Benchmarks (ratios against NumPy in the same run; see BENCHMARKS.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/engine_core.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
