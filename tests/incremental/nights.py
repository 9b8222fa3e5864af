"""Helpers of the hand-made nights: run dbt on warehouse files, each command in its own
process (dbt-duckdb keeps a file open in the process that used it), and read rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
from attack.support import dbt_command, run_dbt_processes


def dbt(dbt_dirs: dict, work: Path, *runs: tuple[tuple[str, ...], Path]) -> None:
    """dbt commands side by side, ``(args, warehouse)`` each; each must succeed."""
    results = run_dbt_processes([
        dbt_command(*args, "--quiet", warehouse=warehouse, profiles=dbt_dirs["profiles"],
                    work=work / warehouse.stem)
        for args, warehouse in runs])
    for result in results:
        assert result.returncode == 0, result.stdout[-4000:]


def rows(warehouse: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
