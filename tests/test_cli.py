"""The ``loyalty`` command line: subcommands, and one-line errors with exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from loyalty_analytics.cli import main
from loyalty_analytics.contract import RAW_TABLES

CDNOW_SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "cdnow" / "CDNOW_sample.txt"


def test_generate_then_load(tmp_path, capsys):
    out = tmp_path / "data"
    assert main(["generate", "--customers", "150", "--years", "2", "--seed", "9",
                 "--end-date", "2024-06-30", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in RAW_TABLES)
    captured = capsys.readouterr()
    assert "chunk 1/1" in captured.err
    warehouse = tmp_path / "w" / "loyalty.duckdb"
    assert main(["load", str(out), "--warehouse", str(warehouse)]) == 0
    assert "raw.customers: 150 rows" in capsys.readouterr().out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        last = con.execute("select max(ordered_at) from raw.orders").fetchone()[0]
    assert last.date().isoformat() <= "2024-06-30"


def test_load_allow_missing_and_schema(tmp_path, capsys):
    out = tmp_path / "data"
    main(["generate", "--customers", "50", "--out", str(out)])
    (out / "engagement_events.parquet").unlink()
    warehouse = tmp_path / "w.duckdb"
    assert main(["load", str(out), "--warehouse", str(warehouse)]) == 2
    assert main(["load", str(out), "--warehouse", str(warehouse), "--schema", "src",
                 "--allow-missing"]) == 0
    assert "warning" in capsys.readouterr().err
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from src.engagement_events").fetchone() == (0,)


def test_load_cdnow(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    assert main(["load-cdnow", str(CDNOW_SAMPLE), "--warehouse", str(warehouse)]) == 0
    assert "raw.orders: 6,919 rows" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["load", "{tmp}/nope", "--warehouse", "{tmp}/w.duckdb"], "input directory not found"),
        (["load-cdnow", "{tmp}/nope.txt", "--warehouse", "{tmp}/w.duckdb"],
         "CDNOW file not found"),
        (["kpis", "--warehouse", "{tmp}/nope.duckdb"], "warehouse not found"),
        (["check-project", "--project-dir", "{tmp}"], "no dbt_project.yml"),
        (["dirty-report", "--warehouse", "{tmp}/nope.duckdb"], "warehouse not found"),
    ],
)
def test_user_errors_are_one_line_with_status_2(tmp_path, capsys, argv, message):
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "nope.duckdb").exists()  # kpis does not create a warehouse


def test_a_missing_column_is_one_line(tmp_path, capsys):
    out = tmp_path / "data"
    main(["generate", "--customers", "20", "--out", str(out)])
    with duckdb.connect() as con:
        con.execute(f"copy (select * exclude (score) from '{out}/survey_responses.parquet') "
                    f"to '{out}/survey_responses.parquet'")
    capsys.readouterr()
    assert main(["load", str(out), "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "survey_responses.parquet: column score" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "--customers", "0"],
        ["generate", "--customers", "many"],
        ["generate", "--seed", "-1"],
        ["generate", "--end-date", "2025-02-30"],
        ["load"],
        ["kpis"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_the_module_runs_as_a_command_without_importing_the_report(tmp_path):
    """A real process: exit status 2, no traceback; report.py is only imported by kpis."""
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys; from loyalty_analytics import cli; "
         "code = cli.main(sys.argv[1:]); "
         "assert 'loyalty_analytics.report' not in sys.modules; sys.exit(code)",
         "load", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("loyalty load: error: input directory not found")
    assert "Traceback" not in result.stderr


def test_dirty_report_sums_mart_data_quality_by_table_and_reason(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema analytics")
        con.execute("create table analytics.mart_data_quality (source_table varchar, "
                    "reject_reason varchar, row_date date, rejected_rows bigint)")
        con.execute("insert into analytics.mart_data_quality values "
                    "('orders', 'negative_amount', '2025-01-02', 2), "
                    "('orders', 'negative_amount', '2025-01-03', 1), "
                    "('customers', 'unknown_segment', null, 3)")
    assert main(["dirty-report", "--warehouse", str(warehouse)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("Quarantined raw rows by table and reason")
    # customers before orders (the contract's order); orders: 2 + 1 = 3; total 3 + 3 = 6.
    assert [line.split() for line in lines[5:]] == [
        ["customers", "unknown_segment", "3"],
        ["orders", "negative_amount", "3"],
        ["total", "6"],
    ]


def test_dirty_report_without_the_marts_is_one_line(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    assert main(["dirty-report", "--warehouse", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert "mart_data_quality" in err and err.count("\n") == 1
