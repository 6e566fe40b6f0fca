# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint fmt bench chaos clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/shopsync demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Whole test files go to one of 4 workers (a file's tests share fixtures and run in order).
test: lint
	$(PY) -m pytest -n 4 --dist loadfile

bench: $(STAMP)
	$(PY) tests/benchmarks/run.py --json

chaos: $(STAMP)
	SHOPSYNC_CHAOS=full $(PY) -m pytest tests/faults -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info
