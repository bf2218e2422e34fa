# gradplay tasks. Each target sets up what it needs on a fresh machine (a local .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

# The in-browser runtime is Python 3.12 with NumPy 2.0: the engine's tests also run there.
PY312 ?= $(shell command -v python3.12 2>/dev/null | grep -v shims || ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | tail -n 1)
COMPAT := .venv-py312-np20

.PHONY: run test compat bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

# Tests also need pytest, ruff, Playwright, real Keras + JAX for the comparisons, and the
# exporters' checkers (ONNX Runtime, TensorBoard).
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,compare,export,jupyter,notebooks,site]"
	touch $(TEST_STAMP)

## The main job: the Playground on http://localhost:5006/ (Ctrl+C stops it).
run: $(STAMP)
	$(BIN)/python -m gradplay.app

## Lint, the whole test suite, and the engine's tests on Python 3.12 + NumPy 2.0.
test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest
	$(MAKE) compat

$(COMPAT)/.installed: pyproject.toml
	@test -n "$(PY312)" || { echo "compat: no python3.12 found; install Python 3.12 or set PY312=/path/to/python3.12" >&2; exit 1; }
	$(PY312) -m venv $(COMPAT)
	$(COMPAT)/bin/python -m pip install --quiet "numpy==2.0.2" "pytest>=8"
	$(COMPAT)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

compat: $(COMPAT)/.installed
	$(COMPAT)/bin/python -m pytest -p no:cacheprovider tests/engine tests/test_packaging.py

## Benchmarks (ratios against NumPy in the same run; see BENCHMARKS.md).
bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/engine_core.py
	$(BIN)/python benchmarks/keras_training.py
	$(BIN)/python benchmarks/widgets_redraw.py
	$(BIN)/python benchmarks/playground_speed.py
	$(BIN)/python benchmarks/playground_load.py

clean:
	rm -rf $(VENV) $(COMPAT) build *.egg-info .pytest_cache .ruff_cache
