# skpflow — `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export SKPFLOW_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install run test lint typecheck unit diagram clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	touch $@

install: $(BIN)/.installed

## Run the service on SQLite with a demo organisation.
run: export SKPFLOW_ADMIN_USER ?= admin
run: export SKPFLOW_ADMIN_PASSWORD ?= admin-demo
run: install
	$(BIN)/skpflow db upgrade
	$(BIN)/skpflow seed-demo --if-empty
	$(BIN)/skpflow serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

## The whole suite: lint, types, then tests on SQLite and on PostgreSQL.
test: lint typecheck
	$(BIN)/pytest -q -n 2 --dist loadgroup

diagram: install
	$(BIN)/skpflow diagram --out docs/diagrams

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
