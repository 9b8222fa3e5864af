# The two set-up commands of the README: `make demo` and `make test`.
# Everything they need is installed here, from requirements.lock, into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
export DBT_DUCKDB_PATH ?= warehouse/loyalty.duckdb
# Keep dbt from phoning home and from writing a user id file.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

# Size of the generated demo data set.
CUSTOMERS ?= 2000
YEARS ?= 3
SEED ?= 42
CDNOW ?= ../shared/data/cdnow/CDNOW_master.txt

.PHONY: help install demo generate load build kpis validate cdnow test lint unit-test clean lock

help:
	@echo "make demo    generate sample data, load it, dbt build, print the KPIs"
	@echo "make test    lint SQL and Python, run dbt tests and pytest"
	@echo "make cdnow   build the marts on the real CDNOW purchase data"
	@echo "make clean   remove the venv, generated data, warehouse and dbt artefacts"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

profiles.yml: profiles.example.yml
	cp profiles.example.yml profiles.yml

install: $(VENV)/.installed profiles.yml

generate: install
	$(BIN)/loyalty generate --customers $(CUSTOMERS) --years $(YEARS) --seed $(SEED) --out data/sample

load: install
	$(BIN)/loyalty load data/sample --warehouse $(DBT_DUCKDB_PATH)

build: install
	$(DBT) build

kpis: install
	$(BIN)/loyalty kpis --warehouse $(DBT_DUCKDB_PATH)

# Great Expectations suites of the raw tables and the marts; HTML Data Docs in docs/data-docs/.
validate: install
	$(BIN)/loyalty validate --warehouse $(DBT_DUCKDB_PATH) --docs-dir docs/data-docs --suite all

demo: generate load build kpis

cdnow: install
	$(BIN)/loyalty load-cdnow $(CDNOW) --warehouse $(DBT_DUCKDB_PATH)
	$(DBT) build
	$(BIN)/loyalty kpis --warehouse $(DBT_DUCKDB_PATH)

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/sqlfluff lint models macros analyses

test: install lint
	$(BIN)/pytest

lock:
	rm -rf /tmp/loyalty-lock-venv && $(PYTHON) -m venv /tmp/loyalty-lock-venv
	/tmp/loyalty-lock-venv/bin/pip install --quiet ".[dev]"
	{ echo "# Exact pins of every package the project installs (direct and transitive), Python 3.11."; \
	  echo "# Direct dependencies are declared in pyproject.toml; regenerate with 'make lock'."; \
	  /tmp/loyalty-lock-venv/bin/pip freeze --exclude loyalty-analytics; } > requirements.lock

clean:
	rm -rf $(VENV) data warehouse target logs dbt_packages .pytest_cache
