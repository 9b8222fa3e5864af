"""make_dirty itself, without dbt: the clean rows pass through untouched, the bad rows are
mixed in, the files keep the contract's types, and the output depends only on the seed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from loyalty_analytics.cli import main as loyalty
from loyalty_analytics.contract import RAW_TABLES, create_table_sql
from loyalty_analytics.dirty import MANIFEST_NAME, REASONS, make_dirty
from loyalty_analytics.generate import generate


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate(out, customers=60, years=2, seed=4, end_date=date(2025, 3, 31))
    return out


@pytest.fixture(scope="module")
def dirty(clean_dir, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("dirty")
    return out, make_dirty(clean_dir, out, seed=11)


def rows(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> str:
    names = ", ".join(name for name, _ in RAW_TABLES[table])
    return f"(select {names} from read_parquet('{path / (table + '.parquet')}'))"


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_clean_rows_pass_through_untouched(clean_dir, dirty, table):
    out, manifest = dirty
    with duckdb.connect() as con:
        clean, soiled = rows(con, clean_dir, table), rows(con, out, table)
        lost = con.execute(f"select count(*) from ({clean} except all {soiled})").fetchone()[0]
        added = con.execute(f"select count(*) from ({soiled} except all {clean})").fetchone()[0]
        total = con.execute(f"select count(*) from {soiled}").fetchone()[0]
        clean_total = con.execute(f"select count(*) from {clean}").fetchone()[0]
    assert lost == 0
    assert added == manifest["added_rows"][table] == len(manifest["rows"][table])
    assert total == clean_total + added == manifest["dirty_rows"][table]
    assert sum(manifest["added"][table].values()) == added


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_files_have_the_contract_types(dirty, table):
    out, _ = dirty
    with duckdb.connect() as con:
        con.execute("create schema raw")
        con.execute(create_table_sql(table))
        expected = con.execute(f"describe raw.{table}").fetchall()
        actual = con.execute(
            f"describe select * from read_parquet('{out / (table + '.parquet')}')").fetchall()
    assert [row[:2] for row in actual] == [row[:2] for row in expected]


def test_bad_rows_are_mixed_in_not_appended(dirty):
    out, manifest = dirty
    with duckdb.connect() as con:
        last_clean = con.execute(
            f"select max(n) from (select row_number() over () as n, order_id "
            f"from read_parquet('{out / 'orders.parquet'}')) where order_id like 'O%'"
        ).fetchone()[0]
    # Appended bad rows would leave the last clean row at position clean_rows.
    assert last_clean > manifest["clean_rows"]["orders"], "every bad row after the clean ones"


def test_every_reason_gets_rows_and_the_manifest_is_written(dirty):
    out, manifest = dirty
    assert json.loads((out / MANIFEST_NAME).read_text()) == json.loads(
        json.dumps(manifest, default=str))
    for table, reasons in REASONS.items():
        assert set(manifest["added"][table]) == set(reasons), table


def test_the_output_depends_only_on_the_seed(clean_dir, dirty, tmp_path):
    out, manifest = dirty
    again = make_dirty(clean_dir, tmp_path / "again", seed=11)
    other = make_dirty(clean_dir, tmp_path / "other", seed=12)
    assert again["rows"] == manifest["rows"]
    assert other["rows"] != manifest["rows"]
    with duckdb.connect() as con:
        for table in RAW_TABLES:
            first = con.execute(f"from {rows(con, out, table)}").fetchall()
            second = con.execute(f"from {rows(con, tmp_path / 'again', table)}").fetchall()
            assert first == second, table


def test_empty_clean_tables_still_get_the_bad_rows_that_need_no_clean_row(clean_dir, tmp_path):
    """Like CDNOW: no survey answers and no events at all."""
    source = tmp_path / "clean"
    source.mkdir()
    with duckdb.connect() as con:
        for table in RAW_TABLES:
            where = "where false" if table in ("survey_responses", "engagement_events") else ""
            con.execute(f"copy (from read_parquet('{clean_dir / (table + '.parquet')}') {where})"
                        f" to '{source / (table + '.parquet')}' (format parquet)")
    manifest = make_dirty(source, tmp_path / "dirty", seed=1)
    assert manifest["clean_rows"]["survey_responses"] == 0
    needs_a_clean_row = {"exact_duplicate", "duplicate_key"}
    for table in ("survey_responses", "engagement_events"):
        assert set(manifest["added"][table]) == set(REASONS[table]) - needs_a_clean_row


def test_cli_writes_the_dirty_copy_and_refuses_bad_directories(clean_dir, tmp_path, capsys):
    assert loyalty(["dirty", str(clean_dir), "--out", str(tmp_path / "d"), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "orders" in out and "superseded" in out and MANIFEST_NAME in out
    assert (tmp_path / "d" / "orders.parquet").is_file()
    assert loyalty(["dirty", str(tmp_path / "nowhere"), "--out", str(tmp_path / "e")]) == 2
    assert loyalty(["dirty", str(clean_dir), "--out", str(clean_dir)]) == 2
    err = capsys.readouterr().err
    assert "input directory not found" in err and "--out must differ" in err
