# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint test-sqlite test-postgres install install-test migrate demo serve serve-worker serve-beat bench clean

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

demo: migrate
	$(PY) manage.py create_audit_key
	PORT=$(PORT) $(PY) manage.py load_demo
	$(PY) manage.py checkpoint_audit

# The demo is served as production is, with DEBUG off: the product's own 404,
# 403 and 500 pages (never Django's debug page, which lists every URL) and
# WhiteNoise's hashed static files. Only what needs TLS and a real host name is
# relaxed; the secret key is made once in var/, the audit key by `make demo`.
DEMO_ENV = DEBUG=false SECRET_KEY="$$(cat var/secret-key)" ALLOWED_HOSTS=127.0.0.1,localhost \
	SECURE_SSL_REDIRECT=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0 \
	AUDIT_SIGNING_KEY_FILE=var/audit-signing-key.pem AUDIT_VERIFY_KEY_FILE=var/audit-signing-key.pub

var/secret-key:
	mkdir -p var
	(umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@)

## Set up everything and serve the demo mesh on http://127.0.0.1:$(PORT)
run: demo var/secret-key
	$(DEMO_ENV) $(PY) manage.py collectstatic --no-input --verbosity 0
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

## Production (README, "Production"): Django's deployment checks, migrations,
## static files, then gunicorn with deploy/gunicorn.conf.py. Every setting
## comes from the environment; DEBUG is off whatever it says. Celery's worker
## and beat run beside it: `make serve-worker`, `make serve-beat` (or
## deploy/Procfile, deploy/systemd/).
serve: install
	mkdir -p var
	DEBUG=false $(PY) manage.py check --deploy
	DEBUG=false $(PY) manage.py migrate --no-input
	DEBUG=false $(PY) manage.py collectstatic --no-input --verbosity 0
	DEBUG=false exec $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py

serve-worker: install
	DEBUG=false exec $(VENV)/bin/celery -A marketplace worker --loglevel=INFO

## Exactly one beat per installation: it schedules the periodic tasks.
serve-beat: install
	mkdir -p var
	DEBUG=false exec $(VENV)/bin/celery -A marketplace beat --loglevel=INFO --schedule var/celerybeat-schedule

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
