# Two commands do all the set-up (see README.md):
#   make serve   build the site and serve it on http://127.0.0.1:8000
#   make test    run every test: lint, unit, property, parity, docs, strict build, browser
# Both create .venv and install pinned versions (constraints.txt) on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build test bench figures clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,docs,parity]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

build: $(STAMP)
	$(BIN)/mkdocs build --strict

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_step.py

figures: $(STAMP)
	$(BIN)/python -m rmsprop_ref.figures docs/figures

clean:
	rm -rf site .cache .pytest_cache build *.egg-info
