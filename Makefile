# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint test-sqlite test-postgres install install-test migrate demo serve bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0

demo: migrate
	$(PY) manage.py create_audit_key
	PORT=$(PORT) $(PY) manage.py load_demo
	$(PY) manage.py checkpoint_audit

## Set up everything and serve the demo mesh on http://127.0.0.1:$(PORT)
run: demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## Run the whole suite: the layering contract and ruff, then the tests on
## SQLite (with the browser tests), then on PostgreSQL
test: install-test lint
	$(PY) -m pytest $(PYTEST_ARGS)
	$(PY) -m pytest --postgres -m "not browser" $(PYTEST_ARGS)

## The apps' imports run one way (pyproject.toml); ruff's lint, format and complexity rules
lint: install-test
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test-sqlite: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install-test
	$(PY) -m pytest --postgres -m "not browser" $(PYTEST_ARGS)

bench: install
	$(PY) bench/generate_catalog.py --products 100000
	$(PY) bench/lineage.py

clean:
	rm -rf $(VENV) var
