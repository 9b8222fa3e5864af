"""Helpers of the attack tests: write raw rows, read and compare whole tables."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
from conftest import WITHOUT_UNIT_TESTS

from loyalty_analytics.contract import (
    OPTIONAL_TABLES,
    RAW_TABLES,
    REQUIRED_TABLES,
    create_table_sql,
)

# The marts of the data contract ("Outputs"): each must come out the same on clean and on
# dirty input.
MARTS = (
    "mart_retention",
    "mart_purchases",
    "mart_cohorts",
    "mart_clv",
    "mart_survey_scores",
    "mart_engagement",
    "mart_loyalty_kpis",
    "dim_customers",
    "fct_customer_periods",
)
# The staging and quarantine models, one per required raw table ...
STAGED = {table: f"stg_{table}" for table in REQUIRED_TABLES}
QUARANTINED = {table: f"quarantine_{table}" for table in REQUIRED_TABLES}
# ... and those of the loyalty program's optional tables, which a test reads only where its
# data has program rows (a generated night's load has no bad one: its quarantine is empty).
PROGRAM_STAGED = {table: f"stg_{table}" for table in OPTIONAL_TABLES}
PROGRAM_QUARANTINED = {table: f"quarantine_{table}" for table in OPTIONAL_TABLES}

# The contract marts, the quarantine and everything upstream of them, with the data tests
# whose parents are all selected (rows_reconcile included): what a property example needs,
# without the unit tests (they read no data) or models other marts add.
MART_SELECTION = (
    "--select", *(f"+{name}" for name in (*MARTS, "mart_data_quality")),
    "--indirect-selection", "cautious",
    *WITHOUT_UNIT_TESTS,
)

FLOAT_TOLERANCE = 1e-9
# Columns that record when a row was written (the incremental models' stamp): two builds of
# the same data differ there by design.
WRITE_STAMPS = ("_loaded_at",)


def write_raw(warehouse: Path, tables: Mapping[str, Iterable[Sequence]]) -> None:
    """Create the five raw tables with the contract's types in ``warehouse``; insert rows
    (tuples in contract column order; python values, cast by DuckDB). Missing tables are
    created empty. A customers row may leave out updated_at, its last column: it is then
    its created_at."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists raw")
        for table, columns in RAW_TABLES.items():
            con.execute(create_table_sql(table))
            rows = [list(row) for row in tables.get(table, ())]
            if table == "customers":
                # A customers row written without updated_at (the fixtures made before the
                # column existed) is a single version, as old as the sign-up.
                rows = [row if len(row) == len(columns) else [*row, row[1]] for row in rows]
            if rows:
                marks = ", ".join("?" for _ in columns)
                con.executemany(f"insert into raw.{table} values ({marks})", rows)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: tuple[tuple, ...]

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def read_table(warehouse: Path, relation: str, con: duckdb.DuckDBPyConnection | None = None,
               skip: tuple[str, ...] = ()) -> Table:
    """Every row of ``relation`` but its write stamps (and the columns ``skip`` names),
    sorted by its non-float columns then its floats.

    The connection is not read-only: dbt-duckdb may hold the file open in this process with
    that configuration."""
    if con is None:
        with duckdb.connect(str(warehouse)) as own:
            return read_table(warehouse, relation, own, skip)
    # One statement at a time: con.execute returns the connection, whose result the next
    # statement replaces.
    kept = [row[0] for row in con.execute(f"describe {relation}").fetchall()
            if row[0] not in (*WRITE_STAMPS, *skip)]
    select = f"select {', '.join(kept)} from {relation}"
    cursor = con.execute(select)
    columns = tuple(d[0] for d in cursor.description)
    rows = cursor.fetchall()
    types = tuple(row[1] for row in con.execute(f"describe {select}").fetchall())
    floats = [i for i, t in enumerate(types) if t.upper() in {"DOUBLE", "FLOAT", "REAL"}]
    others = [i for i in range(len(columns)) if i not in floats]

    def key(row: tuple) -> tuple:
        return tuple((row[i] is None, row[i] if row[i] is not None else 0)
                     for i in [*others, *floats])

    return Table(relation, columns, types, tuple(sorted(rows, key=key)))


def same_value(a, b, is_float: bool) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if is_float:
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return a == b


def table_differences(expected: Table, actual: Table, limit: int = 5) -> list[str]:
    """What differs between two reads of a table (empty when they are equal: same columns
    and types, same rows in the same sorted order, floats to FLOAT_TOLERANCE)."""
    if (expected.columns, expected.types) != (actual.columns, actual.types):
        want = list(zip(expected.columns, expected.types, strict=True))
        got = list(zip(actual.columns, actual.types, strict=True))
        return [f"{expected.name}: columns {want} != {got}"]
    if len(expected.rows) != len(actual.rows):
        return [f"{expected.name}: {len(expected.rows)} rows != {len(actual.rows)} rows"]
    is_float = [t.upper() in {"DOUBLE", "FLOAT", "REAL"} for t in expected.types]
    problems = []
    for number, (want, got) in enumerate(zip(expected.rows, actual.rows, strict=True)):
        for column, a, b, flt in zip(expected.columns, want, got, is_float, strict=True):
            if not same_value(a, b, flt):
                record = dict(zip(expected.columns, want, strict=True))
                problems.append(f"{expected.name} row {number} ({record}): "
                                f"{column} {a!r} != {b!r}")
                break
        if len(problems) >= limit:
            break
    return problems


def count(warehouse: Path, sql: str) -> int:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(sql).fetchone()[0]
