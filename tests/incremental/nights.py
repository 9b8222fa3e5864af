"""Helpers of the hand-made nights: run dbt on warehouse files in this process and read rows.

The commands run in this process (conftest.Dbt: the parsed manifest is reused, where a dbt
process of its own spent about 3 s starting and reading its saved parse). Every warehouse of
the nights is a ``warehouse.duckdb`` in a folder of its own (conftest.warehouse_file: one
parse for all of them). dbt-duckdb keeps the files it used open in this process: copy one
with conftest.copy_warehouse, into a file that no command has opened yet.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import Dbt


def dbt(dbt_dirs: dict, *runs: tuple[tuple[str, ...], Path]) -> None:
    """dbt commands one after the other, ``(args, warehouse)`` each; each must succeed."""
    for args, warehouse in runs:
        Dbt(dbt_dirs, warehouse).invoke(*args, "--quiet")


def rows(warehouse: Path, sql: str) -> list[dict]:
    """The rows of ``sql`` on ``warehouse``. Not read-only: dbt-duckdb may hold the file open
    in this process, and DuckDB refuses a second connection with another configuration."""
    with duckdb.connect(str(warehouse)) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
