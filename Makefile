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
CDNOW ?= datasets/cdnow/CDNOW_master.txt

.PHONY: help install demo generate load build kpis validate cdnow test test-pytest lint check-project clean lock

# make help (the default goal) prints every target a user types with its description: the
# `## text` at the end of the target's line, or on the line right above it. The stamp files
# named by a variable ($(BIN)/activate, $(VENV)/.installed) are internal and not listed.
help: ## list the targets with their description (the default goal)
	@echo "Set up with make demo, then make test (README.md). Every target:"
	@awk '/^## / { doc = substr($$0, 4); next } \
	  /^[A-Za-z0-9][A-Za-z0-9_.-]*:/ && !/^[^:]*:=/ { \
	    name = $$0; sub(/:.*/, "", name); text = doc; \
	    if (match($$0, / ## /)) text = substr($$0, RSTART + 4); \
	    if (text == "") text = "(no description)"; \
	    printf "  make %-16s %s\n", name, text } \
	  { doc = "" }' $(firstword $(MAKEFILE_LIST))

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# uv installs the lock (uv's own pin is in it too). On a new machine, with no cache: pip took
# 186 s (one download at a time, pyspark's 456 MB wheel built, files compiled one by one), uv
# 53 s (downloads and compiling side by side). --compile-bytecode, as pip does: where
# PYTHONDONTWRITEBYTECODE is set (as on CI), Python would otherwise compile every module it
# imports anew in every process: importing dbt, dbt-duckdb, pandas and great_expectations took
# 10.3 s instead of 4.2.
#
# pyspark is published as a source archive only, and the file server sends no caching headers
# (no ETag, Last-Modified or Cache-Control): uv downloaded its 456 MB and built it anew on every
# install, 30 s of a clone's 51 s install and 0.9 GB more in uv's cache each time. Its wheel is
# built once per version into WHEELHOUSE (outside the clone, like uv's cache) and every later
# install takes it from there: 22 s.
WHEELHOUSE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/loyalty-analytics/wheels
$(VENV)/.installed: $(BIN)/activate requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check $$(grep '^uv==' requirements.lock)
	@pin=$$(grep '^pyspark==' requirements.lock || true); v=$${pin#pyspark==}; \
	  if [ -n "$$pin" ] && ! ls "$(WHEELHOUSE)"/pyspark-$$v-*.whl >/dev/null 2>&1; then \
	    echo "building the wheel of $$pin into $(WHEELHOUSE) (once per version)"; \
	    mkdir -p "$(WHEELHOUSE)" && tmp=$$(mktemp -d "$(WHEELHOUSE)/.build.XXXXXX") && \
	    { $(BIN)/pip wheel --quiet --disable-pip-version-check --no-deps -w "$$tmp" "$$pin" && \
	      mv "$$tmp"/pyspark-$$v-*.whl "$(WHEELHOUSE)"/; } ; status=$$?; rm -rf "$$tmp"; \
	    exit $$status; \
	  fi
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python \
	  --find-links "$(WHEELHOUSE)" -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

profiles.yml: profiles.example.yml ## copy profiles.example.yml to profiles.yml (when missing or older)
	cp profiles.example.yml profiles.yml

# Python's cyclic garbage collector runs less often in every Python process of .venv (dbt,
# sqlfluff, pytest, mf): a .pth file in its site-packages sets the thresholds when Python
# starts (site runs a .pth line that begins with `import`). dbt makes hundreds of thousands of
# objects that live through a command (the manifest, each node's contexts), and each full
# collection walks them all. With Python's defaults (700, 10, 10), measured with gc.callbacks
# on 2026-12-07: the nightly `dbt run` at 100k orders collected for 2.1-2.5 of its 16-19 CPU-s
# (1.0 with these), `make lint` for 25.8 of 64.3 CPU-s (2.8 of 45.0), tests/reference for
# 14-16 of 76-79 (7.7-7.9), peak memory of that one 461 -> 594 MB. GC_THRESHOLDS= (empty)
# removes the file: Python's defaults again.
GC_THRESHOLDS ?= 10000, 10, 100
install: $(VENV)/.installed profiles.yml ## create .venv from requirements.lock and profiles.yml
	@pth="$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/loyalty_gc_thresholds.pth"; \
	  line='import gc; gc.set_threshold($(GC_THRESHOLDS))'; \
	  if [ -z "$(strip $(GC_THRESHOLDS))" ]; then rm -f "$$pth"; \
	  elif [ "$$(cat "$$pth" 2>/dev/null)" != "$$line" ]; then echo "$$line" > "$$pth"; fi

generate: install ## generate the sample data into data/sample (CUSTOMERS, YEARS, SEED)
	$(BIN)/loyalty generate --customers $(CUSTOMERS) --years $(YEARS) --seed $(SEED) --out data/sample

load: install ## load data/sample into the raw schema of the warehouse
	$(BIN)/loyalty load data/sample --warehouse $(DBT_DUCKDB_PATH)

build: install ## dbt build on the current warehouse
	$(DBT) build

kpis: install ## print the KPI table and the top 10 predicted CLV
	$(BIN)/loyalty kpis --warehouse $(DBT_DUCKDB_PATH) --top-clv 10

# Great Expectations suites of the raw tables and the marts; HTML Data Docs in docs/data-docs/.
validate: install ## Great Expectations on the raw tables and the marts
	$(BIN)/loyalty validate --warehouse $(DBT_DUCKDB_PATH) --docs-dir docs/data-docs --suite all

demo: generate load build kpis ## sample data, load, dbt build, print the KPIs

# The staging rules at work: the sample data with bad rows of every rule mixed in (loyalty
# dirty), loaded and built; the KPIs are those of `make demo`, the rejected rows are listed
# (loyalty dirty-report).
.PHONY: demo-dirty
demo-dirty: generate ## the demo with bad rows of every staging rule; quarantine report
	$(BIN)/loyalty dirty data/sample --out data/dirty --seed $(SEED)
	$(BIN)/loyalty load data/dirty --warehouse $(DBT_DUCKDB_PATH)
	$(DBT) build
	$(BIN)/loyalty kpis --warehouse $(DBT_DUCKDB_PATH)
	$(BIN)/loyalty dirty-report --warehouse $(DBT_DUCKDB_PATH)

cdnow: install ## build the marts on the CDNOW data (CDNOW=file) and print the KPIs
	$(BIN)/loyalty load-cdnow $(CDNOW) --warehouse $(DBT_DUCKDB_PATH)
	$(DBT) build
	$(BIN)/loyalty kpis --warehouse $(DBT_DUCKDB_PATH)

# Predictive CLV proven on CDNOW: fit BG/NBD and Gamma-Gamma on the 1/10 sample in a temporary
# warehouse, compare with the published parameters, write docs/predictive_clv.md and its plot.
.PHONY: cdnow-proof
cdnow-proof: install ## fit the predictive CLV models on CDNOW, compare with the papers
	$(BIN)/loyalty cdnow-proof

# Benchmark (BENCHMARKS.md): dbt build/run of the project against a hand-written DuckDB SQL
# and a pandas baseline on generated data, beside three floors (the raw keys grouped, the raw
# tables written again, the project's models doing nothing: bench/), and dbt's runs split into
# phases from its log (start-up, parse check, hooks, models, artifacts).
# make bench SIZES=100k,1m  |  make bench REPS=5  |  make bench REPS=100k=3,1m=3,10m=2
# make bench SHAPES=steady (generator shapes of the BTYD fit; default both)
# make bench NIGHTS=2 (nightly runs after each full run; default: three per size)
SIZES ?= 100k,1m,10m
REPS ?=
.PHONY: bench
bench: install ## benchmark against SQL and pandas baselines and the BTYD fit per data shape; writes BENCHMARKS.md
	$(BIN)/python bench/run_bench.py --sizes $(SIZES) $(if $(REPS),--reps $(REPS)) $(if $(SHAPES),--shapes $(SHAPES)) $(if $(NIGHTS),--nights $(NIGHTS))

# The dashboard (docs/dashboard.md): Streamlit on localhost, reading $(DBT_DUCKDB_PATH)
# read-only, headless and without usage statistics.
DASHBOARD_PORT ?= 8501
.PHONY: dashboard docs browser test-dashboard
dashboard: install ## serve the dashboard on localhost (DASHBOARD_PORT, after make demo)
	$(BIN)/streamlit run dashboard/app.py --server.headless true --server.address localhost \
	  --server.port $(DASHBOARD_PORT) --browser.gatherUsageStats false --client.toolbarMode viewer

# The dbt docs site (lineage raw -> staging -> marts -> semantic layer, metrics, exposures) as
# one static page; the catalog is read from $(DBT_DUCKDB_PATH), so run it after make demo.
docs: install ## build the dbt docs site into target/dbt-site/index.html
	$(DBT) docs generate --static
	mkdir -p target/dbt-site && cp target/static_index.html target/dbt-site/index.html
	@echo "dbt docs: target/dbt-site/index.html (opens from disk, no server needed)"

# Debian's Chromium and ChromeDriver for tests/dashboard/test_dashboard_browser.py, installed
# when missing (as root, as on CI: make test runs this first).
browser: ## install Chromium and ChromeDriver when missing (as root)
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; \
	fi

# The semantic-layer, dashboard-data and browser tests alone (they build their own warehouse).
test-dashboard: install browser ## the semantic-layer, dashboard-data and browser tests
	$(BIN)/pytest tests/dashboard

# The browser test saves its screenshots in a temporary directory; this writes them to docs/img.
.PHONY: screenshots
screenshots: install browser ## refresh docs/img/ with the browser test's screenshots
	DASHBOARD_SCREENSHOT_DIR=$(abspath docs/img) $(BIN)/pytest tests/dashboard/test_dashboard_browser.py

# The same project on PostgreSQL and Spark (docs/engines.md), each on a throw-away local engine,
# marts compared value by value with DuckDB's (tests/engines). test-postgres also builds a small
# generated sample on Postgres (scripts/engine_build.py). What they need is installed when
# missing (as root, as on CI): Debian's postgresql-15 server, Java 17 for pyspark.
POSTGRES_BIN_DIR ?= /usr/lib/postgresql/15/bin
.PHONY: postgres-server java test-postgres test-spark system-packages
postgres-server: ## install the PostgreSQL 15 server when missing (as root)
	@if [ ! -x $(POSTGRES_BIN_DIR)/initdb ] || [ ! -x $(POSTGRES_BIN_DIR)/pg_ctl ]; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q postgresql-15 || { apt-get update -q && apt-get install -y -q postgresql-15; }; \
	fi

java: ## install Java 17 for pyspark when missing (as root)
	@if ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q openjdk-17-jre-headless \
	    || { apt-get update -q && apt-get install -y -q openjdk-17-jre-headless; }; \
	fi

# What apt-get installs for make test, one at a time (two apt-gets at once fight over its lock).
system-packages: ## Chromium, the PostgreSQL 15 server and Java 17 when missing (as root)
	$(MAKE) --no-print-directory browser
	$(MAKE) --no-print-directory postgres-server
	$(MAKE) --no-print-directory java

test-postgres: install postgres-server ## the marts on PostgreSQL against DuckDB
	POSTGRES_BIN_DIR=$(POSTGRES_BIN_DIR) $(BIN)/python scripts/engine_build.py postgres
	POSTGRES_BIN_DIR=$(POSTGRES_BIN_DIR) $(BIN)/pytest -m engines -k "not spark" tests/engines

test-spark: install java ## the marts on Spark against DuckDB
	$(BIN)/pytest -m engines -k "not postgres" tests/engines

# The project installed as a dbt package in the host project integration_tests/ (docs/warehouse.md,
# "As a package"): dbt deps, seed and build there on throw-away DuckDB files, marts checked by hand.
.PHONY: integration-test
integration-test: install ## the project as a package in integration_tests/: deps, seed, build, checks
	$(BIN)/pytest tests/test_integration_project.py

# The nightly pipeline in Dagster (docs/orchestration.md): the dbt models as assets, the dbt
# tests as asset checks, a schedule at 02:00. pytest runs tests/test_orchestration.py with the rest.
DAGSTER_PORT ?= 3000
.PHONY: dagster
dagster: install ## start Dagster (dagster dev) on localhost with the nightly schedule (DAGSTER_PORT)
	mkdir -p .dagster
	PATH=$(abspath $(BIN)):$$PATH DAGSTER_HOME=$(abspath .dagster) \
	  $(BIN)/dagster dev -m loyalty_analytics.orchestration \
	  -h localhost -p $(DAGSTER_PORT)

# sqlfluff compiles the models against a warehouse of its own, always empty: an incremental
# model then lints as its full-refresh SQL, whatever the demo warehouse holds. Two processes
# (LINT_PROCESSES): the dbt templater renders each file in its own, 64 -> 39 s. With sqlfluff's
# Rust parser (sqlfluffrs, same parse trees): 67 -> 57 CPU-s, 38 -> 33 s.
LINT_PROCESSES ?= 2
lint: install ## ruff and sqlfluff
	@mkdir -p warehouse
	$(BIN)/ruff check src tests dashboard bench scripts
	rm -f warehouse/lint.duckdb
	DBT_DUCKDB_PATH=warehouse/lint.duckdb $(BIN)/sqlfluff lint -p $(LINT_PROCESSES) models macros analyses

check-project: install ## lint the dbt project's metadata with dbt-score: descriptions, key tests, layers
	$(BIN)/loyalty check-project --target-dir target/check

# pytest in two worker processes (pytest-xdist), a test file to a worker: module fixtures
# build their warehouse once. The longest files come first (tests/conftest.py LONGEST_FIRST),
# in that order, not xdist's (files with the most tests first). PYTEST_WORKERS=0 runs
# everything in this process. The 25 slowest tests are listed at the end: where make test
# spends its time.
PYTEST_WORKERS ?= 2
test-pytest: install ## pytest alone (PYTEST_WORKERS processes), without the Postgres and Spark tests
	LOYALTY_GC_THRESHOLDS="$(GC_THRESHOLDS)" \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

# The property tests (hypothesis) with more examples than make test's one feed of nights and
# three random data sets: DELIVERY_EXAMPLES feeds (about a minute each, drawn anew) and
# ATTACK_EXAMPLES data sets (about 8 s each).
DELIVERY_EXAMPLES ?= 5
ATTACK_EXAMPLES ?= 30
.PHONY: test-properties
test-properties: install ## the property tests with more examples (DELIVERY_EXAMPLES, ATTACK_EXAMPLES)
	LOYALTY_DELIVERY_EXAMPLES=$(DELIVERY_EXAMPLES) LOYALTY_ATTACK_EXAMPLES=$(ATTACK_EXAMPLES) \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile tests/incremental/test_deliveries.py \
	  tests/attack/test_properties.py

# Lint, pytest, Postgres and Spark side by side, four jobs (TEST_JOBS; TEST_JOBS=1 runs them in
# turn), the output of each in one piece when it ends. All four are bound by CPU on the two
# cores; in two phases (lint beside pytest, then Postgres beside Spark) the second left a core
# partly idle while Spark finished alone. Four runs (2026-12-07, 00:04 to 00:52 UTC), in the
# order side by side, two phases, two phases, side by side: 679 and 629 s (1,134 and 1,055
# CPU-s) side by side, 758 and 738 s (1,215 and 1,207 CPU-s) in two phases.
# sqlfluff renders in one process here (LINT_PROCESSES=1). pytest runs the project check
# (tests/test_project_checks.py, the same check_project as make check-project). The Postgres
# and Spark tests share one DuckDB build (LOYALTY_SHARED_BUILDS, tests/conftest.py built_once).
# First the Python packages (uv) beside Debian's (system-packages), as they use the network and
# a core each: Chromium alone takes about 29 s on a new machine.
TEST_JOBS ?= 4

test: ## lint, pytest (project check, dbt unit and data tests, Dagster, the package), Postgres, Spark
	$(MAKE) --no-print-directory -j 2 --output-sync=target install system-packages
	shared=$$(mktemp -d) && LOYALTY_SHARED_BUILDS=$$shared \
	  $(MAKE) --no-print-directory -j $(TEST_JOBS) --output-sync=target \
	  lint test-pytest test-postgres test-spark LINT_PROCESSES=1; \
	  status=$$?; rm -rf $$shared; exit $$status

lock: ## regenerate requirements.lock from pyproject.toml
	rm -rf /tmp/loyalty-lock-venv && $(PYTHON) -m venv /tmp/loyalty-lock-venv
	/tmp/loyalty-lock-venv/bin/pip install --quiet ".[dev,dashboard,engines,orchestration]"
	{ echo "# Exact pins of every package the project installs (direct and transitive), Python 3.11."; \
	  echo "# Direct dependencies are declared in pyproject.toml; regenerate with 'make lock'."; \
	  /tmp/loyalty-lock-venv/bin/pip freeze --exclude loyalty-analytics; } > requirements.lock

clean: ## remove the venv, generated data, warehouse and dbt artefacts
	rm -rf $(VENV) data warehouse target logs dbt_packages .pytest_cache
