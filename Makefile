# Pasar Desa — `make run` serves the shop, `make test` runs every test. Both set everything up.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test test-fast lint bench system-deps migrate demo clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(PY) -m app.cli serve

migrate: $(VENV)/.installed
	$(PY) -m app.cli migrate

demo: $(VENV)/.installed
	$(PY) -m app.cli seed-demo

system-deps:
	bash .ci/system-deps.sh

# Two processes (CI machines have two cores); whole files per process, so a module's expensive fixtures
# (the province, several-worker servers) are made once. TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2

test: $(VENV)/.installed system-deps
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: $(VENV)/.installed
	$(PY) -m pytest tests/unit

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy app catalog orders producers search reports onboarding finance

# BENCH_ARGS go to bench/http_bench.py: --quick (2 s runs), --province [--scale S], --backends sqlite.
bench: $(VENV)/.installed
	bash bench/install-wrk.sh
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/search var/metrics var/*.sqlite3*
