# The two commands a fresh clone needs: `make demo` and `make test` (see README.md).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -q --disable-pip-version-check

.PHONY: demo test lint samples schema

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements/runtime.txt pyproject.toml | $(BIN)/python
	$(PIP) -r requirements/runtime.txt
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements/dev.txt scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	$(PIP) -r requirements/dev.txt
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/veracity check src/veracity/samples/data --html demo-report.html --json demo-report.json
	@echo "wrote demo-report.html and demo-report.json"

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test: $(VENV)/.dev lint
	$(BIN)/python -m pytest

samples: $(VENV)/.dev
	$(BIN)/python -m veracity.samples._make

schema: $(VENV)/.runtime
	$(BIN)/veracity schema > schema/report.schema.json
