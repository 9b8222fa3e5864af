"""Run bench/baseline_monthly.sql on a warehouse with the DuckDB Python API; write a CSV.

Usage: python bench/run_sql_baseline.py --warehouse FILE [--sql FILE] --out CSV

The measured process of the SQL baseline in `make bench` (and, with
``--sql bench/floor_key_check.sql``, of the floor): it opens the warehouse read-only with
DuckDB's defaults (all cores, memory limit 80 % of RAM), runs the one query and writes its
rows (one per month for the baseline) to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--sql", default=str(HERE / "baseline_monthly.sql"))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    con = duckdb.connect(args.warehouse, read_only=True)
    con.execute("set TimeZone = 'UTC'")
    cursor = con.execute(Path(args.sql).read_text())
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    con.close()
    with open(args.out, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    print(f"{Path(args.sql).name}: {len(rows)} rows -> {args.out}")


if __name__ == "__main__":
    main()
