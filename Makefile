# Two entry points for a new user on a fresh machine:
#   make demo  — set up, then run the whole job on the embedded sample province
#   make test  — set up, then run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: setup demo test lint bench fuzz clean

$(BIN)/xl-bdg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,office]"
	touch $@

setup: $(BIN)/xl-bdg

demo: setup
	$(BIN)/xl-bdg demo --out demo-output

test: lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check xl_bdg tests benchmarks
	$(BIN)/mypy

bench: setup
	$(BIN)/pip install -q -e ".[dev,office,bench]"
	$(BIN)/python benchmarks/bench_read.py
	$(BIN)/python benchmarks/bench_validate.py
	$(BIN)/python benchmarks/bench_intake.py
	$(BIN)/python benchmarks/bench_portal.py
	$(BIN)/python benchmarks/bench_exchange.py

# The long fuzz run (tests/fuzz/): CASES mutated workbooks through validate and intake; CI runs a bounded one.
CASES ?= 3000
SEED  ?= 1
fuzz: setup
	nice -n 5 $(BIN)/python tests/fuzz/run.py --cases $(CASES) --seed $(SEED)

clean:
	rm -rf $(VENV) demo-output .pytest_cache
