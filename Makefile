# Đôn đốc — set-up, the embedded stack, the tests. See README.md.
#
#   make run        set up (first time) and run `dondoc dev` with demo data
#   make test       set up (first time) and run the whole test suite
#   make lint       ruff check, format check, and the layer contract (import-linter)
#
# `make install` is quick when nothing changed: it reinstalls only when pyproject.toml is
# newer than the stamp file .venv/.installed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

# Extra arguments, e.g. `make run ARGS="--port 8080"` or `make test PYTEST_ARGS="-k dev"`.
ARGS ?=
PYTEST_ARGS ?=

.PHONY: install run test lint install-browser install-postgres

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: install
	$(BIN)/dondoc dev $(ARGS)

# Browser tests drive Debian's chromium; install it once if it is missing (needs root).
install-browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing chromium for the browser tests…"; \
		apt-get update && apt-get install -y chromium; \
	fi

# The store, API, console and end-to-end suites run on PostgreSQL too, in a throwaway
# cluster of Debian's server (tests/support/postgres.py); install it once if missing (root).
install-postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing PostgreSQL for the tests…"; \
		apt-get update && apt-get install -y postgresql; \
	fi

test: install install-browser install-postgres
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check dondoc tests bench
	$(BIN)/ruff format --check dondoc tests bench
	$(BIN)/lint-imports
