"""`make bench` checks that two full builds of the same raw data (its `dbt build` and its
`dbt run`) give the same tables (bench/run_bench.py, table_fingerprints and
differing_tables): per table of the project's schemas, the row count and the sum of the rows'
hashes, the write stamps left out. The warehouses here are made by hand, each pair differing
in one known way."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import load_bench

run_bench = load_bench("run_bench")


def warehouse(path: Path, statements: list[str]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema analytics; create schema raw")
        for statement in statements:
            con.execute(statement)
    return path


MART = ("create table analytics.mart as select * from (values "
        "(1, 'a', 0.5::double, timestamp '2026-01-01 00:00:00'), "
        "(2, 'b', 1.5::double, timestamp '2026-01-01 00:00:00')) as t(id, name, value, _loaded_at)")


def test_same_rows_in_another_order_and_other_write_stamps_agree(tmp_path):
    first = warehouse(tmp_path / "first.duckdb", [MART, "create table raw.orders as select 1"])
    second = warehouse(tmp_path / "second.duckdb", [
        # the rows the other way round, written a day later, and another raw table
        "create table analytics.mart as select * from (values "
        "(2, 'b', 1.5::double, timestamp '2026-01-02 00:00:00'), "
        "(1, 'a', 0.5::double, timestamp '2026-01-02 00:00:00')) as t(id, name, value, _loaded_at)",
        "create table raw.orders as select 2"])
    prints = run_bench.table_fingerprints(first)
    assert list(prints) == ["analytics.mart"], "raw is not compared"
    assert prints["analytics.mart"][0] == 2
    assert run_bench.differing_tables(prints, run_bench.table_fingerprints(second)) == []


def test_a_value_in_its_last_bit_a_missing_row_or_table_differ(tmp_path):
    first = run_bench.table_fingerprints(warehouse(tmp_path / "first.duckdb", [MART]))
    # 1.5 + 2^-52: the last bit of the double, as a sum added in another order gives
    last_bit = run_bench.table_fingerprints(warehouse(tmp_path / "bit.duckdb", [
        MART, "update analytics.mart set value = 1.5000000000000002::double where id = 2"]))
    one_row = run_bench.table_fingerprints(warehouse(tmp_path / "row.duckdb", [
        MART, "delete from analytics.mart where id = 1"]))
    more = run_bench.table_fingerprints(warehouse(tmp_path / "more.duckdb", [
        MART, "create table analytics.extra as select 1 as x"]))
    assert run_bench.differing_tables(first, last_bit) == [
        f"analytics.mart: {first['analytics.mart']} against {last_bit['analytics.mart']}"]
    assert len(run_bench.differing_tables(first, one_row)) == 1
    assert run_bench.differing_tables(first, more) == [
        f"analytics.extra: None against {more['analytics.extra']}"]
