"""A demo warehouse for the semantic-layer and dashboard tests, built once per session.

As `make demo` does: generate, load, `dbt build`, but in this process (test_pipeline.py runs
the demo's commands as processes of their own). A few bad raw rows are added before the build
so the data-quality panel has something to show. The build runs in a private copy of the
project made of symlinks: MetricFlow's `mf` reads the semantic manifest from
`<project>/target/`, and the developer's own target/ must not be overwritten.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import DEMO_SAMPLE, built_once, checkpoint, failure_detail, write_profiles
from dbt.cli.main import dbtRunner

from loyalty_analytics.cli import main as loyalty

PROJECT_DIR = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = PROJECT_DIR / "dashboard"
BIN = Path(sys.executable).parent

# The dashboard is a Streamlit script folder, not a package: its data module imports as is.
if str(DASHBOARD_DIR) not in sys.path:
    sys.path.insert(0, str(DASHBOARD_DIR))

# Left out of the private project: build outputs, local state and the developer's warehouse.
NOT_LINKED = {
    ".git", ".venv", ".pytest_cache", ".ruff_cache", "target", "logs", "dbt_packages",
    "warehouse", "data", "profiles.yml", ".user.yml",
}

# Raw rows that the quarantine rejects: 3 exact copies of orders, 2 orders with an unknown
# status and 2 survey answers scoring 11 (on 0-10).
BAD_ROWS_SQL = """
insert into raw.orders
    select * from (select * from raw.orders order by order_id limit 3);
insert into raw.orders
    select * replace ('X' || order_id as order_id, 'teleported' as status)
    from (select * from raw.orders order by order_id limit 2);
insert into raw.survey_responses
    select * replace ('X' || response_id as response_id, 11 as score)
    from (
        select * from raw.survey_responses
        where question = 'recommend' order by response_id limit 2
    );
"""
BAD_ROWS = {("orders", "exact_duplicate"): 3, ("orders", "unknown_status"): 2,
            ("survey_responses", "score_out_of_range"): 2}


@dataclass(frozen=True)
class Demo:
    project: Path
    profiles: Path
    warehouse: Path

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DBT_DUCKDB_PATH": str(self.warehouse),
            "DBT_PROFILES_DIR": str(self.profiles),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }

    def query(self, sql: str, params: list | None = None) -> list[dict]:
        """Run SQL on the warehouse read-only and close it again (mf needs the write lock)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            cursor = con.execute(sql, params or [])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def private_project(root: Path) -> Path:
    project = root / "project"
    project.mkdir()
    for entry in PROJECT_DIR.iterdir():
        if entry.name not in NOT_LINKED:
            (project / entry.name).symlink_to(entry)
    return project


def profiles_dir(root: Path) -> Path:
    return write_profiles(root / "profiles")


def build_demo(root: Path) -> Demo:
    """The demo warehouse built in ``root``: generate, load, bad rows, `dbt build`. In this
    process: a `loyalty` and a `dbt` process of their own spent about 10 s importing, and dbt
    parsing cold, before the build."""
    project = private_project(root)
    built = Demo(project=project, profiles=profiles_dir(root), warehouse=root / "loyalty.duckdb")
    data = root / "data"
    assert loyalty(["generate", *DEMO_SAMPLE, "--out", str(data)]) == 0
    assert loyalty(["load", str(data), "--warehouse", str(built.warehouse)]) == 0
    with duckdb.connect(str(built.warehouse)) as con:
        con.execute(BAD_ROWS_SQL)
    os.environ["DBT_DUCKDB_PATH"] = str(built.warehouse)
    # The JSON artefacts are written (no --no-write-json): `mf` reads target/.
    result = dbtRunner().invoke(["build", "--project-dir", str(project),
                                 "--profiles-dir", str(built.profiles),
                                 "--log-path", str(root / "logs")])
    assert result.success, f"dbt build of the demo failed: {failure_detail(result)}"
    # dbt-duckdb keeps the file open in this process: the other workers copy it.
    checkpoint(built.warehouse)
    return built


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    """Built once per pytest session, by the first worker that needs it (conftest.built_once:
    a second build took 20-30 s of the other worker's time). Each gets its own copy of the
    warehouse and the target folder: `mf` opens the warehouse for writing, which DuckDB
    allows one process at a time."""
    shared = built_once(tmp_path_factory, "dashboard_demo", build_demo)
    root = tmp_path_factory.mktemp("dashboard_demo")
    project = private_project(root)
    shutil.copytree(shared / "project" / "target", project / "target")
    shutil.copyfile(shared / "loyalty.duckdb", root / "loyalty.duckdb")
    return Demo(project=project, profiles=profiles_dir(root), warehouse=root / "loyalty.duckdb")
