"""`dbt build` of the project on PostgreSQL or Spark, on a local throw-away engine.

    .venv/bin/python scripts/engine_build.py postgres [--warehouse FILE] [--customers N] ...
    .venv/bin/python scripts/engine_build.py spark    [--warehouse FILE] [--customers N] ...

The raw tables come from a DuckDB warehouse file (``--warehouse``, as `loyalty load` writes
it) or, by default, from a small generated sample (``loyalty generate``, then
``loyalty load``) in a temporary directory. Then:

- postgres: initdb and pg_ctl start a server in a temporary directory on a free local port
  (as ``nobody`` when run as root), the raw tables are COPYed into schema ``raw``,
  ``dbt build --target postgres`` runs against it, and the server is stopped and removed.
- spark: a local Spark session starts in this process with a temporary warehouse directory
  and metastore, the raw tables are written into database ``raw`` as Parquet tables, and
  ``dbt build --target spark`` runs in the same process (dbt-spark's session method reuses
  the session).

Every model, seed, unit test and data test runs, as in `make build` on DuckDB; extra
arguments after ``--`` go to dbt (e.g. ``-- --vars '{churn_window_days: 90}'``). The exit
status is dbt's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("engine", choices=["postgres", "spark"])
    parser.add_argument("--warehouse", type=Path,
                        help="DuckDB file with the raw tables (default: a generated sample)")
    parser.add_argument("--customers", type=int, default=150)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end-date", default="2025-06-30")
    parser.add_argument("dbt_args", nargs="*", help="extra dbt arguments, after --")
    args = parser.parse_args(argv)

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f"loyalty-{args.engine}-"))
    try:
        warehouse = args.warehouse or _sample_warehouse(work, args)
        dirs = _dbt_dirs(work)
        if args.engine == "postgres":
            status = _build_postgres(warehouse, dirs, args.dbt_args)
        else:
            status = _build_spark(warehouse, work, dirs, args.dbt_args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.engine}: dbt build {'passed' if status == 0 else 'FAILED'} "
          f"in {time.monotonic() - started:.0f} s", flush=True)
    return status


def _sample_warehouse(work: Path, args: argparse.Namespace) -> Path:
    from loyalty_analytics.cli import main as loyalty

    data, warehouse = work / "data", work / "sample.duckdb"
    for command in (
        ["generate", "--customers", str(args.customers), "--years", str(args.years),
         "--seed", str(args.seed), "--end-date", args.end_date, "--out", str(data)],
        ["load", str(data), "--warehouse", str(warehouse)],
    ):
        if loyalty(command) != 0:
            raise SystemExit(f"loyalty {command[0]} failed")
    return warehouse


def _dbt_dirs(work: Path) -> dict[str, Path]:
    profiles = work / "profiles"
    profiles.mkdir()
    shutil.copy(PROJECT_DIR / "profiles.example.yml", profiles / "profiles.yml")
    return {"profiles": profiles, "target": work / "target", "logs": work / "logs"}


def _dbt_build(target: str, dirs: dict[str, Path], extra: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([
        "build", "--target", target,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(dirs["profiles"]),
        "--target-path", str(dirs["target"]),
        "--log-path", str(dirs["logs"]),
        *extra,
    ])
    return 0 if result.success else 1


def _build_postgres(warehouse: Path, dirs: dict[str, Path], extra: list[str]) -> int:
    from loyalty_analytics import postgres

    with postgres.throwaway_server() as server:
        print(f"postgres: server on {server.host}:{server.port}", flush=True)
        counts = postgres.load_from_duckdb(warehouse, server.connect_kwargs())
        print(f"postgres: raw rows loaded {counts}", flush=True)
        os.environ.update(server.dbt_env())
        return _dbt_build("postgres", dirs, extra)


def _build_spark(warehouse: Path, work: Path, dirs: dict[str, Path], extra: list[str]) -> int:
    from loyalty_analytics import spark

    os.environ["DBT_SPARK_WAREHOUSE_DIR"] = str(work / "spark-warehouse")
    os.environ["DBT_SPARK_METASTORE_DIR"] = str(work / "spark-metastore")
    session = spark.local_session(os.environ["DBT_SPARK_WAREHOUSE_DIR"],
                                  os.environ["DBT_SPARK_METASTORE_DIR"], throwaway=True)
    try:
        counts = spark.load_from_duckdb(session, warehouse)
        print(f"spark: raw rows loaded {counts}", flush=True)
        return _dbt_build("spark", dirs, extra)
    finally:
        session.stop()


if __name__ == "__main__":
    sys.exit(main())
