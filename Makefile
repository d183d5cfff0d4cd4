# yincai — the two commands a new user runs: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL := postgres://postgres@127.0.0.1:54329/yincai
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
DEMO_APT := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
TEST_APT := $(DEMO_APT) chromium postgresql poppler-utils
PYTEST_ARGS ?=

.PHONY: demo test test-sqlite test-pg bench install assets lint typecheck system-deps-demo system-deps-test clean

demo: install system-deps-demo
	$(BIN)/yincai demo
	$(BIN)/yincai serve --host 127.0.0.1 --port 8000 --with-worker

test: install system-deps-test lint test-sqlite test-pg

install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

assets: src/yincai/static/vendor/.built

src/yincai/static/vendor/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p src/yincai/static/vendor
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js src/yincai/static/vendor/
	mkdir -p src/yincai/static/vendor/katex
	cp -r node_modules/katex/dist/katex.min.css node_modules/katex/dist/katex.min.js \
	  node_modules/katex/dist/contrib/auto-render.min.js node_modules/katex/dist/fonts src/yincai/static/vendor/katex/
	touch $@

# Debian packages, installed only when missing (apt-get update once first).
define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "安装系统软件包:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi
endef

system-deps-demo:
	$(call apt_ensure,$(DEMO_APT))

system-deps-test:
	$(call apt_ensure,$(TEST_APT))

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src/yincai/engine

# Two workers for the unit/integration tests (a 2-core machine); the e2e tests share one live server per run.
test-sqlite:
	$(BIN)/python -m pytest -m "not slow and not e2e" -n 2 $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m "e2e and not slow" $(PYTEST_ARGS)

test-pg: system-deps-test
	scripts/pg-test.sh start
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -m "not slow and not e2e" -n 2 $(PYTEST_ARGS); \
	  status=$$?; scripts/pg-test.sh stop; exit $$status

bench: install
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[bench]' 2>/dev/null || true
	bash bench/run.sh

clean:
	rm -rf $(VENV) node_modules src/yincai/static/vendor var test-artifacts
