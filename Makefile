# Kaifang — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
KAIFANG_DATA_DIR ?= ./var
export KAIFANG_DATA_DIR
PYTEST_WORKERS ?= 2

.PHONY: run test lint bench install install-dev browser clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON) --quiet

install-dev: $(UV)
	$(UV) sync --frozen --extra dev --python $(PYTHON) --quiet

## run: set up, migrate, load the demo city and serve on http://$${KAIFANG_HOST:-127.0.0.1}:$${KAIFANG_PORT:-8000}
run: install
	$(BIN)/kaifang db upgrade
	$(BIN)/kaifang demo load
	$(BIN)/kaifang serve

## test: set up with dev dependencies and run the whole suite (SQLite and PostgreSQL)
test: install-dev browser
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

## lint: formatting, lint rules, layer contracts and types
lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy src/kaifang

## browser: Debian's Chromium for the browser tests (no browser download), a Chinese font so
## its screenshots show text rather than empty boxes, and poppler's pdftotext for checking
## generated PDFs
browser:
	@{ command -v chromium && command -v pdftotext && fc-list :lang=zh | grep -q .; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils fonts-wqy-microhei >/dev/null; \
	  else echo "chromium, poppler-utils or a Chinese font not installed: browser and PDF text tests may be skipped"; fi; }

## bench: benchmarks (not part of the test suite); results go to docs/benchmarks.md
bench: install-dev
	$(BIN)/python -m bench.run $(BENCH)

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .mypy_cache
