# Two commands do all the set-up (see README.md):
#   make serve   build the site and serve it on http://127.0.0.1:8000/rmsprop_ref/
#   make test    run every test: lint, unit, property, parity, docs, strict build, browser
# Both create .venv and install pinned versions (constraints.txt) on first use; serve
# installs only what the site needs, test adds the test tools and the parity frameworks.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet -c constraints.txt
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build test bench figures clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-docs: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[docs]'
	touch $@

$(VENV)/.installed-all: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[test,docs,parity,fast]'
	touch $@ $(VENV)/.installed-docs

serve: $(VENV)/.installed-docs
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

build: $(VENV)/.installed-docs
	$(BIN)/mkdocs build --strict

test: $(VENV)/.installed-all
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2

bench: $(VENV)/.installed-all
	$(BIN)/python benchmarks/bench_step.py
	$(BIN)/python benchmarks/bench_site.py

figures: $(VENV)/.installed-docs
	$(BIN)/python -m rmsprop_ref.figures docs/figures

clean:
	rm -rf site .cache .pytest_cache build *.egg-info test-artifacts
