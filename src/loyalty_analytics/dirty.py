"""A dirty copy of the raw tables: the clean rows untouched, bad rows of every staging rule
mixed in, and a manifest of what was added (data-contract.md, "Staging rules").

    loyalty dirty data/sample --out data/dirty --seed 42
    loyalty dirty-report --warehouse warehouse/loyalty.duckdb

Each injected row breaks exactly one rule, so the reason staging gives it is known in
advance (the first rule a row breaks, in the order of models/staging/raw/base/): missing
keys and customers, unknown statuses, segments, questions and event types, scores out of
range, negative or missing amounts, quantities, prices and durations, NULL timestamps and
timestamps before 1990 or in the future, lines of unknown or rejected orders, exact copies,
older versions of an order (``superseded``) and older rows under a customer, response or
event key (``duplicate_key``). Bad rows point at real customers and real dates, so one that
slipped through staging would move the marts: built with the same ``as_of_date``, the
marts of the dirty copy must equal those of the clean data.

The clean input is assumed to pass every staging rule, as ``loyalty generate`` writes it.
The output is ``<out>/<table>.parquet`` with the contract's types (loyalty_analytics.contract)
and ``<out>/dirty_manifest.json``; it depends only on the input and the seed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb

from loyalty_analytics.contract import OPTIONAL_TABLES, RAW_TABLES, create_table_sql
from loyalty_analytics.load import LoadError, find_input, insert_sql, quote_identifier, sql_string

MANIFEST_NAME = "dirty_manifest.json"

# Timestamps the staging rules reject: after the build started, before 1990.
FUTURE = dt.datetime(2099, 6, 1, 12, 0, 0)
JUST_BEFORE_1990 = dt.datetime(1989, 12, 31, 23, 59, 59)
LONG_AGO = dt.datetime(1900, 1, 1, 0, 0, 0)
# Used when the clean data has no row to copy a timestamp or customer from.
FALLBACK_AT = dt.datetime(2024, 1, 15, 12, 0, 0)
FALLBACK_CUSTOMER = "C0000001"
# A product id that sorts after every generated one: a conflicting line with it loses.
LATE_PRODUCT_ID = "~dup"
# Line numbers of the bad lines added to clean orders (generated orders have 1 to 4 lines).
BAD_LINE_NUMBER = 9001

# The reasons of models/staging/raw/base/base_raw__*.yml, by table: every one is injected
# (customers: a NULL created_at is not a rule, so it is not injected).
REASONS: dict[str, tuple[str, ...]] = {
    "customers": ("missing_customer_id", "exact_duplicate", "superseded", "unknown_segment",
                  "timestamp_out_of_range"),
    "orders": ("missing_order_id", "exact_duplicate", "superseded", "missing_customer_id",
               "missing_ordered_at", "timestamp_out_of_range", "unknown_status",
               "missing_amount", "negative_amount"),
    "order_items": ("missing_key", "exact_duplicate", "duplicate_key", "unknown_order",
                    "order_rejected", "missing_quantity", "negative_quantity",
                    "missing_unit_price", "negative_unit_price"),
    "survey_responses": ("missing_response_id", "exact_duplicate", "duplicate_key",
                         "missing_responded_at", "timestamp_out_of_range", "unknown_question",
                         "missing_score", "score_out_of_range"),
    "engagement_events": ("missing_event_id", "exact_duplicate", "duplicate_key",
                          "missing_customer_id", "missing_occurred_at",
                          "timestamp_out_of_range", "unknown_event_type", "missing_duration",
                          "negative_duration"),
    "loyalty_memberships": ("missing_membership_id", "exact_duplicate", "missing_joined_at",
                            "timestamp_out_of_range", "superseded", "missing_customer_id",
                            "missing_program", "left_before_joined"),
    "loyalty_points": ("missing_entry_id", "exact_duplicate", "missing_occurred_at",
                       "timestamp_out_of_range", "duplicate_key", "missing_customer_id",
                       "unknown_entry_type", "missing_points", "points_sign_mismatch"),
}

Row = dict[str, object]


def make_dirty(clean_dir: str | os.PathLike, out_dir: str | os.PathLike, seed: int = 0) -> dict:
    """Write ``<out_dir>/<table>.parquet``: the clean rows of ``clean_dir`` (Parquet or CSV, as
    ``loyalty load`` reads them) with bad rows mixed in, and ``dirty_manifest.json``.

    Returns the manifest: ``added[table][reason]`` = rows injected, ``rows[table]`` = each
    injected row (values as canonical_value gives them) with its expected reason, and the
    clean and total row counts per table.
    """
    source, out = Path(clean_dir), Path(out_dir)
    if not source.is_dir():
        raise LoadError(f"input directory not found: {source}")
    if out.resolve() == source.resolve():
        raise ValueError("--out must differ from the clean directory (it would be overwritten)")
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        con.execute("create schema raw")
        con.execute("create schema bad")
        for table in RAW_TABLES:
            table_input = find_input(source, table)
            if table_input is None and table not in OPTIONAL_TABLES:
                raise LoadError(f"missing input in {source}: {table}.parquet or {table}.csv")
            con.execute(create_table_sql(table, "raw"))
            if table_input is not None:  # an optional table without a file stays empty
                con.execute(insert_sql(table_input, "raw"))
        injected = _BadRows(con, random.Random(seed), seed).build()
        manifest = _write(con, injected, out, seed)
    manifest["clean_dir"] = str(source)
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def canonical_value(value):
    """A raw value as the manifest stores it: timestamps ISO text, decimals exact text."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, Decimal):
        return str(value)
    return value


class _BadRows:
    """The bad rows of every table, built from samples of the clean rows."""

    def __init__(self, con: duckdb.DuckDBPyConnection, rng: random.Random, seed: int):
        self.con = con
        self.rng = rng
        self.seed = seed
        self.rows: dict[str, list[tuple[str, Row]]] = {table: [] for table in RAW_TABLES}
        self.serial = Counter()

    def build(self) -> dict[str, list[tuple[str, Row]]]:
        self._customers()
        rejected_orders = self._orders()
        self._order_items(rejected_orders)
        self._survey_responses()
        self._engagement_events()
        self._loyalty_memberships()
        self._loyalty_points()
        return self.rows

    # --- helpers ---------------------------------------------------------------------------
    def add(self, table: str, reason: str, row: Row) -> None:
        assert reason in REASONS[table], (table, reason)
        self.rows[table].append((reason, dict(row)))

    # The table and column whose keys a new id must not collide with, by prefix.
    KEYS = {"C": ("customers", "customer_id"), "O": ("orders", "order_id"),
            "GHOST": ("orders", "order_id"), "R": ("survey_responses", "response_id"),
            "E": ("engagement_events", "event_id"),
            "M": ("loyalty_memberships", "membership_id"), "L": ("loyalty_points", "entry_id")}

    def new_id(self, prefix: str) -> str:
        """A key that no clean row has (generated keys are a letter and digits)."""
        table, column = self.KEYS[prefix]
        while True:
            self.serial[prefix] += 1
            key = f"X-{prefix}-{self.seed}-{self.serial[prefix]:03d}"
            taken = self.con.execute(
                f"select count(*) from raw.{table} where {column} = ?", [key]).fetchone()[0]
            if not taken:
                return key

    def sample(self, table: str, n: int, where: str = "true") -> list[Row]:
        """Up to ``n`` distinct clean rows of ``table`` matching ``where``, chosen by the seed."""
        names = [name for name, _ in RAW_TABLES[table]]
        cursor = self.con.execute(
            f"select {', '.join(names)} from raw.{table} where {where} "
            f"order by hash(rowid, {int(self.seed)}), rowid limit {int(n)}"
        )
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def at(self, templates: list[Row], column: str) -> dt.datetime:
        """A timestamp of the clean data (inside its window), or the fallback."""
        values = [t[column] for t in templates if t.get(column) is not None]
        return self.rng.choice(values) if values else FALLBACK_AT

    def customer(self) -> str:
        found = self.sample("customers", 1, "customer_id is not null")
        return found[0]["customer_id"] if found else FALLBACK_CUSTOMER

    # --- customers -------------------------------------------------------------------------
    def _customers(self) -> None:
        t = self.sample("customers", 7, "customer_id is not null and created_at is not null")
        at = self.at(t, "created_at")
        base = t[0] if t else {"customer_id": FALLBACK_CUSTOMER, "created_at": at,
                               "segment": "B2C", "country": "SE"}
        for key in (None, "", "   "):
            self.add("customers", "missing_customer_id", {**base, "customer_id": key})
        for segment in ("B2G", None, "VIP"):
            self.add("customers", "unknown_segment",
                     {**base, "customer_id": self.new_id("C"), "segment": segment})
        for created_at in (FUTURE, JUST_BEFORE_1990):
            self.add("customers", "timestamp_out_of_range",
                     {**base, "customer_id": self.new_id("C"), "created_at": created_at})
        # An older version under a clean key (an earlier updated_at): the clean (latest) row
        # is kept.
        for row in t[1:3]:
            other = "B2B" if row["segment"] == "B2C" else "B2C"
            self.add("customers", "superseded", {
                **row, "created_at": row["created_at"] - dt.timedelta(days=30), "segment": other,
                "updated_at": row["updated_at"] - dt.timedelta(days=30),
            })
        for row in t[3:4]:
            self.add("customers", "superseded", {
                **row, "created_at": None, "country": "ZZ",
                "updated_at": row["updated_at"] - dt.timedelta(days=1)})
        copies = t[4:6] + self.sample("customers", 1, "country is null")
        for row in copies:
            self.add("customers", "exact_duplicate", row)

    # --- orders ----------------------------------------------------------------------------
    def _orders(self) -> list[str]:
        """Bad orders; returns the ids of the rejected ones (their lines are order_rejected)."""
        t = self.sample("orders", 12, "order_id is not null and updated_at is not null "
                                      "and ordered_at is not null and order_total is not null")
        at = self.at(t, "ordered_at")
        base = {"order_id": None, "customer_id": self.customer(), "ordered_at": at,
                "status": "completed", "order_total": Decimal("42.00"),
                "updated_at": at + dt.timedelta(hours=2)}
        rejected: list[str] = []

        def bad(reason: str, **changes) -> Row:
            row = {**base, "order_id": self.new_id("O"), **changes}
            self.add("orders", reason, row)
            rejected.append(row["order_id"])
            return row

        for key in (None, "", " "):
            self.add("orders", "missing_order_id", {**base, "order_id": key})
        rejected.append("")  # lines of the order '' belong to a rejected order
        bad("missing_customer_id", customer_id=None)
        bad("missing_customer_id", customer_id="")
        bad("missing_ordered_at", ordered_at=None)
        bad("timestamp_out_of_range", ordered_at=FUTURE, updated_at=FUTURE)
        bad("timestamp_out_of_range", ordered_at=JUST_BEFORE_1990)
        bad("timestamp_out_of_range", ordered_at=LONG_AGO)
        for status in ("shipped", None, "complete"):
            bad("unknown_status", status=status)
        bad("missing_amount", order_total=None)
        bad("negative_amount", order_total=Decimal("-0.01"))
        negative = bad("negative_amount", order_total=Decimal("-250.00"))
        # An exact copy of a rejected row is an exact duplicate.
        self.add("orders", "exact_duplicate", negative)

        # Older versions of clean orders (updated earlier): the clean row stays the latest.
        def older(row: Row, **changes) -> None:
            self.add("orders", "superseded", {**row, **changes})

        hour = dt.timedelta(hours=1)
        for row in t[0:1]:
            status = "pending" if row["status"] == "completed" else "completed"
            older(row, updated_at=row["updated_at"] - hour, status=status,
                  order_total=row["order_total"] + Decimal("10.00"))
        for row in t[1:2]:
            older(row, updated_at=None, status="completed", order_total=row["order_total"] * 2)
        for row in t[2:3]:
            older(row, updated_at=row["updated_at"] - 48 * hour, status="shipped",
                  ordered_at=row["ordered_at"] - 24 * hour)
        for row in t[3:4]:
            older(row, updated_at=row["updated_at"] - 3 * hour, order_total=Decimal("-5.00"))
        for row in t[4:5]:
            older(row, updated_at=row["updated_at"] - 24 * hour, customer_id=self.customer(),
                  status="completed")
        for row in t[5:6]:
            # The same older version twice: superseded, then an exact duplicate.
            version = {**row, "updated_at": row["updated_at"] - 5 * hour,
                       "status": "completed", "order_total": row["order_total"] + 1}
            self.add("orders", "superseded", version)
            self.add("orders", "exact_duplicate", version)
        for row in t[6:8]:
            self.add("orders", "exact_duplicate", row)
        return rejected

    # --- order_items -----------------------------------------------------------------------
    def _order_items(self, rejected_orders: list[str]) -> None:
        late = sql_string(LATE_PRODUCT_ID)
        t = self.sample("order_items", 8, "order_id is not null and line_number is not null "
                                           f"and (product_id is null or product_id < {late})")
        orders = self.sample("orders", 1, "order_id is not null")
        clean_order = orders[0]["order_id"] if orders else None
        base = {"order_id": clean_order, "line_number": 1, "product_id": "P0001",
                "product_category": "books", "quantity": 1, "unit_price": Decimal("9.99")}
        self.add("order_items", "missing_key", {**base, "order_id": None})
        if clean_order is not None:
            self.add("order_items", "missing_key", {**base, "line_number": None})
        for row in t[0:2]:
            self.add("order_items", "exact_duplicate", row)
        for row in t[2:3]:
            self.add("order_items", "duplicate_key", {
                **row, "product_id": LATE_PRODUCT_ID + "-1", "quantity": row["quantity"] + 1,
                "product_category": "toys" if row["product_category"] != "toys" else "books",
            })
        for row in t[3:4]:
            self.add("order_items", "duplicate_key", {
                **row, "product_id": LATE_PRODUCT_ID + "-2", "unit_price": Decimal("0.01"),
            })
        for _ in range(2):
            self.add("order_items", "unknown_order", {**base, "order_id": self.new_id("GHOST")})
        for order_id in rejected_orders:
            self.add("order_items", "order_rejected", {**base, "order_id": order_id})
        if clean_order is not None:
            lines = (
                ("missing_quantity", {"quantity": None}),
                ("negative_quantity", {"quantity": -1}),
                ("missing_unit_price", {"unit_price": None}),
                ("negative_unit_price", {"unit_price": Decimal("-0.01")}),
            )
            for k, (reason, changes) in enumerate(lines):
                self.add("order_items", reason,
                         {**base, "line_number": BAD_LINE_NUMBER + k, **changes})

    # --- survey_responses ------------------------------------------------------------------
    def _survey_responses(self) -> None:
        t = self.sample("survey_responses", 6, "response_id is not null "
                        "and responded_at is not null and question = 'recommend'")
        at = self.at(t, "responded_at")
        base = {"response_id": None, "customer_id": self.customer(), "responded_at": at,
                "question": "recommend", "score": 9}

        def bad(reason: str, **changes) -> None:
            self.add("survey_responses", reason,
                     {**base, "response_id": self.new_id("R"), **changes})

        for key in (None, ""):
            self.add("survey_responses", "missing_response_id", {**base, "response_id": key})
        bad("missing_responded_at", responded_at=None)
        bad("timestamp_out_of_range", responded_at=FUTURE)
        bad("timestamp_out_of_range", responded_at=JUST_BEFORE_1990)
        for question in ("nps", None, "effort"):
            bad("unknown_question", question=question)
        bad("missing_score", score=None)
        for question, score in (("satisfaction", 0), ("satisfaction", 6), ("recommend", 11),
                                ("recommend", -1), ("repurchase", 11), ("try_new", -1)):
            bad("score_out_of_range", question=question, score=score)
        for row in t[0:1]:
            self.add("survey_responses", "duplicate_key", {
                **row, "responded_at": row["responded_at"] - dt.timedelta(days=1),
                "score": 0 if row["score"] >= 5 else 10,
            })
        # A second version without a timestamp never wins the key; the timestamp rules come
        # before the key rule, so its reason is the missing timestamp.
        for row in t[1:2]:
            self.add("survey_responses", "missing_responded_at", {**row, "responded_at": None})
        copies = t[2:4] + self.sample("survey_responses", 1, "customer_id is null")
        for row in copies:
            self.add("survey_responses", "exact_duplicate", row)

    # --- engagement_events -----------------------------------------------------------------
    def _engagement_events(self) -> None:
        t = self.sample("engagement_events", 6, "event_id is not null "
                        "and occurred_at is not null and event_type = 'session'")
        at = self.at(t, "occurred_at")
        base = {"event_id": None, "customer_id": self.customer(), "occurred_at": at,
                "event_type": "session", "duration_seconds": 300}

        def bad(reason: str, **changes) -> None:
            self.add("engagement_events", reason,
                     {**base, "event_id": self.new_id("E"), **changes})

        for key in (None, ""):
            self.add("engagement_events", "missing_event_id", {**base, "event_id": key})
        bad("missing_customer_id", customer_id=None)
        bad("missing_customer_id", customer_id="")
        bad("missing_occurred_at", occurred_at=None)
        bad("timestamp_out_of_range", occurred_at=FUTURE)
        bad("timestamp_out_of_range", occurred_at=JUST_BEFORE_1990)
        bad("unknown_event_type", event_type="click")
        bad("unknown_event_type", event_type=None)
        bad("missing_duration", duration_seconds=None)
        bad("negative_duration", duration_seconds=-1)
        bad("negative_duration", duration_seconds=-3600)
        for row in t[0:1]:
            self.add("engagement_events", "duplicate_key",
                     {**row, "occurred_at": row["occurred_at"] - dt.timedelta(hours=1)})
        # As for surveys: a keyed copy without a timestamp is rejected for the timestamp.
        for row in t[1:2]:
            self.add("engagement_events", "missing_occurred_at", {**row, "occurred_at": None})
        copies = t[2:4] + self.sample("engagement_events", 1, "event_type = 'key_action' "
                                      "and duration_seconds is null")
        for row in copies:
            self.add("engagement_events", "exact_duplicate", row)


    # --- loyalty_memberships ---------------------------------------------------------------
    def _loyalty_memberships(self) -> None:
        t = self.sample("loyalty_memberships", 4, "membership_id is not null "
                        "and joined_at is not null and updated_at is not null")
        at = self.at(t, "joined_at")
        base = {"membership_id": None, "customer_id": self.customer(), "program": "points",
                "tier": "bronze", "joined_at": at, "left_at": None,
                "updated_at": at + dt.timedelta(hours=1)}

        def bad(reason: str, **changes) -> None:
            self.add("loyalty_memberships", reason,
                     {**base, "membership_id": self.new_id("M"), **changes})

        for key in (None, "", " "):
            self.add("loyalty_memberships", "missing_membership_id",
                     {**base, "membership_id": key})
        bad("missing_customer_id", customer_id=None)
        bad("missing_customer_id", customer_id="")
        bad("missing_joined_at", joined_at=None)
        bad("timestamp_out_of_range", joined_at=FUTURE, updated_at=FUTURE)
        bad("timestamp_out_of_range", left_at=FUTURE)
        bad("timestamp_out_of_range", updated_at=JUST_BEFORE_1990)
        bad("missing_program", program=None)
        bad("missing_program", program="  ")
        bad("left_before_joined", left_at=at - dt.timedelta(days=1))
        # Older versions of clean memberships: the clean (latest) row stays the current one.
        for row in t[0:1]:
            self.add("loyalty_memberships", "superseded", {
                **row, "updated_at": row["updated_at"] - dt.timedelta(days=1), "tier": "gold"})
        for row in t[1:2]:
            version = {**row, "updated_at": row["updated_at"] - dt.timedelta(hours=2),
                       "left_at": row["joined_at"] + dt.timedelta(days=1)}
            self.add("loyalty_memberships", "superseded", version)
            self.add("loyalty_memberships", "exact_duplicate", version)
        for row in t[2:4]:
            self.add("loyalty_memberships", "exact_duplicate", row)

    # --- loyalty_points --------------------------------------------------------------------
    def _loyalty_points(self) -> None:
        t = self.sample("loyalty_points", 4, "entry_id is not null and occurred_at is not null")
        at = self.at(t, "occurred_at")
        base = {"entry_id": None, "customer_id": self.customer(), "occurred_at": at,
                "entry_type": "earn", "points": 10, "order_id": None}

        def bad(reason: str, **changes) -> None:
            self.add("loyalty_points", reason, {**base, "entry_id": self.new_id("L"), **changes})

        for key in (None, ""):
            self.add("loyalty_points", "missing_entry_id", {**base, "entry_id": key})
        bad("missing_customer_id", customer_id=None)
        bad("missing_customer_id", customer_id="")
        bad("missing_occurred_at", occurred_at=None)
        bad("timestamp_out_of_range", occurred_at=FUTURE)
        bad("timestamp_out_of_range", occurred_at=JUST_BEFORE_1990)
        bad("unknown_entry_type", entry_type="bonus")
        bad("unknown_entry_type", entry_type=None)
        bad("missing_points", points=None)
        for entry_type, points in (("earn", -10), ("earn", 0), ("redeem", 10), ("expire", 5)):
            bad("points_sign_mismatch", entry_type=entry_type, points=points)
        for row in t[0:1]:
            self.add("loyalty_points", "duplicate_key", {
                **row, "occurred_at": row["occurred_at"] - dt.timedelta(hours=1),
                "points": row["points"] * 3})
        for row in t[1:3]:
            self.add("loyalty_points", "exact_duplicate", row)


def _write(con: duckdb.DuckDBPyConnection, injected: dict[str, list[tuple[str, Row]]],
           out: Path, seed: int) -> dict:
    """Write each table, clean and bad rows shuffled together; return the manifest."""
    manifest: dict = {"seed": seed, "clean_rows": {}, "added_rows": {}, "dirty_rows": {},
                      "added": {}, "rows": {}}
    for table, columns in RAW_TABLES.items():
        names = [name for name, _ in columns]
        con.execute(create_table_sql(table, "bad"))
        con.execute(f"alter table bad.{table} add column expected_reason varchar")
        con.execute(f"alter table bad.{table} add column seq integer")
        rows = injected[table]
        if rows:
            placeholders = ", ".join("?" for _ in range(len(names) + 2))
            con.executemany(
                f"insert into bad.{table} values ({placeholders})",
                [[row[name] for name in names] + [reason, seq]
                 for seq, (reason, row) in enumerate(rows)],
            )
        # Read back typed, so the manifest holds the values exactly as they were written.
        typed = con.execute(
            f"select {', '.join(names)}, expected_reason from bad.{table} order by seq"
        ).fetchall()
        listed = ", ".join(names)
        path = out / f"{table}.parquet"
        tmp = out / f".{table}.parquet.tmp"
        con.execute(
            f"copy (select {listed} from ("
            f"select {listed}, 0 as origin, rowid as n from raw.{table} "
            f"union all select {listed}, 1 as origin, seq as n from bad.{table}"
            f") order by hash(origin, n, {int(seed)}), origin, n) "
            f"to {sql_string(str(tmp))} (format parquet)"
        )
        os.replace(tmp, path)
        clean = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        manifest["clean_rows"][table] = clean
        manifest["added_rows"][table] = len(typed)
        manifest["dirty_rows"][table] = clean + len(typed)
        manifest["added"][table] = dict(sorted(Counter(r[-1] for r in typed).items()))
        manifest["rows"][table] = [
            {"reason": r[-1],
             "row": {n: canonical_value(v) for n, v in zip(names, r[:-1], strict=True)}}
            for r in typed
        ]
    return manifest


# --- the quarantine counts (report.quarantine_report prints them: loyalty dirty-report) -------

QUARANTINE_QUERY = """
select source_table, reject_reason, sum(rejected_rows) as rejected_rows
from {schema}.mart_data_quality
group by 1, 2
"""


def quarantine_counts(warehouse: str | os.PathLike, schema: str = "analytics",
                      read_only: bool = True) -> dict[tuple[str, str], int]:
    """Rejected rows per (source_table, reject_reason), from mart_data_quality."""
    with duckdb.connect(str(warehouse), read_only=read_only) as con:
        rows = con.execute(QUARANTINE_QUERY.format(schema=quote_identifier(schema))).fetchall()
    return {(table, reason): int(count) for table, reason, count in rows}
