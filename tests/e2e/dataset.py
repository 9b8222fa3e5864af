"""The hand-made raw data set of the end-to-end tests, and the helpers that build on it.

Eight buyers, one non-buyer, 23 orders (19 valid). Every expected value in the test modules
is computed by hand from this file and docs/metrics.md; the arithmetic is in a comment
beside it.

Timeline of every order, as its day of the month: unmarked = completed (valid);
x = cancelled, r = refunded, p = pending (never counted).

               2022 | 2023                                           | 2024
               Dec  | Jan     Feb Mar Apr May Jun    Jul-Oct Nov Dec | Jan Feb    Mar
    c1 B2C          | 10                                             |            5 back
    c2 B2C          |                                            31  | 1
    c3 B2C          |                                                |     29 29
    c4 B2C          |                         10 20  r5 Sep          |            p10
    c5 B2B          |             15                         20      |     10
    c6 B2B          | 20 x25  14                                     |
    c7 unknown      |                     5                          | 15
    c8 B2C     x20  |                                                |
    c9 B2C          |             2   2                          15  |            1
    (numbers are days of the month; 2024-03 runs to the as-of date, the 15th)

Valid orders per customer (date: amount, categories):
    c1  2023-01-10: 100 books            2024-03-05: 50 books
    c2  2023-12-31 23:30: 40 toys        2024-01-01 00:15: 60 toys
    c3  2024-02-29 09:00: 30 books       2024-02-29 17:00: 20 books
    c4  2023-06-10: 25 books             2023-06-20: 35 toys
    c5  2023-03-15: 200 office+tech      2023-11-20: 300 office      2024-02-10: 100 tech
    c6  2023-01-20: 500 office           2023-02-14: 150 office
    c7  2023-05-05: 80 garden            2024-01-15: 120 garden
    c9  2023-03-02, 2023-04-02, 2023-12-15, 2024-03-01: 10 books each
Totals: 19 valid orders, revenue 1850 (2023: 12 orders, 1460; 2024: 7 orders, 390).

The as-of date is 2024-03-15 (AS_OF_DATE), mid-month: March 2024, Q1 2024 and the year 2024
are partial periods ending on it. The earliest valid order is 2023-01-10 (c8's cancelled order
of 2022-12-20 is earlier but is not a purchase), so every grain starts in January 2023.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
from conftest import Dbt, built_once, checkpoint

from loyalty_analytics.contract import RAW_TABLES, create_table_sql

AS_OF_DATE = "2024-03-15"
SEGMENTS = ("all", "B2B", "B2C", "unknown")

CUSTOMERS = [
    # customer_id, created_at, segment, country
    # c1: buys in Jan 2023, then nothing for > 365 days (leaves the base after 2024-01-09),
    #     comes back on 2024-03-05: churned in Jan 2024, reactivated in Mar 2024.
    ("c1", "2023-01-01 08:00:00", "B2C", "SE"),
    # c2: two orders across the year boundary (2023-12-31 23:30 and 2024-01-01 00:15 UTC);
    #     second order 1 day after the first (cohort repeat).
    ("c2", "2023-12-01 08:00:00", "B2C", "SE"),
    # c3: two orders on the same day, the leap day 2024-02-29 (repeat purchase in one month;
    #     a same-day second order counts for the cohort repeat rate).
    ("c3", "2024-02-01 08:00:00", "B2C", "NO"),
    # c4: two orders in June 2023 of two categories (upsell across orders); later a refunded
    #     order (Sep 2023, 999) and a pending one (Mar 2024, 80) that never count.
    ("c4", "2023-06-01 08:00:00", "B2C", "DK"),
    # c5: B2B; one order with items of two categories (Mar 2023), then Nov 2023 and Feb 2024.
    ("c5", "2023-03-01 08:00:00", "B2B", "SE"),
    # c6: B2B; Jan 2023 (plus a cancelled order) and Feb 2023, then silent: leaves the base
    #     after 2024-02-13 (churned in Feb 2024 at the default 365-day window).
    ("c6", "2023-01-01 08:00:00", "B2B", "FI"),
    # c7: missing from this table on purpose: segment 'unknown'.
    # c8: only a cancelled order: never a customer in any metric.
    ("c8", "2022-12-01 08:00:00", "B2C", "SE"),
    # c9: small regular buyer (country NULL): 2023-03-02, 2023-04-02 (31 days later: inside the
    #     90-day repeat window, outside a 30-day one), 2023-12-15, 2024-03-01.
    ("c9", "2023-03-01 08:00:00", "B2C", None),
]

ORDERS = [
    # order_id, customer_id, ordered_at (UTC), status, order_total, items (category, qty, price)
    ("o00", "c8", "2022-12-20 10:00:00", "cancelled", "90.00", [("toys", 1, "90.00")]),
    ("o01", "c1", "2023-01-10 10:00:00", "completed", "100.00", [("books", 2, "50.00")]),
    ("o02", "c6", "2023-01-20 10:00:00", "completed", "500.00", [("office", 5, "100.00")]),
    ("o03", "c6", "2023-01-25 10:00:00", "cancelled", "70.00", [("office", 1, "70.00")]),
    ("o04", "c6", "2023-02-14 10:00:00", "completed", "150.00", [("office", 1, "150.00")]),
    ("o05", "c9", "2023-03-02 10:00:00", "completed", "10.00", [("books", 1, "10.00")]),
    ("o06", "c5", "2023-03-15 10:00:00", "completed", "200.00",
     [("office", 1, "120.00"), ("tech", 1, "80.00")]),
    ("o07", "c9", "2023-04-02 10:00:00", "completed", "10.00", [("books", 1, "10.00")]),
    ("o08", "c7", "2023-05-05 10:00:00", "completed", "80.00", [("garden", 1, "80.00")]),
    ("o09", "c4", "2023-06-10 10:00:00", "completed", "25.00", [("books", 1, "25.00")]),
    ("o10", "c4", "2023-06-20 10:00:00", "completed", "35.00", [("toys", 1, "35.00")]),
    ("o11", "c4", "2023-09-05 10:00:00", "refunded", "999.00", [("garden", 1, "999.00")]),
    ("o12", "c5", "2023-11-20 10:00:00", "completed", "300.00", [("office", 3, "100.00")]),
    ("o13", "c9", "2023-12-15 10:00:00", "completed", "10.00", [("books", 1, "10.00")]),
    ("o14", "c2", "2023-12-31 23:30:00", "completed", "40.00", [("toys", 1, "40.00")]),
    ("o15", "c2", "2024-01-01 00:15:00", "completed", "60.00", [("toys", 2, "30.00")]),
    ("o16", "c7", "2024-01-15 10:00:00", "completed", "120.00", [("garden", 1, "120.00")]),
    ("o17", "c5", "2024-02-10 10:00:00", "completed", "100.00", [("tech", 1, "100.00")]),
    ("o18", "c3", "2024-02-29 09:00:00", "completed", "30.00", [("books", 1, "30.00")]),
    ("o19", "c3", "2024-02-29 17:00:00", "completed", "20.00", [("books", 1, "20.00")]),
    ("o20", "c9", "2024-03-01 10:00:00", "completed", "10.00", [("books", 1, "10.00")]),
    ("o21", "c1", "2024-03-05 10:00:00", "completed", "50.00", [("books", 1, "50.00")]),
    ("o22", "c4", "2024-03-10 10:00:00", "pending", "80.00", [("toys", 1, "80.00")]),
]


def load_raw(warehouse: Path) -> None:
    """Create the five raw tables in schema ``raw`` of ``warehouse`` and insert the data set."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists raw")
        for table in RAW_TABLES:
            con.execute(create_table_sql(table))
        # updated_at: one version per customer, as old as the sign-up
        con.executemany("insert into raw.customers values (?, ?, ?, ?, ?)",
                        [(*row, row[1]) for row in CUSTOMERS])
        con.executemany(
            "insert into raw.orders values (?, ?, ?, ?, ?, ?)",
            [(oid, cid, at, status, total, at) for oid, cid, at, status, total, _ in ORDERS],
        )
        con.executemany(
            "insert into raw.order_items values (?, ?, ?, ?, ?, ?)",
            [
                (oid, line, f"p-{category}", category, quantity, price)
                for oid, _, _, _, _, items in ORDERS
                for line, (category, quantity, price) in enumerate(items, start=1)
            ],
        )
        # survey_responses and engagement_events stay empty: no order metric reads them.


def build(dbt_dirs: dict[str, Path], warehouse: Path, dbt_vars: dict) -> Dbt:
    """Load the data set into a fresh warehouse and ``dbt build`` it with ``dbt_vars``."""
    load_raw(warehouse)
    dbt = Dbt(dbt_dirs, warehouse)
    dbt.invoke("build", "--vars", json.dumps(dbt_vars))
    return dbt


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def as_date(value) -> dt.date | None:
    """Dates come back as date (or datetime on some adapters): compare as date."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def num(value) -> float | None:
    """Decimals and integers as float for pytest.approx; NULL stays None."""
    return None if value is None else float(value)


def index_by_period(rows: list[dict]) -> dict[tuple[str, dt.date, str], dict]:
    """Rows of a period × segment mart keyed by (period_grain, period_start, segment)."""
    keyed: dict[tuple[str, dt.date, str], dict] = {}
    for row in rows:
        key = (row["period_grain"], as_date(row["period_start"]), row["segment"])
        assert key not in keyed, f"duplicate row for {key}"
        keyed[key] = row
    return keyed


def month_starts() -> list[dt.date]:
    """2023-01-01 … 2024-03-01: the 15 month periods of the data set."""
    return [dt.date(2023, m, 1) for m in range(1, 13)] + [dt.date(2024, m, 1) for m in (1, 2, 3)]


EXPECTED_PERIOD_STARTS = {
    "month": month_starts(),
    "quarter": [d("2023-01-01"), d("2023-04-01"), d("2023-07-01"), d("2023-10-01"),
                d("2024-01-01")],
    "year": [d("2023-01-01"), d("2024-01-01")],
}


def default_build(dbt_dirs: dict[str, Path], tmp_path_factory, warehouse: Path) -> None:
    """``warehouse``: a copy of the data set built with the default vars and AS_OF_DATE.
    test_marts_default_windows, test_own_tables and test_time_zones each built the same; it is
    now built once per session (conftest.built_once), and copied after a checkpoint (dbt-duckdb
    keeps its connection open in the process that built it)."""

    def build_it(folder: Path) -> None:
        build(dbt_dirs, folder / "warehouse.duckdb", {"as_of_date": AS_OF_DATE})
        checkpoint(folder / "warehouse.duckdb")

    shutil.copyfile(built_once(tmp_path_factory, "e2e_default_build", build_it)
                    / "warehouse.duckdb", warehouse)
