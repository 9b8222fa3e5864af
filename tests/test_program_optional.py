"""The loyalty program's tables are optional: a warehouse with only the five required raw
tables builds with var('loyalty_program_enabled') false (no program source, staging,
quarantine or mart is built), and stops at the contract check, naming the var, when it is
true (the default)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import WITHOUT_UNIT_TESTS, Dbt, warehouse_file

from loyalty_analytics.contract import OPTIONAL_TABLES, REQUIRED_TABLES, create_table_sql

PROGRAM_MODELS = (
    "base_raw__loyalty_memberships", "base_raw__loyalty_points", "stg_loyalty_memberships",
    "stg_loyalty_points", "quarantine_loyalty_memberships", "quarantine_loyalty_points",
    "mart_program_impact", "mart_program_join_effect", "mart_program_points",
)


@pytest.fixture(scope="module")
def without_program(tmp_path_factory) -> Path:
    """A warehouse with the five required tables (one customer, two orders) and no program
    tables. dbt runs in this process (conftest.Dbt), as in the other builds' tests: a dbt
    process of its own spent about 7 s importing and parsing before the first query."""
    warehouse = warehouse_file(tmp_path_factory.mktemp("program_optional") / "warehouse")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        for table in REQUIRED_TABLES:
            con.execute(create_table_sql(table))
        con.execute("insert into raw.customers values "
                    "('c1', '2024-01-01', 'B2C', 'SE', '2024-01-01')")
        con.execute("insert into raw.orders values "
                    "('o1', 'c1', '2024-01-05 10:00', 'completed', 10.00, '2024-01-05 10:00'),"
                    "('o2', 'c1', '2024-02-05 10:00', 'completed', 30.00, '2024-02-05 10:00')")
        con.execute("insert into raw.order_items values "
                    "('o1', 1, 'p1', 'books', 1, 10.00), ('o2', 1, 'p1', 'books', 1, 30.00)")
    return warehouse


def tables(warehouse: Path) -> set[str]:
    # Not read_only: dbt-duckdb keeps its connection to the file open in this process.
    with duckdb.connect(str(warehouse)) as con:
        return {row[0] for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'analytics'").fetchall()}


def test_the_build_stops_naming_the_var_when_the_program_is_enabled(dbt_dirs, without_program):
    run = Dbt(dbt_dirs, without_program).invoke("build", expect_success=False)
    assert not run.success
    # the error dbt prints: "Encountered an error: Compilation Error in operation ..."
    error = str(run.exception)
    for table in OPTIONAL_TABLES:
        assert f"table raw.{table} is missing" in error
    assert "loyalty_program_enabled: false" in error


def test_everything_else_builds_with_the_program_disabled(dbt_dirs, without_program):
    Dbt(dbt_dirs, without_program).invoke(
        "build", "--vars", "{loyalty_program_enabled: false}", *WITHOUT_UNIT_TESTS)
    built = tables(without_program)
    assert {"mart_loyalty_kpis", "mart_data_quality", "mart_returning_aov"} <= built
    assert built.isdisjoint(PROGRAM_MODELS)
    with duckdb.connect(str(without_program)) as con:
        # February: c1 is returning (first order in January), 30 / 1
        aov = con.execute(
            "select returning_avg_order_value from analytics.mart_returning_aov "
            "where period_grain = 'month' and period_start = '2024-02-01' and segment = 'all'"
        ).fetchone()[0]
    assert aov == pytest.approx(30.0)
