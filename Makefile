# Pilotis: everything a developer or a CI machine needs, with only Python >= 3.11 and GNU make.
#   make run    install, migrate, load the demo portfolio (first time only), start web + worker + beat
#   make test   the whole test suite (honours DATABASE_URL, CELERY_BROKER_URL, CACHE_URL, PYTEST_ARGS)
# `make help` lists every target.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pilotis_bench
# The cache the benchmark measures with, when CACHE_URL is not set and this Redis answers (production
# runs PostgreSQL with Redis, docker-compose.yml); otherwise the file cache of the embedded default.
BENCH_CACHE_URL ?= redis://127.0.0.1:6379/13
BENCH_ARGS ?=

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pilotis-installed
MANAGE := $(BIN)/python manage.py

PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.DEFAULT_GOAL := help
.PHONY: help install run test lint format migrate demo messages bench clean

# Local commands run in DEBUG (insecure development key, local hosts) unless DJANGO_DEBUG is set.
run migrate demo messages: export DJANGO_DEBUG ?= 1

help:
	@echo "Pilotis"
	@echo "  make run       install, migrate, load the demo once, run web + Celery worker + beat"
	@echo "                 (HOST=$(HOST) PORT=$(PORT); Ctrl-C stops everything)"
	@echo "  make test      run the whole test suite (PYTEST_ARGS='-k sheet -x' to narrow it)"
	@echo "  make lint      ruff check + ruff format --check + import layers (lint-imports) + mypy"
	@echo "  make format    ruff format + ruff check --fix"
	@echo "  make migrate   apply database migrations"
	@echo "  make demo      load the demo portfolio (idempotent)"
	@echo "  make messages  update the French catalogue and compile it (needs GNU gettext)"
	@echo "  make bench     seed a large portfolio in PostgreSQL and print QUALITY.md's performance figures"
	@echo "                 (DATABASE_URL if it is PostgreSQL, else $(BENCH_DATABASE_URL);"
	@echo "                 BENCH_ARGS='--projects 10000 --repeat 50 --wrk-seconds 10 --strict --reseed')"
	@echo "  make clean     remove the virtualenv, caches and build files (keeps var/ and its database)"

# -- the virtualenv ---------------------------------------------------------------------------------

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: '$(PYTHON)' was not found. Install Python 3.11 or newer, or run e.g. 'make run PYTHON=python3.12'." >&2; \
	  exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "error: Pilotis needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) -c 'import platform; print(platform.python_version())')." >&2; \
	  echo "       Install a newer Python and run e.g. 'make run PYTHON=python3.12'." >&2; \
	  exit 1; }
	@$(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  echo "error: '$(PYTHON) -m venv' failed. On Debian/Ubuntu install the venv module: apt-get install python3-venv" >&2; \
	  exit 1; }

# Re-installs only when pyproject.toml changes: later runs are instant.
$(STAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "error: $(VENV) was made with a Python older than 3.11: remove it ('make clean') and retry." >&2; \
	  exit 1; }
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

# -- translations -----------------------------------------------------------------------------------
# The compiled French catalogues (.mo) are committed, so no gettext is needed to run Pilotis.
# A catalogue is recompiled only when its .po is newer and msgfmt is available.

locale/%.mo: locale/%.po
	@if command -v msgfmt >/dev/null 2>&1; then \
	  echo "msgfmt $<"; msgfmt --check-format -o $@ $<; \
	elif [ -f $@ ]; then \
	  echo "note: $< is newer than $@ but GNU gettext (msgfmt) is not installed: using the committed $@."; \
	else \
	  echo "error: $@ is missing and GNU gettext (msgfmt) is not installed to compile $<." >&2; exit 1; \
	fi

# -- the two commands -------------------------------------------------------------------------------

run: $(STAMP) $(MO_FILES)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo --if-empty
	$(MANAGE) run_all --host $(HOST) --port $(PORT)

test: $(STAMP) $(MO_FILES)
	$(BIN)/pytest $(PYTEST_ARGS)

# -- development -------------------------------------------------------------------------------------

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_DEBUG=1 $(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(STAMP)
	$(MANAGE) migrate --noinput

demo: $(STAMP)
	$(MANAGE) load_demo

messages: $(STAMP)
	@command -v msgfmt >/dev/null 2>&1 || { echo "error: 'make messages' needs GNU gettext (apt-get install gettext)." >&2; exit 1; }
	$(MANAGE) makemessages -l fr --no-obsolete --ignore 'var/*' --ignore 'staticfiles/*'
	$(MANAGE) compilemessages --ignore '.venv/*'

# Production-like settings (DEBUG off): a throwaway key and the test client's host name. Uses
# DATABASE_URL only when it points to PostgreSQL; the benchmark refuses a database it did not seed.
# CACHE_URL when set, else BENCH_CACHE_URL when that Redis answers, else the file cache.
bench: export DJANGO_SECRET_KEY ?= bench-only-not-a-secret
bench: export DJANGO_ALLOWED_HOSTS ?= testserver
bench: $(STAMP)
	@case "$${DATABASE_URL:-}" in \
	  postgres://*|postgresql://*|pgsql://*) url="$$DATABASE_URL" ;; \
	  *) url="$(BENCH_DATABASE_URL)" ;; \
	esac; \
	cache="$${CACHE_URL:-}"; \
	if [ -z "$$cache" ] && $(BIN)/python -c "import socket, sys, urllib.parse; u = urllib.parse.urlsplit(sys.argv[1]); socket.create_connection((u.hostname, u.port or 6379), 1).close()" "$(BENCH_CACHE_URL)" 2>/dev/null; then \
	  cache="$(BENCH_CACHE_URL)"; \
	fi; \
	DATABASE_URL="$$url" CACHE_URL="$$cache" $(MANAGE) bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache staticfiles
	find . -path ./var -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
