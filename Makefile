# Centralita's developer commands. Each target sets up what it needs first.
#   make demo   set up and run the center with a demo company on http://127.0.0.1:8080/
#   make test   set up and run the whole test suite
#   make bench  run the benchmarks and print their figures
#   make lint   ruff (lint + format check) and mypy
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv demo test test-deps bench lint format clean

venv:
	@scripts/bootstrap.sh

test-deps: venv
	@if [ -x scripts/install-test-deps.sh ]; then scripts/install-test-deps.sh; fi
	@scripts/ensure-postgres.sh

demo: venv
	$(BIN)/centralita demo

test: test-deps
	$(BIN)/pytest $(PYTEST_ARGS)

bench: venv
	$(BIN)/python benchmarks/run_all.py

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
