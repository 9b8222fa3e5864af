"""The project installed as a dbt package in another project: integration_tests/.

integration_tests/ is a host project laid out like the integration tests of the Fivetran
packages: packages.yml installs this project from `../`, its seeds are the raw tables under
the host's own names (crm_customers, shop_orders, ...) in a database and schema of its own
(landing.shop_crm), and its dbt_project.yml maps them with vars only, global and scoped
(`vars: {loyalty_analytics: {...}}`). Here it runs as a user would run it, by subprocess:
`dbt deps`, `dbt seed`, `dbt build`, on two throw-away DuckDB files. The marts must land in
the host's schema and hold the values computed by hand below. One more `dbt run` of three
models (second_run) checks two vars' failure and off paths.

The seeds (integration_tests/seeds/), with the scoped vars churn_window_days = 30 (the host's
own global churn_window_days = 90 must not reach the package) and as_of_date = 2024-03-31:

    customer  segment  valid orders (2024)                    in the base (W = 30 days)
    a1        B2C      Jan 10: 100, Feb 15: 30                 Jan 10 - Feb 8, Feb 15 - Mar 15
    a2        B2C      Jan 20: 50 (Mar 5: 80 is cancelled)     Jan 20 - Feb 18
    a3        B2B      Feb 20: 200, Mar 25: 120                Feb 20 - Mar 20, Mar 25 - Apr 23
    a4        B2C      none

A spell runs from an order day to that day + 29 (in the base on [d - 29, d]); 2024 is a leap
year. a2 has two customers rows: the later updated_at (2024-02-01) is the current one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
HOST_DIR = PROJECT_DIR / "integration_tests"
DBT = Path(sys.executable).parent / "dbt"
HOST_SCHEMA = "shop"
MARTS = ("dim_customers", "fct_customer_periods", "mart_retention", "mart_purchases",
         "mart_cohorts", "mart_clv", "mart_survey_scores", "mart_engagement", "mart_loyalty_kpis",
         "mart_program_impact", "mart_customer_segments", "mart_customer_clv")


class Host:
    """dbt commands on the host project, by subprocess, against throw-away files."""

    def __init__(self, root: Path):
        self.root = root
        self.warehouse = root / "host.duckdb"
        self.landing = root / "landing.duckdb"
        self.profiles = root / "profiles"
        self.profiles.mkdir()
        shutil.copy(HOST_DIR / "profiles.example.yml", self.profiles / "profiles.yml")

    def dbt(self, *args: str, expect_success: bool = True) -> subprocess.CompletedProcess:
        env = {**os.environ, "DBT_DUCKDB_PATH": str(self.warehouse),
               "DBT_DUCKDB_LANDING_PATH": str(self.landing),
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
        command = [str(DBT), *args, "--project-dir", str(HOST_DIR),
                   "--profiles-dir", str(self.profiles)]
        if args[0] != "deps":
            command += ["--target-path", str(self.root / "target"),
                        "--log-path", str(self.root / "logs")]
        run = subprocess.run(command, cwd=HOST_DIR, env=env, capture_output=True, text=True,
                             check=False)
        if expect_success:
            assert run.returncode == 0, f"dbt {' '.join(args)} failed:\n{run.stdout[-6000:]}"
        return run

    def query(self, sql: str) -> list[dict]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            con.execute(f"attach '{self.landing}' as landing (read_only)")
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Host:
    host = Host(tmp_path_factory.mktemp("host_project"))
    host.dbt("deps")
    host.dbt("seed")
    host.dbt("build")
    return host


def test_the_marts_land_in_the_hosts_schema(host):
    tables = host.query("select table_catalog, table_schema, table_name"
                        " from information_schema.tables")
    where = {row["table_name"]: (row["table_catalog"], row["table_schema"]) for row in tables}
    for mart in (*MARTS, "shop_monthly_churn"):
        assert where.get(mart) == ("host", HOST_SCHEMA), f"{mart}: {where.get(mart)}"
    # The package's own seeds: its `+schema: reference`, under dbt's default schema naming.
    assert where["rfm_segment_map"] == ("host", f"{HOST_SCHEMA}_reference")
    assert where["loyalty_benchmarks"] == ("host", f"{HOST_SCHEMA}_reference")
    # The raw tables stay where the host loaded them; nothing went to the package's defaults.
    assert where["crm_customers"] == ("landing", "shop_crm")
    schemas = {schema for _, schema in where.values()}
    assert schemas == {HOST_SCHEMA, f"{HOST_SCHEMA}_reference", "shop_crm"}


def test_monthly_retention_and_revenue_by_hand(host):
    rows = host.query(
        "select period_start, customers_start, customers_end, new_customers,"
        " churned_customers, churn_rate, customer_retention_rate, orders, revenue"
        f" from {HOST_SCHEMA}.mart_loyalty_kpis"
        " where period_grain = 'month' and segment = 'all' order by period_start")
    got = [(str(r["period_start"]), r["customers_start"], r["customers_end"],
            r["new_customers"], r["churned_customers"], r["churn_rate"],
            r["customer_retention_rate"], r["orders"], r["revenue"]) for r in rows]
    assert got == [
        # January: nobody in the base on Dec 31 (S = 0); a1, a2 buy first (N = 2) and are in
        # the base on Jan 31 (E = 2). churn and CRR divide by S = 0: NULL.
        # orders o1 + o2 = 2, revenue 100 + 50 = 150.
        ("2024-01-01", 0, 2, 2, 0, None, None, 2, Decimal("150.00")),
        # February: S = {a1, a2} (spells to Feb 8 and Feb 18 cover Jan 31). On Feb 29 a1
        # (Feb 15 - Mar 15) and a3 (Feb 20 - Mar 20) are in, a2 (ended Feb 18) is not:
        # E = 2, N = {a3} = 1, churned = {a2} = 1; churn 1 / 2 = 0.5, CRR (2 - 1) / 2 = 0.5.
        # With the host's global W = 90, a2 would still be in the base: churn 0.
        # orders o3 + o4 = 2, revenue 30 + 200 = 230.
        ("2024-02-01", 2, 2, 1, 1, 0.5, 0.5, 2, Decimal("230.00")),
        # March: S = {a1, a3}. On Mar 31 a1 is out (spell ended Mar 15), a3 is in (Mar 25 -
        # Apr 23): E = 1, N = 0, churned = {a1} = 1; churn 1 / 2 = 0.5, CRR (1 - 0) / 2 = 0.5.
        # o5 is cancelled: orders o6 = 1, revenue 120.
        ("2024-03-01", 2, 1, 0, 1, 0.5, 0.5, 1, Decimal("120.00")),
    ]


def test_dim_customers_carries_the_pass_through_columns(host):
    rows = host.query(f"select customer_id, segment, lifetime_orders, lifetime_revenue, channel,"
                      f" employee_count from {HOST_SCHEMA}.dim_customers order by customer_id")
    assert [tuple(r.values()) for r in rows] == [
        # a1: o1 + o3 = 2 orders, 100 + 30 = 130; acquisition_channel 'web' as `channel`.
        ("a1", "B2C", 2, Decimal("130.00"), "web", None),
        # a2: o2 only (o5 cancelled), 50; the current row (updated 2024-02-01) says 'web', the
        # superseded one 'store'.
        ("a2", "B2C", 1, Decimal("50.00"), "web", None),
        # a3: o4 + o6 = 2 orders, 200 + 120 = 320; employee_count 40.
        ("a3", "B2B", 2, Decimal("320.00"), "partner", 40),
        # a4: signed up, never bought.
        ("a4", "B2C", 0, Decimal("0.00"), "web", None),
    ]
    types = host.query("select column_name, data_type from information_schema.columns"
                       f" where table_schema = '{HOST_SCHEMA}' and table_name = 'dim_customers'")
    types = {row["column_name"]: row["data_type"] for row in types}
    # The contract's types from the var: varchar and integer (the raw columns' own).
    assert (types["channel"], types["employee_count"]) == ("VARCHAR", "INTEGER")
    assert "acquisition_channel" not in types


def test_the_scoped_vars_reach_the_package(host):
    # The run state records the settings each incremental model was built with: the scoped
    # 30 days, not the host's global 90, and the scoped as-of date.
    rows = host.query(f"select setting_name, setting_value from {HOST_SCHEMA}.loyalty_run_state"
                      " where model_name = 'int_customer_spells'")
    settings = {row["setting_name"]: row["setting_value"] for row in rows}
    assert settings["churn_window_days"] == "30"
    assert settings["as_of_date"] == '"2024-03-31"'


def test_the_hosts_model_reads_the_packages_mart(host):
    rows = host.query(f"select period_start, churned_customers, churn_rate"
                      f" from {HOST_SCHEMA}.shop_monthly_churn order by period_start")
    # The same months as mart_loyalty_kpis above: churned 0, 1, 1.
    assert [(str(r["period_start"]), r["churned_customers"], r["churn_rate"]) for r in rows] == [
        ("2024-01-01", 0, None), ("2024-02-01", 1, 0.5), ("2024-03-01", 1, 0.5)]


def test_the_python_models_ran_in_the_host(host):
    rows = host.query(f"select model_name, bool_or(is_converged) as converged, count(*) as n"
                      f" from {HOST_SCHEMA}.int_btyd_parameters_fitted group by 1 order by 1")
    # 4 BG/NBD parameters (r, alpha, a, b) and 3 Gamma-Gamma (p, q, v); with 2 repeat
    # customers (a1, a3) < clv_min_repeat_customers = 10 neither model is fitted.
    assert [tuple(r.values()) for r in rows] == [("bg_nbd", False, 4), ("gamma_gamma", False, 3)]


@pytest.fixture(scope="module")
def second_run(host) -> subprocess.CompletedProcess:
    """One more run on the built host, with two vars from the command line (one parse for
    both): employee_count declared varchar, though it is an integer in crm_customers; and the
    predictive CLV turned off, as in a host whose Python lacks the loyalty_analytics package.
    Run after the checks above: it replaces mart_customer_segments."""
    wrong = ('{loyalty_customers_pass_through_columns: '
             '[{name: employee_count, data_type: varchar}], predictive_clv_enabled: false}')
    return host.dbt("run", "--full-refresh", "--vars", wrong, "--select",
                    "dim_customers int_customer_rfm_summarised mart_customer_segments",
                    expect_success=False)


def test_a_pass_through_type_that_is_not_the_raw_ones_fails_the_contract(second_run):
    # dim_customers' contract check stops it and names the column
    assert second_run.returncode != 0
    assert "employee_count" in second_run.stdout
    assert "data type mismatch" in second_run.stdout


def test_the_predictive_models_off_by_var_are_logged_and_the_segments_still_build(
        host, second_run):
    assert "disabled by var predictive_clv_enabled = false" in second_run.stdout
    assert "OK created sql table model shop.mart_customer_segments" in second_run.stdout
    rows = host.query(f"select count(*) as n, count(p_alive) as with_p_alive"
                      f" from {HOST_SCHEMA}.mart_customer_segments")
    # the 3 buyers a1, a2, a3 (a4 never bought), with no prediction to carry
    assert rows == [{"n": 3, "with_p_alive": 0}]
