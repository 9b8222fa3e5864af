"""A small, seeded generator of raw loyalty data, and a loader into DuckDB's `raw` schema.

The rows follow docs/data-contract.md. The data set is small (40–80 customers) but
covers the corners the metric definitions care about: B2C, B2B and customer ids missing from
`customers`; all four statuses; several orders on one day; gaps longer than any churn window;
orders at 00:00:00 and 23:59:59 on Feb 29 2024 and around the turn of the year; 1–3 items per
order over four categories; and, on request, superseded duplicates of an order (older
`updated_at`, other status or total) and a few rows that staging must reject.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from loyalty_analytics.contract import RAW_TABLES, create_table_sql

FIRST_DAY = dt.date(2022, 7, 1)
# The latest valid (completed) order of every data set; later orders are never completed.
LAST_VALID_DAY = dt.date(2025, 1, 14)
# Orders after the last valid one, none of them completed: the default as-of date ignores them.
LATE_NON_VALID = [
    (dt.datetime(2025, 1, 20, 9, 0, 0), "pending"),
    (dt.datetime(2025, 2, 3, 17, 30, 0), "cancelled"),
    (dt.datetime(2025, 1, 15, 0, 0, 0), "refunded"),
]
# An as-of date a test may use; the generator puts valid orders just before and after it.
MID_MONTH_AS_OF = dt.date(2024, 9, 14)
SPECIAL_DAYS = [
    dt.date(2022, 12, 31), dt.date(2023, 1, 1), dt.date(2023, 12, 31), dt.date(2024, 1, 1),
    dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1), dt.date(2024, 3, 31),
    dt.date(2024, 4, 1), dt.date(2024, 12, 31), dt.date(2025, 1, 1),
]
CATEGORIES = ("books", "garden", "toys", "electronics")
STATUSES = ("completed", "cancelled", "refunded", "pending")
STATUS_WEIGHTS = (75, 9, 8, 8)


def _time_of_day(rng: random.Random) -> dt.time:
    roll = rng.random()
    if roll < 0.1:
        return dt.time(0, 0, 0)
    if roll < 0.2:
        return dt.time(23, 59, 59)
    seconds = rng.randrange(86400)
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def _gap_days(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.12:
        return 0  # another order on the same day
    if roll < 0.30:
        return rng.randint(1, 7)
    if roll < 0.55:
        return rng.randint(8, 45)
    if roll < 0.78:
        return rng.randint(46, 200)
    if roll < 0.84:
        return rng.choice([29, 30, 31, 89, 90, 91, 364, 365, 366])
    return rng.randint(367, 700)  # longer than the default churn window


def generate(
    seed: int, *, duplicates: bool = False, rejects: bool = False
) -> dict[str, list[dict]]:
    """Raw rows per table (python values: str, datetime, Decimal, int, None)."""
    rng = random.Random(seed)
    n_known = rng.randint(40, 80)
    known = [f"C{i:03d}" for i in range(1, n_known + 1)]
    unknown = [f"U{i:02d}" for i in range(1, rng.randint(4, 6) + 1)]

    customers = []
    for cid in known:
        created = dt.datetime(2020, 1, 1) + dt.timedelta(seconds=rng.randrange(86400 * 900))
        customers.append({
            "customer_id": cid,
            "created_at": created,
            "segment": "B2C" if rng.random() < 0.65 else "B2B",
            "country": rng.choice(["SE", "NO", "DE", "FI", None]),
            "updated_at": created,  # one version each
        })

    # Some known customers never order; every unknown id does (or at least appears in orders).
    buyers = [c for c in known if rng.random() > 0.1] + unknown
    preferred = {c: rng.choice(CATEGORIES) for c in buyers}

    planned: list[tuple[str, dt.datetime, str]] = []  # (customer, ordered_at, status)

    def plan(cid: str, day: dt.date, status: str | None = None, at: dt.time | None = None):
        if status is None:
            status = rng.choices(STATUSES, weights=STATUS_WEIGHTS)[0]
        planned.append((cid, dt.datetime.combine(day, at or _time_of_day(rng)), status))

    span = (LAST_VALID_DAY - FIRST_DAY).days
    for cid in buyers:
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(span - 20))
        for n in range(rng.randint(1, 12)):
            if day > LAST_VALID_DAY:
                break
            plan(cid, day)
            if n == 0 and rng.random() < 0.4:
                # A second order right at a repeat window's edge (0, 7 and 90 days).
                day += dt.timedelta(days=rng.choice([0, 1, 6, 7, 8, 89, 90, 91]))
            else:
                day += dt.timedelta(days=_gap_days(rng))

    # Orders that leave the base exactly at a period boundary for W = 30 or 365.
    for _ in range(12):
        boundary = dt.date(rng.randint(2023, 2024), rng.randint(1, 12), 1)
        offset = rng.choice([29, 30, 31, 364, 365, 366])
        plan(rng.choice(buyers), boundary - dt.timedelta(days=offset), "completed")

    # The corners of the calendar, each with several orders (some of one customer, same day).
    for day in SPECIAL_DAYS:
        for cid in rng.sample(buyers, 3):
            plan(cid, day)
        plan(rng.choice(buyers), day, "completed", dt.time(0, 0, 0))
        plan(rng.choice(buyers), day, "completed", dt.time(23, 59, 59))
    late = unknown[-1]
    others = [b for b in buyers if b != late]
    # Valid orders on the mid-month as-of date (last second) and the second after it.
    plan(rng.choice(others), MID_MONTH_AS_OF, "completed", dt.time(23, 59, 59))
    plan(rng.choice(others), MID_MONTH_AS_OF + dt.timedelta(days=1), "completed", dt.time(0, 0, 0))
    # A customer whose only orders come after the mid-month as-of date.
    planned = [p for p in planned if p[0] != late]
    plan(late, dt.date(2024, 10, 2), "completed")
    plan(late, dt.date(2024, 10, 2), "completed")
    plan(late, dt.date(2024, 12, 20), "completed")
    # The latest valid order, then later orders that are not valid.
    plan(rng.choice(others), LAST_VALID_DAY, "completed", dt.time(12, 0, 0))
    for ts, status in LATE_NON_VALID:
        plan(rng.choice(others), ts.date(), status, ts.time())
    # An unknown id that has no valid order at all.
    planned.append(("U99", dt.datetime(2023, 5, 5, 10, 0, 0), "cancelled"))

    planned.sort(key=lambda p: (p[1], p[0]))
    orders: list[dict] = []
    items: list[dict] = []
    for n, (cid, ordered_at, status) in enumerate(planned, start=1):
        order_id = f"O{n:05d}"
        total = Decimal(0)
        for line in range(1, rng.randint(1, 3) + 1):
            category = preferred.get(cid, "books") if rng.random() < 0.6 else rng.choice(CATEGORIES)
            quantity = rng.randint(1, 3)
            price = Decimal(rng.randint(99, 25000)) / 100
            total += quantity * price
            items.append({
                "order_id": order_id, "line_number": line,
                "product_id": f"P-{category[:3]}-{rng.randint(1, 9)}",
                "product_category": category, "quantity": quantity, "unit_price": price,
            })
        updated_at = ordered_at + dt.timedelta(hours=rng.randint(1, 300))
        row = {"order_id": order_id, "customer_id": cid, "ordered_at": ordered_at,
               "status": status, "order_total": total, "updated_at": updated_at}
        orders.append(row)
        if duplicates and rng.random() < 0.07:
            # An older version of the same order, superseded by the row above.
            orders.append({
                **row,
                "status": rng.choice(STATUSES),
                "order_total": total + Decimal(rng.randint(-500, 500)) / 100 if total > 10
                else total,
                "updated_at": updated_at - dt.timedelta(hours=rng.randint(1, 48)),
            })

    if rejects:
        cid = known[0]
        base = {"customer_id": cid, "ordered_at": dt.datetime(2023, 6, 1, 12, 0, 0),
                "status": "completed", "order_total": Decimal("10.00"),
                "updated_at": dt.datetime(2023, 6, 2, 12, 0, 0)}
        rejects = [
            {**base, "order_id": None},
            {**base, "order_id": "R1", "customer_id": None},
            {**base, "order_id": "R2", "status": "shipped"},
            {**base, "order_id": "R3", "order_total": Decimal("-5.00")},
            {**base, "order_id": "R4", "ordered_at": dt.datetime(2031, 1, 1, 12, 0, 0),
             "updated_at": dt.datetime(2031, 1, 1, 13, 0, 0)},
            {**base, "order_id": "R5", "ordered_at": dt.datetime(1985, 6, 1, 12, 0, 0)},
        ]
        orders.extend(rejects)
        for r in rejects:
            if r["order_id"]:
                items.append({"order_id": r["order_id"], "line_number": 1, "product_id": "P-x",
                              "product_category": "rejected", "quantity": 1,
                              "unit_price": Decimal("10.00")})
        # An item of an order that does not exist.
        items.append({"order_id": "O99999", "line_number": 1, "product_id": "P-x",
                      "product_category": "orphan", "quantity": 1, "unit_price": Decimal("1.00")})

    rng.shuffle(orders)
    return {"customers": customers, "orders": orders, "order_items": items,
            "survey_responses": [], "engagement_events": []}


def load(warehouse: Path, raw: dict[str, list[dict]]) -> None:
    """Create the five raw tables in `warehouse` and insert the rows."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists raw")
        for table, columns in RAW_TABLES.items():
            con.execute(create_table_sql(table))
            rows = raw.get(table, [])
            if not rows:
                continue
            names = [name for name, _ in columns]
            frame = pd.DataFrame(
                {name: [_loadable(row[name]) for row in rows] for name in names},
                dtype=object,
            )
            con.register("frame", frame)
            casts = ", ".join(f"cast({name} as {type_})" for name, type_ in columns)
            con.execute(f"insert into raw.{table} select {casts} from frame")
            con.unregister("frame")


def _loadable(value):
    # Decimals travel as text so that DuckDB casts them exactly.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value
