"""The nightly run gives exactly what a full refresh gives, whatever arrives late (hypothesis).

Each example draws a small raw data set and a sequence of deliveries appended to it, night by
night, as a real feed brings them. Every kind of late or corrected fact appears in every
example (DELIVERY_KINDS, counted and asserted):

- new days: orders with their lines, answers and events after the latest day, the first of
  them on the first day of a new month; the first new days bring the second order of a buyer
  whose first was on the last day of the history;
- late order lines: lines of old orders that get no new version;
- order corrections: a newer version that refunds or cancels an old order, or changes its
  amount, and a newer version that is invalid (a negative amount: the order counts nowhere);
- customer corrections: a newer version of a customers row with another segment, and a late
  customers row for a buyer who had none;
- a cancelled latest day: every completed order of the latest order day gets a cancelled
  version, so the as-of date moves back, across a month boundary;
- rows months old: answers, events and an order dated months before the latest day;
- a new segment value: the first B2B customer, and the first buyer missing from `customers`
  (segment 'unknown');
- bad rows: an unknown status, a score out of range, a negative duration, a line of an
  unknown order, a timestamp in 2099;
- exact copies of rows already loaded, in every table;
- loyalty program changes: a new membership, a newer version of a membership (another tier,
  or a left_at), an invalid latest version (left before it joined: the membership counts
  nowhere), points entries months old, and a points entry whose sign contradicts its type.

After each delivery, the warehouse that got the deliveries one by one runs an incremental
`dbt build` (its data tests, rows_reconcile among them, must pass); a copy of the same raw
tables runs `dbt build --full-refresh`. Every table of the project must then hold the same
rows in both, every column compared (floats to 1e-9) but the write stamps `_loaded_at` and
`quarantined_at`.

LOYALTY_DELIVERY_EXAMPLES sets the number of examples, about a minute each. The default is
one, the same example every run (each example holds every kind of delivery); `make
test-properties` runs more, drawn anew.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from attack.support import (
    read_table,
    table_differences,
    write_raw,
)
from conftest import WITHOUT_UNIT_TESTS, copy_warehouse, warehouse_file
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from incremental.nights import dbt

DELIVERY_KINDS = (
    "new_days",
    "late_order_lines",
    "order_corrections",
    "invalid_latest_version",
    "customer_corrections",
    "late_customer_rows",
    "cancelled_latest_day",
    "months_old_rows",
    "new_segment_value",
    "bad_rows",
    "exact_copies",
    "program_changes",
)
CATEGORIES = ("books", "toys", "garden", "music")
QUESTIONS = ("recommend", "repurchase", "try_new", "satisfaction")
SCHEMA = "analytics"
# Write stamps: two builds of the same data differ there by design.
STAMPS = ("_loaded_at", "quarantined_at")
# Every kind seen in this session's examples (the module's last test asserts on them).
SEEN: Counter = Counter()


class Feed:
    """Raw rows of a loyalty feed, grown delivery by delivery (contract column order)."""

    def __init__(self, rng: random.Random, first_day: dt.date, customers: int):
        self.rng = rng
        self.first_day = first_day
        self.last_day = first_day
        self.next_id = Counter()
        self.tables: dict[str, list[tuple]] = {
            "customers": [], "orders": [], "order_items": [],
            "survey_responses": [], "engagement_events": [],
            "loyalty_memberships": [], "loyalty_points": []}
        self.buyers = [self.new_id("c") for _ in range(customers)]
        for customer_id in self.buyers:
            created = self.at(first_day)
            self.tables["customers"].append((customer_id, created, "B2C", "SE", created))

    # --- helpers -------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        self.next_id[prefix] += 1
        return f"{prefix}{self.next_id[prefix]:04d}"

    def at(self, day: dt.date, hour: int | None = None) -> dt.datetime:
        hour = self.rng.randrange(24) if hour is None else hour
        return dt.datetime(day.year, day.month, day.day, hour, self.rng.randrange(60))

    def amount(self) -> Decimal:
        return Decimal(self.rng.randrange(500, 30_000)) / 100

    def current_orders(self) -> dict[str, tuple]:
        """The latest version of every order (by updated_at), valid or not."""
        latest: dict[str, tuple] = {}
        for row in self.tables["orders"]:
            if row[0] not in latest or row[5] > latest[row[0]][5]:
                latest[row[0]] = row
        return latest

    def add_order(self, day: dt.date, customer_id: str, *, lines: int | None = None) -> str:
        order_id = self.new_id("o")
        ordered = self.at(day)
        self.tables["orders"].append(
            (order_id, customer_id, ordered, "completed", self.amount(),
             ordered + dt.timedelta(minutes=5)))
        for line in range(1, (self.rng.randrange(1, 4) if lines is None else lines) + 1):
            self.tables["order_items"].append(
                (order_id, line, f"p{line}", self.rng.choice(CATEGORIES),
                 self.rng.randrange(1, 4), self.amount()))
        if self.rng.random() < 0.5 and self.member_of(customer_id, ordered):
            self.add_points(ordered, customer_id, "earn", int(self.tables["orders"][-1][4]),
                            order_id)
        return order_id

    def member_of(self, customer_id: str, at: dt.datetime) -> bool:
        return any(r[1] == customer_id and r[4] <= at for r in self.tables["loyalty_memberships"])

    def add_membership(self, day: dt.date, customer_id: str) -> None:
        joined = self.at(day)
        self.tables["loyalty_memberships"].append(
            (self.new_id("m"), customer_id, self.rng.choice(("points", "vip_club")),
             self.rng.choice(("bronze", "silver", "gold")), joined, None, joined))

    def add_points(self, at: dt.datetime, customer_id: str, entry_type: str, points: int,
                   order_id: str | None = None) -> None:
        self.tables["loyalty_points"].append(
            (self.new_id("p"), customer_id, at, entry_type, points, order_id))

    def add_activity(self, day: dt.date, customer_id: str | None) -> None:
        self.tables["survey_responses"].append(
            (self.new_id("r"), customer_id, self.at(day), self.rng.choice(QUESTIONS[:3]),
             self.rng.randrange(0, 11)))
        self.tables["survey_responses"].append(
            (self.new_id("r"), customer_id, self.at(day), "satisfaction",
             self.rng.randrange(1, 6)))
        if customer_id is not None:
            self.tables["engagement_events"].append(
                (self.new_id("e"), customer_id, self.at(day), "session",
                 self.rng.randrange(10, 3_000)))
            self.tables["engagement_events"].append(
                (self.new_id("e"), customer_id, self.at(day), "key_action", None))

    def stamp(self, hours: int = 0) -> dt.datetime:
        """An updated_at after everything so far: the delivery's correction time."""
        return dt.datetime.combine(self.last_day, dt.time(23)) + dt.timedelta(hours=hours)

    # --- the initial history -----------------------------------------------------------
    def history(self, days: int) -> None:
        for customer_id in self.buyers[: len(self.buyers) // 2]:
            self.add_membership(self.first_day + dt.timedelta(days=self.rng.randrange(days)),
                                customer_id)
        for offset in range(0, days, 3):
            day = self.first_day + dt.timedelta(days=offset)
            for customer_id in self.rng.sample(self.buyers, k=min(2, len(self.buyers))):
                if self.rng.random() < 0.7:
                    self.add_order(day, customer_id)
                if self.rng.random() < 0.4:
                    self.add_activity(day, customer_id)
            self.last_day = day
        self.add_activity(self.last_day, None)  # an anonymous answer
        # A buyer whose first and only order is on the last day of the latest month, now the
        # latest day: the next new days bring their second in the next month, within
        # repeat_window_days, so a cohort of a month the night does not otherwise reach gains
        # a repeat customer (mart_cohorts recomputes cohorts that far back).
        month_end = (self.last_day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        self.last_day = month_end - dt.timedelta(days=1)
        self.one_order_buyer: str | None = self.new_id("c")
        created = self.at(self.last_day)
        self.tables["customers"].append((self.one_order_buyer, created, "B2C", "SE", created))
        self.add_order(self.last_day, self.one_order_buyer)

    # --- the kinds of delivery ------------------------------------------------------------
    def new_days(self) -> None:
        """Orders, answers and events after the latest day, from the 1st of a new month."""
        month = (self.last_day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        if self.one_order_buyer is not None:
            self.add_order(month, self.one_order_buyer)
            self.one_order_buyer = None
        for offset in (0, 1, 3):
            day = month + dt.timedelta(days=offset)
            for customer_id in self.rng.sample(self.buyers, k=min(2, len(self.buyers))):
                self.add_order(day, customer_id)
                self.add_activity(day, customer_id)
            self.last_day = day

    def late_order_lines(self) -> None:
        orders = sorted({row[0] for row in self.tables["order_items"]})
        for order_id in self.rng.sample(orders, k=min(3, len(orders))):
            line = 1 + max(r[1] for r in self.tables["order_items"] if r[0] == order_id)
            # A category the order did not have: the customer's period gains one.
            self.tables["order_items"].append(
                (order_id, line, f"p{line}", "accessories", 1, self.amount()))

    def order_corrections(self) -> None:
        current = [r for r in self.current_orders().values() if r[3] == "completed"]
        for row in self.rng.sample(current, k=min(3, len(current))):
            status = self.rng.choice(("refunded", "cancelled", "completed"))
            self.tables["orders"].append(
                (row[0], row[1], row[2], status, self.amount(), self.stamp()))

    def invalid_latest_version(self) -> None:
        current = [r for r in self.current_orders().values() if r[3] == "completed"]
        row = self.rng.choice(current)
        self.tables["orders"].append(
            (row[0], row[1], row[2], "completed", Decimal("-1.00"), self.stamp(1)))

    def customer_corrections(self) -> None:
        rows = {r[0]: r for r in self.tables["customers"]}
        for customer_id in self.rng.sample(sorted(rows), k=min(2, len(rows))):
            row = rows[customer_id]
            # The same created_at: only updated_at tells the versions apart.
            self.tables["customers"].append(
                (row[0], row[1], "B2B" if row[2] == "B2C" else "B2C", "NO", self.stamp()))

    def late_customer_rows(self) -> None:
        listed = {r[0] for r in self.tables["customers"]}
        unlisted = sorted({r[1] for r in self.tables["orders"]} - listed)
        for customer_id in unlisted[:1]:
            created = self.at(self.first_day)
            self.tables["customers"].append((customer_id, created, "B2C", "DK", self.stamp()))

    def cancelled_latest_day(self) -> None:
        """Every completed order of the latest order day is cancelled, day after day, until
        the latest month has none left: the as-of date moves back into the month before."""
        current = self.current_orders()
        days = [r[2].date() for r in current.values()
                if r[3] == "completed" and r[4] >= 0 and r[2].date() <= self.last_day]
        month = max(days).replace(day=1)
        for row in current.values():
            if row[3] == "completed" and month <= row[2].date() <= self.last_day:
                self.tables["orders"].append(
                    (row[0], row[1], row[2], "cancelled", row[4], self.stamp(2)))

    def months_old_rows(self) -> None:
        day = self.last_day - dt.timedelta(days=self.rng.randrange(60, 200))
        day = max(day, self.first_day)
        customer_id = self.rng.choice(self.buyers)
        self.add_activity(day, customer_id)
        self.add_order(day, customer_id)

    def new_segment_value(self) -> None:
        customer_id = self.new_id("c")
        created = self.at(self.last_day)
        self.tables["customers"].append((customer_id, created, "B2B", "FI", created))
        self.buyers.append(customer_id)
        self.add_order(self.last_day, customer_id)
        # A buyer missing from customers: the first of segment 'unknown'.
        stranger = self.new_id("x")
        self.add_order(self.last_day - dt.timedelta(days=40), stranger)
        self.add_activity(self.last_day, stranger)

    def bad_rows(self) -> None:
        day = self.last_day
        customer_id = self.rng.choice(self.buyers)
        self.tables["orders"].append(
            (self.new_id("o"), customer_id, self.at(day), "shipped", self.amount(),
             self.at(day)))
        self.tables["orders"].append(
            (self.new_id("o"), customer_id, dt.datetime(2099, 1, 1), "completed",
             self.amount(), dt.datetime(2099, 1, 1)))
        self.tables["survey_responses"].append(
            (self.new_id("r"), customer_id, self.at(day), "recommend", 11))
        self.tables["engagement_events"].append(
            (self.new_id("e"), customer_id, self.at(day), "session", -5))
        self.tables["order_items"].append(("o-ghost", 1, "p1", "books", 1, Decimal("5.00")))

    def program_changes(self) -> None:
        """A new member, a corrected and an invalid latest membership version, points entries
        months old and one with the wrong sign."""
        day = self.last_day
        members = {r[1] for r in self.tables["loyalty_memberships"]}
        joiners = sorted(set(self.buyers) - members) or sorted(members)
        self.add_membership(day - dt.timedelta(days=self.rng.randrange(0, 90)),
                            self.rng.choice(joiners))
        latest: dict[str, tuple] = {}
        for row in self.tables["loyalty_memberships"]:
            if row[0] not in latest or row[6] > latest[row[0]][6]:
                latest[row[0]] = row
        corrected, broken = self.rng.sample(sorted(latest.values()), k=2)
        left = corrected[4] + dt.timedelta(days=self.rng.randrange(1, 200))
        self.tables["loyalty_memberships"].append(
            (*corrected[:3], self.rng.choice(("silver", "gold")), corrected[4],
             left if self.rng.random() < 0.5 else None, self.stamp(1)))
        self.tables["loyalty_memberships"].append(
            (*broken[:5], broken[4] - dt.timedelta(days=1), self.stamp(2)))
        old = max(day - dt.timedelta(days=self.rng.randrange(60, 200)), self.first_day)
        for customer_id in self.rng.sample(sorted(members), k=min(2, len(members))):
            self.add_points(self.at(old), customer_id, "earn", self.rng.randrange(10, 300))
            self.add_points(self.at(day), customer_id, "redeem", -self.rng.randrange(5, 50))
        self.add_points(self.at(day), self.rng.choice(sorted(members)), "redeem", 20)

    def exact_copies(self) -> None:
        for rows in self.tables.values():
            if rows:
                rows.append(self.rng.choice(rows))


# Kinds that need an earlier night: the as-of date can only move back from a day a
# previous build has seen, and a late customers row needs a buyer seen without one.
FIRST_NIGHT = ("new_days", "new_segment_value")
LAST_NIGHT = ("cancelled_latest_day", "late_customer_rows")


@st.composite
def feeds(draw) -> tuple[Feed, list[list[str]]]:
    """A feed with its history, and the kinds of each later delivery: every kind at least
    once, spread over two to four nights in a drawn order, plus drawn repeats."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    first_day = dt.date(2023, 1, 1) + dt.timedelta(days=draw(st.integers(0, 400)))
    feed = Feed(rng, first_day, customers=draw(st.integers(12, 30)))
    feed.history(days=draw(st.integers(120, 420)))
    nights = draw(st.integers(2, 4))
    deliveries: list[list[str]] = [[] for _ in range(nights)]
    deliveries[0].extend(FIRST_NIGHT)
    deliveries[-1].extend(LAST_NIGHT)
    rest = [k for k in DELIVERY_KINDS if k not in FIRST_NIGHT + LAST_NIGHT]
    rest += draw(st.lists(st.sampled_from(rest + ["new_days"]), max_size=3))
    for kind in draw(st.permutations(rest)):
        deliveries[draw(st.integers(0, nights - 1))].append(kind)
    # Copies last in a night, so they may copy what the night brought.
    for night in deliveries:
        night.sort(key=lambda kind: kind == "exact_copies")
    return feed, deliveries


def load(warehouse: Path, feed: Feed) -> None:
    """Replace the raw tables of ``warehouse`` with the feed's rows (the project's tables are
    kept: this is the night's load of an append-only feed)."""
    write_raw(warehouse, feed.tables)


def project_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute(
        "select table_name from information_schema.tables "
        f"where table_schema = '{SCHEMA}' and table_type = 'BASE TABLE' "
        "and table_name != 'loyalty_run_state' order by 1").fetchall()]


def differences(incremental: Path, full: Path) -> dict[str, list[str]]:
    found = {}
    with duckdb.connect(str(incremental)) as a, duckdb.connect(str(full)) as b:
        names = project_tables(b)
        assert project_tables(a) == names
        for name in names:
            got = read_table(incremental, f"{SCHEMA}.{name}", a)
            want = read_table(full, f"{SCHEMA}.{name}", b)
            got = strip(got)
            want = strip(want)
            problems = table_differences(want, got)
            if problems:
                found[name] = problems
    return found


def strip(table):
    """``table`` without the write stamps."""
    from attack.support import Table

    keep = [i for i, c in enumerate(table.columns) if c not in STAMPS]
    return Table(table.name, tuple(table.columns[i] for i in keep),
                 tuple(table.types[i] for i in keep),
                 tuple(sorted((tuple(r[i] for i in keep) for r in table.rows),
                              key=lambda r: tuple((v is None, str(v)) for v in r))))


EXAMPLES = int(os.environ.get("LOYALTY_DELIVERY_EXAMPLES", "1"))
# The models and their data tests; the unit tests read no raw data (they run in `make test`),
# and ran in each of the example's builds: 7 of them, about 2 s a build.
BUILD = ("build", *WITHOUT_UNIT_TESTS)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 2,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(drawn=feeds())
def test_every_night_equals_a_full_refresh(dbt_dirs, tmp_path_factory, drawn):
    feed, deliveries = drawn
    root = tmp_path_factory.mktemp("deliveries")
    incremental = warehouse_file(root / "incremental")

    load(incremental, feed)
    dbt(dbt_dirs, (BUILD, incremental))
    for night, kinds in enumerate(deliveries, start=1):
        for kind in kinds:
            getattr(feed, kind)()
            SEEN[kind] += 1
        load(incremental, feed)
        # The same raw tables (and last night's tables, which a full refresh replaces), in a
        # folder of the night's: last night's copy is still open in this process (nights.py).
        full = warehouse_file(root / f"full{night}")
        copy_warehouse(incremental, full)
        dbt(dbt_dirs, (BUILD, incremental), (("run", "--full-refresh"), full))
        found = differences(incremental, full)
        assert not found, f"night {night} ({', '.join(kinds)}): {found}"


def test_the_examples_held_every_kind_of_delivery():
    """Runs after the property test (same module, in order): every kind was delivered."""
    if not SEEN:
        pytest.skip("the property test did not run in this process")
    missing = [kind for kind in DELIVERY_KINDS if SEEN[kind] == 0]
    print("deliveries by kind:", dict(SEEN))
    assert not missing, missing
