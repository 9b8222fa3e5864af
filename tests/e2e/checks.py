"""Small helpers shared by the end-to-end test modules: reading the marts and comparing rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from e2e.dataset import as_date, index_by_period, num

PERIOD_MARTS = ("mart_retention", "mart_purchases", "mart_clv")


def read(warehouse: Path, sql: str) -> list[dict]:
    """Run ``sql`` on the warehouse: rows as dicts.

    A plain (read-write) connection on purpose: dbt-duckdb keeps its own DuckDB instance on
    the file open in this process after ``dbt build``, and DuckDB refuses a second connection
    with another configuration (``read_only=True``, as ``Dbt.query`` uses) to the same file.
    """
    with duckdb.connect(str(warehouse)) as con:
        cursor = con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_marts(warehouse: Path) -> dict[str, object]:
    """Every mart of the order side, read once: period marts keyed by (grain, start, segment)."""
    marts: dict[str, object] = {
        name: index_by_period(read(warehouse, f"select * from analytics.{name}"))
        for name in PERIOD_MARTS
    }
    marts["mart_cohorts"] = {
        (as_date(row["cohort_month"]), row["months_since_first_order"]): row
        for row in read(warehouse, "select * from analytics.mart_cohorts")
    }
    marts["dim_customers"] = {
        row["customer_id"]: row for row in read(warehouse, "select * from analytics.dim_customers")
    }
    marts["fct_customer_periods"] = read(
        warehouse,
        "select * from analytics.fct_customer_periods order by customer_id, period_grain, "
        "period_start",
    )
    return marts


def assert_row(row: dict | None, expected: dict, label: str) -> None:
    """Compare the columns named in ``expected``; report every mismatch at once."""
    assert row is not None, f"{label}: no row"
    problems = []
    for column, want in expected.items():
        got = row[column]
        if want is None:
            ok = got is None
        elif isinstance(want, bool):
            ok = got is want
        elif isinstance(want, dt.date):
            ok = as_date(got) == want
        elif isinstance(want, str):
            ok = got == want
        else:
            ok = got is not None and num(got) == pytest.approx(want, rel=1e-9, abs=1e-9)
        if not ok:
            problems.append(f"{column}: expected {want!r}, got {got!r}")
    assert not problems, f"{label}: " + "; ".join(problems)


def customer_rows(fct: list[dict], customer_id: str, grain: str) -> dict[dt.date, dict]:
    return {
        as_date(row["period_start"]): row
        for row in fct
        if row["customer_id"] == customer_id and row["period_grain"] == grain
    }
