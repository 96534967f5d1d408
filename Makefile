# Đôn đốc — set-up, the embedded stack, the tests. See README.md.
#
#   make run        set up (first time) and run `dondoc dev` with demo data
#   make test       set up (first time) and run the whole test suite
#   make lint       ruff check, format check, and the layer contract (import-linter)
#   make test-faults  the real processes through a burst of tasks and each fault (minutes)
#
#   make lock       re-resolve the lock files after a change to pyproject.toml (README.md)
#
# `make install` installs the exact versions of the lock file requirements-dev.txt (every
# file checked against its hash) and the project itself, editable, without resolving
# anything. It is quick when nothing changed: it reinstalls only when pyproject.toml or the
# lock is newer than the stamp file .venv/.installed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

# Extra arguments, e.g. `make run ARGS="--port 8080"` or `make test PYTEST_ARGS="-k dev"`.
ARGS ?=
PYTEST_ARGS ?=

.PHONY: install run test test-faults lint install-browser lock install-system-tools install-postgres

# requirements.txt: what `dondoc` needs to run (the Dockerfile installs it);
# requirements-dev.txt: the same pins plus the test and lint tools (`make install`).
LOCK := requirements.txt
DEV_LOCK := requirements-dev.txt
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	--no-emit-index-url --no-emit-find-links
# `make lock UPGRADE=1` moves every pin to the newest version that pyproject.toml allows;
# without it, pins that still satisfy pyproject.toml are kept.
UPGRADE ?=

install: $(STAMP)

# --no-deps: the lock already names every package, so pip resolves nothing; --no-build-
# isolation: the project builds with the locked setuptools; pip check: the lock misses
# nothing pyproject.toml asks for (else run `make lock`).
$(STAMP): pyproject.toml $(DEV_LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps --only-binary=:all: -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(BIN)/python -m pip check || { echo "pyproject.toml asks for more than the lock holds: run make lock" >&2; exit 1; }
	@touch $(STAMP)

# Needs only pip-compile, from the current lock: not `install`, whose pip check fails while
# pyproject.toml names a package that the lock does not have yet.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/pip-compile || $(BIN)/python -m pip install --quiet --require-hashes \
		--no-deps --only-binary=:all: -r $(DEV_LOCK)
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade) \
		--output-file $(LOCK) pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade) \
		--extra dev --constraint $(LOCK) --output-file $(DEV_LOCK) pyproject.toml

# Programs from Debian the tests use, installed once here if missing (needs root), with one
# `apt-get update`: nginx (the TLS-terminating gRPC proxy in front of Temporal, and the
# proxy docs/operations.md sets up) and systemd's tools (`systemd-analyze verify` and
# `security` on the units of deploy/). Debian's policy-rc.d, where present, keeps a package
# from starting a server of its own; the tests start theirs. The other deploy checkers
# (hadolint, the Compose plugin, the Kubernetes schemas, a PromQL parser) come from PyPI.
install-system-tools:
	@missing=""; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing for the tests…"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

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

test: install install-browser install-system-tools install-postgres
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fault runs (tests/faults): `dondoc worker`, `dondoc web`, the Temporal dev server, a
# relay and each database, through FAULT_TASKS tasks per scenario and one fault each; the
# table at the end. CI runs a smaller burst, e.g. `make test-faults FAULT_TASKS=40
# FAULT_SMTP_OUTAGE=10 FAULT_DB_OUTAGE=10`.
FAULT_TASKS ?= 200
FAULT_SMTP_OUTAGE ?= 60
FAULT_DB_OUTAGE ?= 30

test-faults: install install-postgres
	DONDOC_FAULTS_TASKS=$(FAULT_TASKS) DONDOC_FAULTS_SMTP_OUTAGE=$(FAULT_SMTP_OUTAGE) \
		DONDOC_FAULTS_DB_OUTAGE=$(FAULT_DB_OUTAGE) \
		$(BIN)/python -m pytest tests/faults -m faults $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check dondoc tests bench
	$(BIN)/ruff format --check dondoc tests bench
	$(BIN)/lint-imports
