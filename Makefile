# JointPlan — the two set-up commands are `make demo` and `make test`; see README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/jointplan
export REDIS_URL ?= redis://127.0.0.1:6379/0
DEMO_ENV := DJANGO_SETTINGS_MODULE=config.settings.local DATABASE_URL=sqlite:///$(CURDIR)/var/jointplan.sqlite3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help demo test lint serve worker beat services chromium messages bench clean

help:
	@echo "make demo    - install, load the Vologda demo data and serve http://$(HOST):$(PORT) (SQLite)"
	@echo "make test    - install, lint and run the whole suite on PostgreSQL and Redis"
	@echo "make lint    - ruff (lint + format check) and mypy"
	@echo "make serve   - run for real: gunicorn on DATABASE_URL (see README), plus 'make worker' and 'make beat'"
	@echo "make bench   - the benchmarks in bench/: indicator import, PDF, survey results (PostgreSQL)"

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "JointPlan needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_demo
	@echo "JointPlan demo: http://$(HOST):$(PORT)/  (logins in README.md; password demo12345)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

services:
	@scripts/ensure_services.sh

chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: $(VENV)/.installed-dev services chromium lint
	$(BIN)/pytest

messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages -l ru --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages -l ru --ignore=.venv

serve: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/python manage.py collectstatic --noinput
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 3

# Workers render PDFs with the collected (hashed) static files: collect them on their host too.
worker: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/python manage.py collectstatic --noinput
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/celery -A config worker --loglevel=INFO --concurrency=2

beat: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

bench: $(VENV)/.installed-dev services
	$(BIN)/python bench/import_indicators.py
	$(BIN)/python bench/pdf.py
	$(BIN)/python bench/surveys.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
