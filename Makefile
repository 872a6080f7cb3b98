# webpanel: `make run` serves the panel, `make test` runs every test. See README.md.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
THREADS ?= 24
APT_PACKAGES_RUN  := fonts-dejavu-core fonts-ipaexfont-gothic fonts-droid-fallback fonts-freefont-ttf
APT_PACKAGES_TEST := chromium fonts-dejavu-core fonts-ipaexfont-gothic fonts-droid-fallback fonts-freefont-ttf dovecot-imapd poppler-utils postgresql redis-server

.PHONY: run test test-sqlite test-postgresql test-e2e lint bench install install-test system-run system-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian packages: fonts for the PDFs, and Chromium for the browser tests.
system-run:
	@./scripts/apt-ensure.sh $(APT_PACKAGES_RUN)
# The tests start their own PostgreSQL cluster: Debian's package need not make one of its own.
system-test:
	@[ "$$(id -u)" -ne 0 ] || { mkdir -p /etc/postgresql-common/createcluster.d && \
		echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/webpanel.conf; }
	@./scripts/apt-ensure.sh $(APT_PACKAGES_TEST)

# The web server (gunicorn) and the background worker, both from the Procfile.
run: install system-run
	$(BIN)/flask --app webpanel db upgrade
	@echo "webpanel is at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	BIN=$(BIN) HOST=$(HOST) WORKERS=$(WORKERS) THREADS=$(THREADS) \
		$(BIN)/honcho start --procfile Procfile --port $(PORT)

# ruff, then the import contracts in pyproject.toml (packages import only downward, no cycles).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The tests without a browser on SQLite and, side by side, the integration and unit tests again
# on a throwaway PostgreSQL (each run prints when it ends; each hands out its own ports, below
# the range the system picks from, so their servers never meet); then the browser tests alone,
# on a machine no longer busy with the other two.
test: install-test system-test lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql
	$(MAKE) --no-print-directory test-e2e
test-sqlite: install-test
	WEBPANEL_TEST_PORTS=20000-25999 $(BIN)/python -m pytest --ignore=tests/e2e
test-postgresql: install-test
	WEBPANEL_TEST_PORTS=26000-31999 $(BIN)/python -m pytest tests/integration tests/unit --database=postgresql
test-e2e: install-test
	WEBPANEL_TEST_PORTS=20000-25999 $(BIN)/python -m pytest tests/e2e

bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
