# skpflow — `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export SKPFLOW_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install run test lint typecheck unit diagram clean chromium reliability wrk bench bench-quick bench-tools \
	messages-add messages-update messages-check

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	touch $@

install: $(BIN)/.installed

## Run the service on SQLite with a demo organisation whose Sekda has an agreed SKP (the walk starts below it).
## seed-demo migrates the database itself; serve listens at once and starts Prefect and the worker beside it.
run: export SKPFLOW_ADMIN_USER ?= admin
run: export SKPFLOW_ADMIN_PASSWORD ?= admin-demo-2026
run: export SKPFLOW_DEMO ?= true
run: install
	$(BIN)/skpflow seed-demo --if-empty --agreed-levels 1
	$(BIN)/skpflow serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

## Chromium for the browser tests (Debian's package); without it they skip, except under CI=true.
chromium:
	@test -x /usr/bin/chromium || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium; \
	} || { echo "chromium not installed: the browser tests will skip"; [ "$$CI" != true ]; }

## wrk, the load generator of the HTTP benchmark (Debian's package).
wrk:
	@command -v wrk >/dev/null || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends wrk; \
	} || { echo "wrk not installed: the HTTP benchmark (B2) will fail"; }

## The profilers the full benchmark run saves profiles with.
bench-tools: $(BIN)/.bench-tools
$(BIN)/.bench-tools: $(BIN)/.installed
	$(BIN)/python -m pip install -q --disable-pip-version-check "pyinstrument>=5" "py-spy>=0.4"
	touch $@

## The benchmarks B1–B6 at the issue's sizes (tens of minutes): bench/results.md, bench/out, bench/profiles.
bench: install wrk bench-tools
	$(BIN)/python -m bench.run

## The benchmarks at small sizes (about a minute), to keep them working; results in a temporary folder.
bench-quick: install wrk
	$(BIN)/python -m bench.run --quick

## The whole suite: lint, types, then tests on SQLite and on PostgreSQL, then the benchmarks' quick mode.
test: lint typecheck chromium
	$(BIN)/pytest -q -n 2 --dist loadgroup
	$(MAKE) --no-print-directory bench-quick

## The reliability suite in full mode (minutes): rewrites docs/reliability.md from one run.
reliability: install
	SKPFLOW_RELIABILITY=full $(BIN)/pytest -q tests/reliability

## The message catalogue (docs/i18n.md): states/locales/{id,en}/LC_MESSAGES/messages.po, read at startup.
## messages-update carries every message id of the Indonesian catalogue (the source) into the others, empty for the
## translator to fill; messages-check compiles both (format errors, statistics) and runs the catalogue test.
LOCALES := states/locales
## make messages-add KEY=refusal.skp.my_guard ID="…" EN="…": one message in both catalogues (refused if it exists).
messages-add: install
	$(BIN)/python -c 'import sys; from states.messages import add; \
		print(*add({sys.argv[1]: {"id": sys.argv[2], "en": sys.argv[3]}}))' "$(KEY)" "$(ID)" "$(EN)"

messages-update: install
	$(BIN)/python -c "from pathlib import Path; from states.messages import write_template; \
		write_template(Path('$(LOCALES)/messages.pot'))"
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-fuzzy-matching --ignore-obsolete -w 120
	rm -f $(LOCALES)/messages.pot

messages-check: install
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && for lang in id en; do \
		$(BIN)/pybabel compile --statistics -D messages -l $$lang -i $(LOCALES)/$$lang/LC_MESSAGES/messages.po \
			-o "$$tmp/$$lang.mo" || exit 1; \
	done
	$(BIN)/pytest -q -p no:cacheprovider tests/unit/test_messages.py

diagram: install
	$(BIN)/skpflow diagram --out docs/diagrams

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
