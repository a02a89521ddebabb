# One entry point for set-up, run, lint, type-check, test and benchmarks.
# The same targets run locally and in CI.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run run-cluster bytecode test lint typecheck check bench bench-quick bench-scale bench-import bench-export bench-pages bench-load fuzz test-browser system-deps proxy-deps clean

$(VENV)/.runtime-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: start the dashboard on the embedded default (SQLite + bundled sample data); `python -m ui.serve` takes
## the options of `streamlit run app.py` and adds the libraries imported first, security headers and cache guard
run: $(VENV)/.runtime-installed bytecode
	$(PY) -m ui.serve --server.port=$(PORT) --browser.gatherUsageStats=false

## bytecode: compile the app's modules ahead, so a server starts from bytecode even where the environment
## switches Python's own caching off (PYTHONDONTWRITEBYTECODE, common in containers): 0.2 s of every cold start
bytecode:
	$(PY) -m compileall -q -x '(^|/)(\.venv|\.git|tests|bench)/' .

## system-deps: Debian's chromium for browser tests and chart export, LibreOffice Impress and poppler-utils for
## the deck's PDF and its LibreOffice tests (installed when missing and run as root)
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="chromium chromium-driver fonts-liberation"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-impress"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's $$missing ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "missing: $$missing (not root): browser and LibreOffice tests will be skipped"; fi

## test: the whole suite (installs what the tests need first: Chromium, LibreOffice, poppler, HAProxy)
test: $(VENV)/.dev-installed system-deps proxy-deps
	DASHBOARD_SEEDS_DIR="$${DASHBOARD_SEEDS_DIR:-$(CURDIR)/../shared/seeds}" $(PY) -m pytest

## lint: ruff, and the import contracts of the layers (pyproject.toml, [tool.importlinter])
lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.dev-installed
	$(PY) -m mypy

check: lint typecheck test

## bench: national-scale metric benchmark (25 million visits; about half an hour)
bench: $(VENV)/.dev-installed
	$(PY) -m bench.metrics_bench --sizes 1000000,5000000,25000000

## bench-quick: the same at small sizes, for a smoke run
bench-quick: $(VENV)/.dev-installed
	$(PY) -m bench.metrics_bench --sizes 200000,1000000

## bench-scale: the aggregate engines (one process, a process pool, Dask) at 5 and 25 million visits a year
## over one and three years (up to 75 million), outputs compared; SIZES= and YEARS= for a smaller run
bench-scale: $(VENV)/.dev-installed
	$(PY) -m bench.scale_bench --sizes $(or $(SIZES),5000000,25000000) --years $(or $(YEARS),1,3) --workers 2

## bench-import: a 25-million-row Avohilmo-layout extract read, validated and written to Parquet, then filed into buckets
bench-import: $(VENV)/.dev-installed
	$(PY) -m bench.import_bench --rows 25000000 --file-buckets

## bench-export: first and later chart images, a 12-chart deck
bench-export: $(VENV)/.dev-installed system-deps
	$(PY) -m bench.export_bench

## fuzz: 10,800 generated inputs: files through every extract reader, uploads and file names through the import on
## SQLite and PostgreSQL, with counts of reports, typed errors, crashes and partial writes (at most about 25 minutes)
fuzz: $(VENV)/.dev-installed
	$(PY) -m bench.fuzz --minutes 25

## test-browser: only the real-browser tests (Debian's chromium; axe-core from npm on first use)
test-browser: $(VENV)/.dev-installed system-deps
	$(PY) -m pytest -m browser

## bench-pages: server time to rerender after a filter change, cold start to the first overview
bench-pages: $(VENV)/.dev-installed system-deps
	$(PY) -m bench.page_bench

## bench-load: many readers at once over Streamlit's protocol against 2 processes behind HAProxy: a burst of 20
## sessions on a fresh server and store, 50 sessions with 5 s think time for 5 minutes beside one Chromium reader,
## and a burst of 20 on the warm server (about 10 minutes; bench/output/load_bench.md)
bench-load: $(VENV)/.dev-installed system-deps proxy-deps
	$(PY) -m bench.load_bench --processes 2

## run-cluster: the dashboard as one process per core behind HAProxy on http://localhost:$(PORT) (deploy/)
run-cluster: $(VENV)/.runtime-installed bytecode proxy-deps
	$(PY) -m deploy.cluster --port=$(PORT)

## proxy-deps: Debian's HAProxy for run-cluster and bench-load (installed when missing and run as root)
proxy-deps:
	@if command -v haproxy >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's haproxy ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null; \
	else echo "missing: haproxy (not root): install it to run several processes"; exit 1; fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
