"""mart_program_points' scope reaches back to the start of a changed membership
(points_period_scope).

A night whose only news is a newer version of a membership, moved to the other program,
changes the periods since it started: the customer's points entries and their place among the
members at each period end move with it, though no points entry, order or as-of date changed.
The incremental build must give what a full refresh gives, and both the hand-computed rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from attack.support import write_raw
from conftest import copy_warehouse, warehouse_file

from incremental.nights import dbt, rows

SELECT = ("--select", "+mart_program_points")


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour))


def february(warehouse: Path) -> dict[str, dict]:
    return {r["program"]: r for r in rows(
        warehouse, "select program, points_earned, members_end from analytics.mart_program_points "
        "where period_grain = 'month' and period_start = date '2025-02-01'")}


def test_a_membership_moved_to_another_program(dbt_dirs, tmp_path):
    joined = at("2025-01-02", 9)
    membership = ("m1", "c1", "points", "bronze", at("2025-01-05", 9), None, at("2025-01-05", 9))
    tables = {
        "customers": [(c, joined, "B2C", "SE") for c in ("c1", "c2", "c3")],
        "orders": [
            ("o1", "c1", at("2025-01-10"), "completed", Decimal("10.00"), at("2025-01-10")),
            # the latest day: the as-of date, which the night leaves where it is
            ("o2", "c1", at("2025-03-31"), "completed", Decimal("10.00"), at("2025-03-31")),
        ],
        "order_items": [(o, 1, "p1", "books", 1, Decimal("10.00")) for o in ("o1", "o2")],
        "loyalty_memberships": [
            membership,
            # both programs keep a member: the night does not change the set of programs
            ("m2", "c2", "vip_club", "gold", at("2025-01-03", 9), None, at("2025-01-03", 9)),
            ("m3", "c3", "points", "gold", at("2025-01-03", 9), None, at("2025-01-03", 9)),
        ],
        "loyalty_points": [("e1", "c1", at("2025-02-01", 10), "earn", 100, None)],
    }
    incremental, full = warehouse_file(tmp_path / "incremental"), warehouse_file(tmp_path / "full")
    write_raw(incremental, tables)
    dbt(dbt_dirs, (("run", *SELECT), incremental))
    # February: c1's 100 points in 'points', whose members at the end are c1 and c3
    assert february(incremental)["points"] == {
        "program": "points", "points_earned": 100, "members_end": 2}

    # m1's newer version, written on the latest day: vip_club since the same day
    tables["loyalty_memberships"].append(
        ("m1", "c1", "vip_club", "bronze", membership[4], None, at("2025-03-31", 23)))
    write_raw(incremental, tables)
    copy_warehouse(incremental, full)
    dbt(dbt_dirs, (("run", *SELECT), incremental),
        (("run", "--full-refresh", *SELECT), full))

    every = "select * exclude (_loaded_at) from analytics.mart_program_points"
    key = lambda r: (r["period_grain"], r["period_start"], r["program"])  # noqa: E731
    assert sorted(rows(incremental, every), key=key) == sorted(rows(full, every), key=key)
    # February now: c1's 100 points in vip_club, members c1 and c2; 'points' keeps c3 only
    after = february(incremental)
    assert after["points"] == {"program": "points", "points_earned": 0, "members_end": 1}
    assert after["vip_club"] == {"program": "vip_club", "points_earned": 100, "members_end": 2}
