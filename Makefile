# The course's commands. Each target is thin: the work is done by Python in course_tools (the
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
TEST_LOG := build/test-sessions
# bash, for the pipelines of `make test` (PIPESTATUS)
SHELL := bash

.PHONY: help setup data lab course student book bench test lint lock clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/activate: pyproject.toml jupyter/overrides.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv
	# uv installs in a fraction of pip's time, from pip's own indexes (course_tools/uv.py)
	$(PY) -m course_tools.uv pip install --quiet --python $(PY) -e ".[lab,dev,book,bench,hub]"
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
	$(PY) -m course_tools.course

book: data  ## build the site into book/_build/html (lessons executed, cached; warnings fail)
	@echo "Starting the book build (loading TensorFlow first) ..."
	$(PY) -m course_tools.book

bench: data  ## measure speed and accuracy; writes benchmarks/results.md and results.json
	$(PY) -m course_tools.bench

student: setup  ## write the lessons without solutions to build/student/, to hand out
	$(PY) -m course_tools.student

test: setup  ## every test session CI runs (noxfile.py), two at a time; one: .venv/bin/nox -s NAME
	@rm -rf $(TEST_LOG) && mkdir -p $(TEST_LOG)
	@sessions="$(SESSIONS)"; [ -n "$$sessions" ] || \
	sessions=$$($(NOX) --list --json | $(PY) -c 'import json, sys; print(*(s["session"] for s in json.load(sys.stdin)))'); \
	echo "== $$(date -u +%FT%TZ) on $$(nproc) cores; sessions, $(TEST_JOBS) at a time: $$sessions"; \
	started=$$SECONDS; \
	$(MAKE) --no-print-directory --keep-going --jobs=$(TEST_JOBS) $$(printf 'session-%s ' $$sessions); code=$$?; \
	echo "== time per session ($(TEST_JOBS) at a time)"; \
	for session in $$sessions; do cat $(TEST_LOG)/$$session.line; done; \
	echo "== all sessions took $$((SECONDS - started)) s"; \
	exit $$code

# One nox session, its lines prefixed with its name; its time, status and CPU seconds (user
# and system, of everything it ran) go to $(TEST_LOG)/NAME.line for the summary.
session-%:
	@started=$$SECONDS; \
	$(NOX) --session $* 2>&1 | sed -u 's/^/[$*] /'; code=$${PIPESTATUS[0]}; \
	times > $(TEST_LOG)/$*.times; \
	cpu=$$(tail -1 $(TEST_LOG)/$*.times | tr -d s | awk '{split($$1, u, "m"); split($$2, k, "m"); printf "%d", u[1] * 60 + u[2] + k[1] * 60 + k[2]}'); \
	line=$$(printf '%-18s %5d s  %-6s  CPU %5d s  (load average %s)' $* $$((SECONDS - started)) \
	  $$([ $$code -eq 0 ] && echo passed || echo FAILED) $$cpu "$$(cut -d' ' -f1-3 /proc/loadavg)"); \
	echo "== $$line"; echo "   $$line" > $(TEST_LOG)/$*.line; \
	exit $$code

lint: setup  ## ruff over the package, the tools, the tests and the lessons
	$(NOX) --session lint

lock: setup  ## re-resolve requirements-image.txt, the image's and Binder's pins (UPGRADE=1: newest)
	$(PY) -m course_tools.lock $(if $(UPGRADE),--upgrade)

clean:  ## remove build outputs (keeps .venv)
	rm -rf build book/_build
