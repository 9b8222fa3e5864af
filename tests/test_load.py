"""The loader: CSV and Parquet inputs into the raw tables of a DuckDB file."""

from __future__ import annotations

import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from loyalty_analytics.contract import RAW_TABLES
from loyalty_analytics.generate import generate
from loyalty_analytics.load import LoadError, load_directory


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory) -> Path:
    """A small generated data set: <dir>/<table>.parquet."""
    out = tmp_path_factory.mktemp("parquet")
    generate(out, customers=200, seed=3)
    return out


@pytest.fixture(scope="module")
def csv_dir(parquet_dir, tmp_path_factory) -> Path:
    """The same data as <dir>/<table>.csv, written by DuckDB."""
    out = tmp_path_factory.mktemp("csv")
    with duckdb.connect() as con:
        for table in RAW_TABLES:
            con.execute(f"copy (from '{parquet_dir}/{table}.parquet') "
                        f"to '{out}/{table}.csv' (header)")
    return out


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def counts(warehouse: Path, schema: str = "raw") -> dict[str, int]:
    return {t: query(warehouse, f"select count(*) from {schema}.{t}")[0][0] for t in RAW_TABLES}


def write_csv(path: Path, header: str, *rows: str) -> None:
    path.write_text("\n".join([header, *rows]) + "\n")


def contract_types(warehouse: Path, schema: str = "raw") -> dict[str, list[tuple[str, str]]]:
    return {
        table: [
            (name, type_.lower().replace(" ", ""))
            for name, type_ in query(
                warehouse,
                "select column_name, data_type from information_schema.columns "
                f"where table_schema = '{schema}' and table_name = '{table}' "
                "order by ordinal_position",
            )
        ]
        for table in RAW_TABLES
    }


def test_parquet_files_load_with_the_contract_types(parquet_dir, tmp_path, capsys):
    warehouse = tmp_path / "nested" / "dir" / "warehouse.duckdb"  # parent is created
    loaded = load_directory(parquet_dir, warehouse)
    assert loaded == counts(warehouse)
    assert all(count > 0 for count in loaded.values())
    assert contract_types(warehouse) == RAW_TABLES
    printed = capsys.readouterr().out
    for table, count in loaded.items():
        assert f"raw.{table}: {count:,} rows" in printed


def test_csv_files_load_the_same_data_as_parquet(parquet_dir, csv_dir, tmp_path):
    from_parquet, from_csv = tmp_path / "p.duckdb", tmp_path / "c.duckdb"
    load_directory(parquet_dir, from_parquet)
    load_directory(csv_dir, from_csv)
    assert contract_types(from_csv) == RAW_TABLES
    with duckdb.connect(str(from_parquet)) as con:
        con.execute(f"attach '{from_csv}' as csv (read_only)")
        for table in RAW_TABLES:
            differences = con.execute(f"""
                select count(*) from (
                    (from raw.{table} except all from csv.raw.{table})
                    union all
                    (from csv.raw.{table} except all from raw.{table})
                )
            """).fetchone()[0]
            assert differences == 0, table


def test_csv_values_are_cast_to_the_contract(tmp_path):
    """Text keys keep leading zeros, empty fields are NULL, UTC offsets are converted."""
    source = tmp_path / "in"
    source.mkdir()
    write_csv(source / "customers.csv", "customer_id,created_at,segment,country,updated_at",
              "00042,2024-01-05 10:00:00,B2C,,2024-01-05 10:00:00",
              "00043,2024-01-05T10:00:00+02:00,B2B,SE,2024-03-01T23:30:00-01:00")
    write_csv(source / "orders.csv",
              "order_id,customer_id,ordered_at,status,order_total,updated_at",
              "0001,00042,2024-02-01 12:30:00,completed,19.90,2024-02-02 08:00:00")
    write_csv(source / "order_items.csv",
              "order_id,line_number,product_id,product_category,quantity,unit_price",
              "0001,1,P0007,books,2,9.95")
    write_csv(source / "survey_responses.csv",
              "response_id,customer_id,responded_at,question,score",
              "R1,,2024-02-03 09:00:00,recommend,9")
    write_csv(source / "engagement_events.csv",
              "event_id,customer_id,occurred_at,event_type,duration_seconds",
              "E1,00042,2024-02-01 12:00:00,session,120",
              "E2,00042,2024-02-01 12:01:00,key_action,")
    warehouse = tmp_path / "w.duckdb"
    load_directory(source, warehouse)
    assert query(warehouse, "from raw.customers order by customer_id") == [
        ("00042", datetime(2024, 1, 5, 10), "B2C", None, datetime(2024, 1, 5, 10)),
        # 10:00 at +02:00 is 08:00 UTC; 23:30 at -01:00 is 00:30 UTC on the next day
        ("00043", datetime(2024, 1, 5, 8), "B2B", "SE", datetime(2024, 3, 2, 0, 30)),
    ]
    assert query(warehouse, "select order_id, order_total from raw.orders") == [
        ("0001", Decimal("19.90"))
    ]
    assert query(warehouse, "select quantity, unit_price from raw.order_items") == [
        (2, Decimal("9.95"))
    ]
    assert query(warehouse, "select customer_id, score from raw.survey_responses") == [(None, 9)]
    assert query(warehouse, "select event_id, duration_seconds from raw.engagement_events "
                            "order by 1") == [("E1", 120), ("E2", None)]


def test_a_directory_of_part_files_is_one_table(parquet_dir, tmp_path):
    source = tmp_path / "in"
    shutil.copytree(parquet_dir, source)
    (source / "orders.parquet").unlink()
    (source / "orders").mkdir()
    with duckdb.connect() as con:
        con.execute(f"""
            copy (from '{parquet_dir}/orders.parquet' where order_id < 'O000001000')
            to '{source}/orders/part-0000.parquet'
        """)
        con.execute(f"""
            copy (from '{parquet_dir}/orders.parquet' where order_id >= 'O000001000')
            to '{source}/orders/part-0001.parquet'
        """)
        expected = con.execute(f"select count(*) from '{parquet_dir}/orders.parquet'").fetchone()
    warehouse = tmp_path / "w.duckdb"
    loaded = load_directory(source, warehouse)
    assert loaded["orders"] == expected[0]


def test_extra_columns_are_ignored(parquet_dir, tmp_path):
    source = tmp_path / "in"
    shutil.copytree(parquet_dir, source)
    with duckdb.connect() as con:
        con.execute(f"""
            copy (select 'web' as channel, *, 1 as batch from '{parquet_dir}/orders.parquet')
            to '{source}/orders.parquet'
        """)
    warehouse = tmp_path / "w.duckdb"
    load_directory(source, warehouse)
    assert contract_types(warehouse)["orders"] == RAW_TABLES["orders"]
    assert counts(warehouse)["orders"] > 0


def test_a_missing_column_is_an_error_naming_file_and_column(parquet_dir, tmp_path):
    source = tmp_path / "in"
    shutil.copytree(parquet_dir, source)
    with duckdb.connect() as con:
        con.execute(f"""
            copy (select * exclude (updated_at) from '{parquet_dir}/orders.parquet')
            to '{source}/orders.parquet'
        """)
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(LoadError, match=r"orders\.parquet: column updated_at .* is missing"):
        load_directory(source, warehouse)


def test_a_missing_column_in_one_part_file_is_an_error_naming_it(parquet_dir, tmp_path):
    source = tmp_path / "in"
    shutil.copytree(parquet_dir, source)
    (source / "customers.parquet").unlink()
    (source / "customers").mkdir()
    with duckdb.connect() as con:
        con.execute(f"copy (from '{parquet_dir}/customers.parquet') "
                    f"to '{source}/customers/part-0.parquet'")
        con.execute(f"copy (select * exclude (country) from '{parquet_dir}/customers.parquet') "
                    f"to '{source}/customers/part-1.parquet'")
    with pytest.raises(LoadError, match=r"part-1\.parquet: column country"):
        load_directory(source, tmp_path / "w.duckdb")


def test_a_missing_table_is_an_error_naming_it(parquet_dir, tmp_path):
    source = tmp_path / "in"
    shutil.copytree(parquet_dir, source)
    (source / "survey_responses.parquet").unlink()
    with pytest.raises(LoadError, match="survey_responses"):
        load_directory(source, tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()  # nothing was written


def test_allow_missing_creates_the_table_empty_with_a_warning(parquet_dir, tmp_path, capsys):
    source = tmp_path / "in"
    shutil.copytree(parquet_dir, source)
    (source / "survey_responses.parquet").unlink()
    (source / "engagement_events.parquet").unlink()
    warehouse = tmp_path / "w.duckdb"
    loaded = load_directory(source, warehouse, allow_missing=True)
    assert loaded["survey_responses"] == loaded["engagement_events"] == 0
    assert loaded["orders"] > 0
    assert contract_types(warehouse) == RAW_TABLES
    err = capsys.readouterr().err
    assert "warning" in err and "survey_responses" in err and "engagement_events" in err


def test_several_inputs_for_a_table_are_an_error(parquet_dir, csv_dir, tmp_path):
    source = tmp_path / "in"
    shutil.copytree(parquet_dir, source)
    shutil.copy(csv_dir / "orders.csv", source / "orders.csv")
    with pytest.raises(LoadError, match="several inputs for table orders"):
        load_directory(source, tmp_path / "w.duckdb")


def test_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(LoadError, match="input directory not found"):
        load_directory(tmp_path / "nope", tmp_path / "w.duckdb")


def test_a_bad_value_fails_the_load_and_keeps_the_previous_tables(parquet_dir, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    before = load_directory(parquet_dir, warehouse)
    source = tmp_path / "in"
    shutil.copytree(parquet_dir, source)
    (source / "order_items.parquet").unlink()
    write_csv(source / "order_items.csv",
              "order_id,line_number,product_id,product_category,quantity,unit_price",
              "O000000001,1,P0001,books,two,9.95")
    with pytest.raises(LoadError, match=r"order_items\.csv into order_items: .*two"):
        load_directory(source, warehouse)
    assert counts(warehouse) == before  # one transaction: the old tables are intact


def test_reloading_replaces_the_tables(parquet_dir, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    first = load_directory(parquet_dir, warehouse)
    second = load_directory(parquet_dir, warehouse)
    assert first == second == counts(warehouse)


def test_another_schema(parquet_dir, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    load_directory(parquet_dir, warehouse, schema="landing")
    assert contract_types(warehouse, "landing") == RAW_TABLES
    assert counts(warehouse, "landing")["customers"] == 200


def test_orders_currency_and_exchange_rates_load_when_present(parquet_dir, tmp_path):
    """The optional multi-currency inputs: the currency column and the rates table are
    loaded from CSV with their contract types; a reload without them drops the table."""
    data = tmp_path / "data"
    shutil.copytree(parquet_dir, data)
    (data / "orders.parquet").unlink()
    write_csv(data / "orders.csv",
              "order_id,customer_id,ordered_at,status,order_total,updated_at,currency",
              "o1,c1,2024-01-03 10:00:00,completed,12.50,2024-01-03 10:00:00,EUR",
              "o2,c1,2024-01-04 10:00:00,completed,100.00,2024-01-04 10:00:00,")
    write_csv(data / "exchange_rates.csv", "rate_date,currency,rate_to_reporting",
              "2024-01-02,EUR,11.23456789")
    warehouse = tmp_path / "w.duckdb"
    loaded = load_directory(data, warehouse)
    assert loaded["exchange_rates"] == 1
    assert query(warehouse, "select order_id, currency from raw.orders order by 1") == [
        ("o1", "EUR"), ("o2", None)]
    assert query(warehouse, "select * from raw.exchange_rates") == [
        (datetime(2024, 1, 2).date(), "EUR", Decimal("11.23456789"))]
    types = contract_types(warehouse)
    assert types["orders"][-1] == ("currency", "varchar")

    (data / "exchange_rates.csv").unlink()
    (data / "orders.csv").unlink()
    shutil.copy(parquet_dir / "orders.parquet", data / "orders.parquet")
    assert "exchange_rates" not in load_directory(data, warehouse)
    assert query(warehouse, "select count(*) from information_schema.tables "
                            "where table_name = 'exchange_rates'") == [(0,)]
    assert contract_types(warehouse) == RAW_TABLES
