# The course's commands. Each target is thin: the work is done by Python in course_admin (the
# course's tools) and course_utils (what the lessons import).
# `make setup` once, then `make course` (run every lesson) or `make test` (what CI runs:
# the sessions of noxfile.py).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
NOX := $(BIN)/nox
TEST_JOBS ?= 2
SESSIONS ?=  # make test SESSIONS="unit book": only those (default: noxfile.py's)

.PHONY: help setup data lab course student book bench test lint lock clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/activate: pyproject.toml jupyter/overrides.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv
	# uv installs in a fraction of pip's time, from pip's own indexes (course_admin/uv.py)
	$(PY) -m course_admin.uv pip install --quiet --python $(PY) -e ".[lab,dev,book,bench,hub]"
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
	$(PY) -m course_admin.course

book: data  ## build the site into book/_build/html (lessons executed, cached; warnings fail)
	@echo "Starting the book build (loading TensorFlow first) ..."
	$(PY) -m course_admin.book

bench: data  ## measure speed and accuracy; writes benchmarks/results.md and results.json
	$(PY) -m course_admin.bench

student: setup  ## write the lessons without solutions to build/student/, to hand out
	$(PY) -m course_admin.student

test: setup  ## every test session CI runs (noxfile.py), two at a time, timed; one: .venv/bin/nox -s NAME
	$(PY) -m course_admin.sessions --jobs $(TEST_JOBS) $(SESSIONS)

lint: setup  ## ruff over the package, the tools, the tests and the lessons
	$(NOX) --session lint

lock: setup  ## re-resolve requirements-image.txt, the image's and Binder's pins (UPGRADE=1: newest)
	$(PY) -m course_admin.lock $(if $(UPGRADE),--upgrade)

clean:  ## remove build outputs (keeps .venv)
	rm -rf build book/_build
