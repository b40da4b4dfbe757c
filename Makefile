# recsite: `make demo` sets up and starts a working site with real data; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000

# The project's packages, floor by floor (docs/ARCHITECTURE.md; import-linter checks the floors).
PACKAGES := recsite explanations recommendations datasets feedback accounts catalog common recengine language

# The suite runs against real PostgreSQL and Redis; override these to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/recsite
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo worker install install-dev test lint format bench audit clean

# pip says what it collects, downloads and installs, a line each (its bars only on a terminal).
PIP := $(PY) -m pip install --disable-pip-version-check --progress-bar on

$(PY):
	@echo "creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	@echo "installing requirements.txt into $(VENV) (the first time: about 2 GB, a few minutes)"
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	@echo "installing requirements-dev.txt into $(VENV)"
	$(PIP) -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The embedded default (SQLite under var/) unless DATABASE_URL / REDIS_URL are set. A Celery worker for both
# queues (with beat) runs beside the site and stops with it, on the broker that is configured, or with none
# on a broker in files under var/broker (RECSITE_FILE_BROKER), so reasons are written in the background and
# no page waits on the generator, which set-up has already prepared. `manage.py demo` writes .env (debug on,
# a random secret key, that broker), so that the README's commands run as printed in a new shell.
demo: export DJANGO_DEBUG ?= true
demo: export RECSITE_FILE_BROKER ?= $(if $(REDIS_URL)$(CELERY_BROKER_URL),,$(abspath $(or $(RECSITE_VAR_DIR),var)/broker))
demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo
	$(PY) manage.py train
	$(PY) manage.py embed_items --here
	$(PY) manage.py prepare_generator
	@echo "starting a Celery worker for the default and llm queues (log: var/worker.log)"; \
	RECSITE_LLM_WORKER=true $(VENV)/bin/celery -A recsite worker -Q default,llm -c 1 --beat \
		--schedule var/celerybeat-schedule --loglevel INFO --logfile var/worker.log & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver $(ADDR)

# One worker for both queues, in the foreground (production splits them: README, docs/DEPLOY.md).
worker: install
	RECSITE_LLM_WORKER=true $(VENV)/bin/celery -A recsite worker -Q default,llm -c 1 --beat \
		--schedule var/celerybeat-schedule --loglevel INFO

test: export DATABASE_URL ?= $(TEST_DATABASE_URL)
test: export REDIS_URL ?= $(TEST_REDIS_URL)
test: install-dev
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -ll -r $(PACKAGES) benchmarks
	$(VENV)/bin/pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: export DATABASE_URL ?= $(TEST_DATABASE_URL)
bench: install-dev
	$(PY) benchmarks/import_bench.py
	$(PY) benchmarks/serve_bench.py
	$(PY) benchmarks/evaluation_sweep.py
	$(PY) benchmarks/knn_vs_implicit.py
	$(PY) benchmarks/blocked_fit.py
	$(PY) benchmarks/fault_runs.py
	$(PY) benchmarks/intent_eval.py
	$(PY) benchmarks/layers.py
	$(PY) benchmarks/demo_reasons.py
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/14} $(PY) benchmarks/explain_bench.py
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/14} $(PY) benchmarks/freshness_bench.py
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/14} $(PY) benchmarks/api_load.py

# Known vulnerabilities in the pinned requirements (needs PyPI's vulnerability data over the network).
audit: install-dev
	$(VENV)/bin/pip-audit -r requirements.txt -r requirements-dev.txt --no-deps --disable-pip --progress-spinner off

clean:
	rm -rf $(VENV) var
