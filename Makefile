# Pingyi: `make run` serves the demo, `make test` runs the whole suite.
# Both create .venv and install on first use; nothing needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Gunicorn worker processes, each with 4 threads (pingyi/gunicorn_conf.py): about one
# process per core, whose threads serve other requests while one waits for the
# database; 2 suits a 2-core machine (bench/load.py).
WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: run test bench lint format setup migrate demo messages browsers clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

migrate: $(STAMP)
	$(BIN)/pingyi migrate --no-input -v 1

demo: migrate
	$(BIN)/pingyi demo

# Serves the site with a background worker beside it (the daily overdue check
# queues itself once); stopping gunicorn stops the worker too.
run: demo
	$(BIN)/pingyi collectstatic --no-input -v 0
	$(BIN)/pingyi rectification schedule
	@echo "Pingyi: http://$(HOST):$(PORT)/  (log in as organizer / pingyi-organizer)"
	$(BIN)/pingyi db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn pingyi.wsgi -c python:pingyi.gunicorn_conf --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -

test: $(STAMP)
	$(BIN)/pingyi check
	$(BIN)/pingyi makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks at province scale on SQLite and PostgreSQL (not part of `make test`);
# BENCH_SCALE=small finishes in a few minutes. Report: bench/results/latest-<scale>.md
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_SCALE ?= full

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	@pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || \
		pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n1)" main start || true
	BENCH_SCALE=$(BENCH_SCALE) $(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the zh_Hans catalogue from the sources and compile it (needs GNU gettext).
messages: $(STAMP)
	$(BIN)/pingyi makemessages -l zh_Hans --no-obsolete --no-location \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'build/*'
	$(BIN)/pingyi compilemessages -l zh_Hans --ignore '.venv/*'

# Debian's chromium and poppler-utils for the browser and PDF tests (skipped without them).
browsers:
	test -x /usr/bin/chromium && command -v pdftoppm >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq chromium poppler-utils)

clean:
	rm -rf $(VENV) var
