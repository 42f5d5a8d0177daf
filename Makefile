# vmss-bluegreen: local workflow. Everything installs itself on first use.
SHELL := /bin/bash
PYTHON_BOOTSTRAP ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
TIME_SCALE ?= 1
PYTEST_ARGS ?=

.PHONY: install test up down demo bench lint clean seed logs

install: $(VENV)/.installed $(VENV)/.vmssbg-installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The `vmssbg` command line, editable so that .venv/bin/vmssbg runs this checkout's code.
$(VENV)/.vmssbg-installed: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: install
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .

up: install
	$(PY) -m scripts.stack up --time-scale $(TIME_SCALE)

down:
	@if [ -x $(PY) ]; then $(PY) -m scripts.stack down; fi

demo: install
	$(PY) -m scripts.demo

seed: install
	$(PY) -m scripts.seed

logs:
	@mkdir -p .local/logs && touch .local/logs/arm_emulator.log .local/logs/azurite.log .local/logs/devhost.log
	tail -n 20 -F .local/logs/arm_emulator.log .local/logs/azurite.log .local/logs/devhost.log

bench: install
	$(PY) -m bench

clean: down
	rm -rf .local
