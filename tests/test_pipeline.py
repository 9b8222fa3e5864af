"""The demo pipeline as `make demo` runs it: generate, load, dbt build, KPI table, and the
Great Expectations suites of `make validate` on the result.

dbt runs in its own process, as from the Makefile, so the warehouse file is free afterwards.
The build runs every dbt unit test and data test on generated data; the KPI table is checked
against figures computed here straight from the raw tables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import DEMO_SAMPLE, PROJECT_DIR

from loyalty_analytics.cli import main as loyalty
from loyalty_analytics.report import kpi_table
from loyalty_analytics.validate import run as validate


@pytest.fixture(scope="module")
def demo(dbt_dirs, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    warehouse = root / "warehouse.duckdb"
    assert loyalty(["generate", *DEMO_SAMPLE, "--out", str(root / "data")]) == 0
    assert loyalty(["load", str(root / "data"), "--warehouse", str(warehouse)]) == 0
    dbt = Path(sys.executable).with_name("dbt")
    build = subprocess.run(
        [str(dbt), "build", "--profiles-dir", str(dbt_dirs["profiles"]),
         "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        cwd=PROJECT_DIR, env={**os.environ, "DBT_DUCKDB_PATH": str(warehouse)},
        capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stdout[-3000:]
    return warehouse


def raw_scalar(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_build_passes_every_test_and_quarantines_nothing_on_clean_data(demo):
    rejected = raw_scalar(
        demo, "select coalesce(sum(rejected_rows), 0) from analytics.mart_data_quality")
    assert rejected == 0


def test_kpi_table_shows_the_latest_month_from_the_raw_orders(demo):
    # Completed orders placed in June 2025 up to the as-of date (the latest completed order).
    orders = raw_scalar(demo, """
        select count(*) from raw.orders
        where status = 'completed'
          and ordered_at >= timestamp '2025-06-01'
          and cast(ordered_at as date) <= (
              select max(cast(ordered_at as date)) from raw.orders where status = 'completed')
    """)
    table = kpi_table(demo)
    lines = table.splitlines()
    assert lines[0].startswith("Loyalty KPIs by month, segment all, as of 2025-06-")
    header = lines[2].split()
    assert header[-1] == "2025-06*", "June is cut at the as-of date: marked incomplete"
    orders_row = next(line for line in lines if line.startswith("Orders "))
    assert orders_row.split()[-1] == f"{orders:,}"
    for label in ("Customer retention rate", "Churn rate", "Repeat purchase rate", "NPS",
                  "CSAT (share 4-5)", "Customer Loyalty Index", "Mean engagement score"):
        assert any(line.startswith(label) for line in lines), label
    widths = {len(line) for line in lines[2:-1] if line}
    assert len(widths) == 1, "every row of the table has the same width"


def test_kpi_table_by_quarter_for_a_segment(demo):
    table = kpi_table(demo, grain="quarter", segment="B2B")
    assert "by quarter, segment B2B" in table
    assert "2025-Q2*" in table


def test_great_expectations_suites_pass_on_the_built_warehouse(demo, tmp_path, capsys):
    assert validate(demo, tmp_path / "docs", "all") == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out
    assert (tmp_path / "docs" / "index.html").is_file()
