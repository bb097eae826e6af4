# Centralita's developer commands. Each target sets up what it needs first.
#   make demo   set up and run the center with a demo company on http://127.0.0.1:8080/
#   make test   set up and run the whole test suite
#   make bench  run the benchmarks and print their figures
#   make lint   ruff (lint + format check) and mypy
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv demo test test-deps native bench lint format clean

venv:
	@scripts/bootstrap.sh

# What the tests need beyond Python packages: Debian packages (sipp...), PostgreSQL, and
# our own pjsua2 build (the first build takes a few minutes, then it is cached). Without
# root these may fail: the tests that need them then skip, except with CI=true.
test-deps: venv
	@scripts/install-test-deps.sh || [ "$$CI" != true ]
	@scripts/ensure-postgres.sh
	@scripts/pjsua2/install.sh $(VENV) || [ "$$CI" != true ]

# The demo's calls are real SIP through our pjsua2 build (built once, then cached); where
# it cannot be built the demo still runs, with simulated callers inside the process.
SIP_PORT ?= 5070
demo: venv
	@scripts/pjsua2/install.sh $(VENV) || echo "demo: no pjsua2, so no SIP calls; simulated callers instead"
	@if $(BIN)/python -c 'import pjsua2' 2>/dev/null; then \
	  exec $(BIN)/centralita demo --sip-port $(SIP_PORT); \
	else \
	  exec $(BIN)/centralita demo; \
	fi

# The suite runs the core interpreted (the sources are the truth); one of its tests builds
# the compiled core into a throw-away cache and runs the core's tests on it. It runs on
# one worker process per core (pytest-xdist, at most 4): most of its time is real SIP
# calls waiting on audio, so two workers on two cores take about 12 minutes instead of
# 19. PYTEST_ARGS= (empty) runs it in one process.
PYTEST_ARGS ?= -n auto --maxprocesses=4
test: test-deps
	CENTRALITA_NATIVE=$${CENTRALITA_NATIVE:-0} $(BIN)/pytest $(PYTEST_ARGS)

# The routing core compiled with mypyc into ~/.cache/centralita/native/<key of the
# sources> (src/centralita/core/native.py); used automatically while the sources match.
native: venv
	@$(BIN)/python scripts/native.py build

bench: venv
	@$(BIN)/python scripts/native.py build || echo "bench: no compiled core (mypyc or a C compiler missing); interpreted figures only"
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
