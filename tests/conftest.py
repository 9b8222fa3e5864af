"""Shared fixtures: run dbt programmatically against a throw-away DuckDB warehouse.

Each test that builds gets its own DuckDB file (``warehouse`` fixture); the dbt target
directory is shared per pytest session so that partial parsing keeps invocations fast.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult

# A pytest-xdist worker (make test runs two) has a bare __main__ module, which
# pyspark.sql.connect, imported through great_expectations, takes for a doctest run and
# answers with sys.exit(0), killing the worker. Give it a file name.
_MAIN = sys.modules.get("__main__")
if _MAIN is not None and _MAIN.__spec__ is None and not hasattr(_MAIN, "__file__"):
    _MAIN.__file__ = "<pytest-xdist worker>"

PROJECT_DIR = Path(__file__).resolve().parents[1]
DATASETS_DIR = PROJECT_DIR / "datasets"


@pytest.fixture(scope="session")
def dbt_dirs(tmp_path_factory) -> dict[str, Path]:
    """A profiles dir made from profiles.example.yml and a target dir for this session."""
    root = tmp_path_factory.mktemp("dbt")
    profiles = root / "profiles"
    profiles.mkdir()
    shutil.copy(PROJECT_DIR / "profiles.example.yml", profiles / "profiles.yml")
    return {"profiles": profiles, "target": root / "target", "logs": root / "logs"}


class Dbt:
    """Runs dbt commands in-process with dbtRunner, one at a time."""

    def __init__(self, dirs: dict[str, Path], warehouse: Path):
        self.dirs = dirs
        self.warehouse = warehouse

    def invoke(self, *args: str, expect_success: bool = True) -> dbtRunnerResult:
        os.environ["DBT_DUCKDB_PATH"] = str(self.warehouse)
        full = [
            *args,
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(self.dirs["profiles"]),
            "--target-path", str(self.dirs["target"]),
            "--log-path", str(self.dirs["logs"]),
        ]
        result = dbtRunner().invoke(full)
        if expect_success and not result.success:
            detail = result.exception or _failures(result)
            raise AssertionError(f"dbt {' '.join(args)} failed: {detail}")
        return result

    def show(self, sql: str) -> list[dict]:
        """Render ``sql`` (Jinja, macros) with dbt and run it: rows as dicts."""
        result = self.invoke("show", "--inline", sql, "--limit", "-1", "--quiet")
        table = result.result.results[0].agate_table
        return [dict(zip(table.column_names, row, strict=True)) for row in table.rows]

    def query(self, sql: str) -> list[dict]:
        """Run plain SQL on the warehouse file after a build.

        Not read_only: dbt-duckdb keeps its own connection to the file open in this process,
        and DuckDB refuses a second one with a different configuration.
        """
        with duckdb.connect(str(self.warehouse)) as con:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _failures(result: dbtRunnerResult) -> str:
    lines = []
    for node_result in getattr(result.result, "results", []) or []:
        if str(node_result.status) not in {"success", "pass"}:
            lines.append(f"{node_result.node.name}: {node_result.status}: {node_result.message}")
    return "\n".join(lines) or "unknown failure"


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def dbt(dbt_dirs, warehouse) -> Dbt:
    return Dbt(dbt_dirs, warehouse)
