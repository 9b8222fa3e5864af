"""A lower bound for `make bench`, not a baseline: the raw tables stored again, as they are.

Usage: python bench/floor_write_raw.py --warehouse FILE --out CSV

The project stages every raw table into a table of its own (the base models: typed, checked,
one row per raw row), because the nightly run finds new and corrected raw rows by comparing
the raw keys with the staged ones (docs/incremental.md). So a full build writes at least
as many rows as the raw tables hold. This script does only that: ``create table ... as
select * from raw.<table>`` for every table of the schema ``raw``, then a checkpoint (the
rows on disk), with DuckDB's defaults (all cores, memory limit 80 % of RAM), like the SQL
baseline. No typing, no key check (bench/floor_key_check.sql), no mart. A full build that
stages into tables cannot take less time than this on the same machine and engine.

It writes into ``--warehouse``: the bench runs it on a copy of the raw warehouse.
"""

from __future__ import annotations

import argparse
import csv

import duckdb

SCHEMA = "floor_copy"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True, help="a copy of the raw warehouse")
    parser.add_argument("--out", required=True, help="CSV of the tables written and their rows")
    args = parser.parse_args()

    con = duckdb.connect(args.warehouse)
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    tables = [row[0] for row in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'raw' order by 1"
    ).fetchall()]
    if not tables:
        raise SystemExit(f"{args.warehouse}: no tables in the schema raw")
    con.execute(f"create schema {SCHEMA}")
    written = []
    for table in tables:
        # DuckDB answers a `create table ... as` with the rows it wrote: no second scan
        written.append((table, con.execute(
            f'create table {SCHEMA}."{table}" as select * from raw."{table}"').fetchone()[0]))
    con.execute("checkpoint")
    con.close()
    with open(args.out, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["table_name", "rows"])
        writer.writerows(written)
    print(f"{len(written)} raw tables written: "
          + ", ".join(f"{name} {rows:,}" for name, rows in written))


if __name__ == "__main__":
    main()
