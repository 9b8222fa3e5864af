"""No result depends on the session's time zone; dates are taken in the reporting time zone.

The hand-made data set of tests/e2e/dataset.py is built three ways:
- as loaded (`timestamp` columns holding UTC), the session in UTC: the reference;
- with every raw timestamp column as `timestamptz`, the session in America/Los_Angeles: a
  plain cast would move each order to the day before in the afternoon (UTC-8), and c2's
  order of 2024-01-01 00:15 UTC to 31 December. Every table must equal the reference;
- with var reporting_timezone Europe/Stockholm (UTC+1 in winter): c2's order o14 at
  2023-12-31 23:30 UTC is at 00:30 on 1 January in Stockholm, a January order.
"""

from __future__ import annotations

import json
import os

import duckdb
import pytest
from attack.support import read_table, table_differences
from conftest import WITHOUT_UNIT_TESTS, Dbt

from e2e.dataset import AS_OF_DATE, default_build, load_raw

TIMESTAMPS = {
    "customers": ("created_at", "updated_at"),
    "orders": ("ordered_at", "updated_at"),
    "survey_responses": ("responded_at",),
    "engagement_events": ("occurred_at",),
}
COMPARED = ("dim_customers", "fct_customer_periods", "mart_retention", "mart_purchases",
            "mart_cohorts", "mart_clv", "mart_loyalty_kpis", "stg_orders", "stg_customers")


def build(dbt_dirs, warehouse, session_zone: str, dbt_vars: dict, timestamptz: bool) -> None:
    load_raw(warehouse)
    if timestamptz:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("set TimeZone = 'UTC'")
            for table, columns in TIMESTAMPS.items():
                for column in columns:
                    # the same instants, now held with their zone
                    con.execute(f"alter table raw.{table} alter {column} type timestamptz "
                                f"using timezone('UTC', {column})")
    os.environ["DBT_DUCKDB_TIMEZONE"] = session_zone
    try:
        Dbt(dbt_dirs, warehouse).invoke("build", *WITHOUT_UNIT_TESTS,
                                        "--vars", json.dumps(dbt_vars), "--quiet")
    finally:
        os.environ.pop("DBT_DUCKDB_TIMEZONE", None)


@pytest.fixture(scope="module")
def warehouses(dbt_dirs, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("time_zones")
    # The reference: timestamp columns, UTC, the default vars (the e2e data set's default
    # build, shared with other test files).
    found = {"utc": root / "utc.duckdb"}
    default_build(dbt_dirs, tmp_path_factory, found["utc"])
    for name, zone, dbt_vars, timestamptz in (
        ("timestamptz_la", "America/Los_Angeles", {"as_of_date": AS_OF_DATE}, True),
        ("stockholm", "UTC", {"as_of_date": AS_OF_DATE, "reporting_timezone": "Europe/Stockholm"},
         False),
    ):
        found[name] = root / f"{name}.duckdb"
        build(dbt_dirs, found[name], zone, dbt_vars, timestamptz)
    return found


@pytest.mark.parametrize("relation", COMPARED)
def test_timestamptz_under_another_session_zone_gives_the_same_tables(warehouses, relation):
    got = read_table(warehouses["timestamptz_la"], f"analytics.{relation}")
    want = read_table(warehouses["utc"], f"analytics.{relation}")
    assert want.rows, f"{relation} is empty: the comparison would prove nothing"
    assert table_differences(want, got) == []


def month_orders(warehouse) -> dict[str, tuple[int, float]]:
    with duckdb.connect(str(warehouse)) as con:
        rows = con.execute(
            "select strftime(period_start, '%Y-%m'), orders, revenue from analytics.mart_purchases "
            "where period_grain = 'month' and segment = 'all' "
            "and period_start in ('2023-12-01', '2024-01-01')").fetchall()
    return {month: (orders, float(revenue)) for month, orders, revenue in rows}


def test_reporting_time_zone_moves_the_new_year_eve_order(warehouses):
    # UTC: December holds o13 (10.00, 15 Dec) and o14 (40.00, 31 Dec 23:30); January o15
    # (60.00, 1 Jan 00:15) and o16 (120.00, 15 Jan)
    assert month_orders(warehouses["utc"]) == {"2023-12": (2, 50.0), "2024-01": (2, 180.0)}
    # Stockholm: o14 is at 00:30 on 1 January (UTC+1): December 1 order (10), January 3
    # (40 + 60 + 120 = 220)
    assert month_orders(warehouses["stockholm"]) == {"2023-12": (1, 10.0),
                                                     "2024-01": (3, 220.0)}
