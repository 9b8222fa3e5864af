"""mart_cohorts' scope reaches back repeat_window_days (cohort_scope).

A night whose only news is a second order on the first day of a month changes a row of the
month before: the buyer's cohort gains a repeat customer, in a row whose measured month the
night does not otherwise reach. The incremental build must give what a full refresh gives,
and both the hand-computed counts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from attack.support import write_raw
from conftest import copy_warehouse, warehouse_file

from incremental.nights import dbt, rows

SELECT = ("--select", "+mart_cohorts")


def order(order_id: str, customer_id: str, day: dt.date) -> tuple:
    at = dt.datetime.combine(day, dt.time(12))
    return (order_id, customer_id, at, "completed", Decimal("10.00"), at)


def cohorts(warehouse: Path) -> dict[tuple, dict]:
    return {(r["cohort_month"], r["months_since_first_order"]): r for r in rows(
        warehouse, "select * exclude (_loaded_at) from analytics.mart_cohorts")}


def test_a_second_order_across_a_month_boundary(dbt_dirs, tmp_path):
    joined = dt.datetime(2025, 1, 2, 9)
    tables = {
        "customers": [("c1", joined, "B2C", "SE"), ("c2", joined, "B2C", "SE")],
        "orders": [
            order("o1", "c2", dt.date(2025, 1, 10)),
            order("o2", "c2", dt.date(2025, 1, 31)),  # the latest day: the as-of date
            order("o3", "c1", dt.date(2025, 1, 31)),  # c1's first and only order
        ],
        "order_items": [(o, 1, "p1", "books", 1, Decimal("10.00")) for o in ("o1", "o2", "o3")],
    }
    incremental, full = warehouse_file(tmp_path / "incremental"), warehouse_file(tmp_path / "full")
    write_raw(incremental, tables)
    dbt(dbt_dirs, (("run", *SELECT), incremental))
    before = cohorts(incremental)
    # cohort 2025-01: c1 and c2; c2's second order 21 days after the first: 1 repeat customer
    assert before[(dt.date(2025, 1, 1), 0)]["repeat_customers"] == 1

    tables["orders"].append(order("o4", "c1", dt.date(2025, 2, 1)))  # c1's second, 1 day on
    tables["order_items"].append(("o4", 1, "p1", "books", 1, Decimal("10.00")))
    write_raw(incremental, tables)  # the night's load: the same tables, one row more
    copy_warehouse(incremental, full)
    dbt(dbt_dirs, (("run", *SELECT), incremental),
        (("run", "--full-refresh", *SELECT), full))

    got, want = cohorts(incremental), cohorts(full)
    assert got == want
    # cohort 2025-01 (2 customers): c2 (21 days) and c1 (1 day) repeat within 90 days: 2 of 2;
    # in February c1 buys: 1 active, 10.00 of revenue, 30.00 + 10.00 = 40.00 so far
    january, february = got[(dt.date(2025, 1, 1), 0)], got[(dt.date(2025, 1, 1), 1)]
    assert (january["cohort_size"], january["repeat_customers"]) == (2, 2)
    assert (february["repeat_customers"], february["active_customers"]) == (2, 1)
    assert (february["revenue"], february["cumulative_revenue"]) == (Decimal("10.00"),
                                                                     Decimal("40.00"))
