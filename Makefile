# The course's commands. Each target is thin: the work is done by Python in course_utils.
# `make setup` once, then `make course` (run every lesson) or `make test` (what CI runs).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: help setup data lab course student book bench test lint clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/activate: pyproject.toml jupyter/overrides.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[lab,dev,book,bench]"
	# JupyterLab opens the MyST lessons (.md) as notebooks, through Jupytext
	install -D -m 644 jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $@

setup: $(BIN)/activate  ## create .venv and install the course with all its tools

data: setup  ## put a verified MNIST in Keras's cache (a local copy, else a download)
	@echo "Loading TensorFlow and checking MNIST (the first start takes a few seconds) ..."
	$(PY) -m course_utils.data

lab: data  ## open the lessons in JupyterLab
	$(BIN)/jupyter lab notebooks/

course: data  ## run every lesson at full size; executed notebooks and results in build/
	@echo "Starting the course: every lesson, in order (loading TensorFlow first) ..."
	$(PY) -m course_utils.course

book: data  ## build the site into book/_build/html (lessons executed, cached; warnings fail)
	@echo "Starting the book build (loading TensorFlow first) ..."
	$(PY) -m course_utils.book

bench: data  ## measure speed and accuracy; writes benchmarks/results.md and results.json
	@echo "Starting the benchmark (loading TensorFlow first) ..."
	$(PY) benchmarks/bench.py

student: setup  ## write the lessons without solutions to build/student/, to hand out
	$(PY) -m course_utils.student

test: setup  ## lint, unit tests, every notebook executed (nbval, papermill), pairing checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check course_utils tests benchmarks
	$(PY) -m pytest

lint: setup  ## ruff over the package, tests and notebooks
	$(BIN)/ruff check .

clean:  ## remove build outputs (keeps .venv)
	rm -rf build book/_build
