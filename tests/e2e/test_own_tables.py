"""A warehouse with its own schema and table names, mapped by vars only, builds the same marts.

The hand-made data set of tests/e2e/dataset.py is loaded twice: as the project names it
(schema raw), and into schema `shop` with every table renamed as a loader might have named it
(`crm_customer`, `shop_order`, ...). The second build gets only vars (raw_database,
raw_schema and loyalty_<table>_identifier); every mart must equal the first build's. A
raw_database that holds no raw tables stops the run at the raw contract check, naming the
tables where it looked. (A raw database other than the target's, attached by the profile, is
built in tests/test_integration_project.py.)
"""

from __future__ import annotations

import json

import duckdb
import pytest
from attack.support import read_table, table_differences
from conftest import WITHOUT_UNIT_TESTS, Dbt

from e2e.dataset import AS_OF_DATE, default_build, load_raw
from loyalty_analytics.contract import RAW_TABLES

OWN_NAMES = {table: f"shop_{table}_v2" for table in RAW_TABLES}
COMPARED = ("dim_customers", "fct_customer_periods", "mart_retention", "mart_purchases",
            "mart_cohorts", "mart_clv", "mart_loyalty_kpis")


@pytest.fixture(scope="module")
def warehouses(dbt_dirs, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("own_tables")
    default, own = root / "default.duckdb", root / "own.duckdb"
    default_build(dbt_dirs, tmp_path_factory, default)
    load_raw(own)
    with duckdb.connect(str(own)) as con:
        con.execute("create schema shop")
        for table, name in OWN_NAMES.items():
            con.execute(f"create table shop.{name} as select * from raw.{table}")
        con.execute("drop schema raw cascade")
    own_vars = json.dumps(mapped_vars("own"))
    Dbt(dbt_dirs, own).invoke("build", *WITHOUT_UNIT_TESTS, "--vars", own_vars, "--quiet")
    return {"default": default, "own": own}


def mapped_vars(database: str) -> dict:
    """The vars that point the project at the renamed tables; the DuckDB catalog of a file is
    its name without .duckdb."""
    return {"as_of_date": AS_OF_DATE, "raw_database": database, "raw_schema": "shop",
            **{f"loyalty_{table}_identifier": name for table, name in OWN_NAMES.items()}}


@pytest.mark.parametrize("relation", COMPARED)
def test_tables_mapped_by_vars_build_the_same_marts(warehouses, relation):
    want = read_table(warehouses["default"], f"analytics.{relation}")
    got = read_table(warehouses["own"], f"analytics.{relation}")
    assert want.rows, f"{relation} is empty: the comparison would prove nothing"
    assert table_differences(want, got) == []


def test_a_raw_database_without_the_tables_stops_the_run_naming_them(dbt_dirs, warehouses):
    run = Dbt(dbt_dirs, warehouses["own"]).invoke(
        "run", "--select", "stg_orders", "--vars", json.dumps(mapped_vars("elsewhere")),
        expect_success=False)
    assert not run.success
    message = str(run.exception)
    # every raw table (the program's two too: on by default), with the database looked in
    for name in OWN_NAMES.values():
        assert f"table elsewhere.shop.{name} is missing" in message, message
    assert "of database 'elsewhere'" in message
