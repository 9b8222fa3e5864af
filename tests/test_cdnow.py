"""Loading the real CDNOW purchase data into the raw tables."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from loyalty_analytics.cdnow import load_cdnow
from loyalty_analytics.contract import RAW_TABLES
from loyalty_analytics.load import LoadError

CDNOW_DIR = Path(__file__).resolve().parents[1] / "datasets" / "cdnow"
SAMPLE = CDNOW_DIR / "CDNOW_sample.txt"
MASTER = CDNOW_DIR / "CDNOW_master.txt"

def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def one(warehouse: Path, sql: str):
    return query(warehouse, sql)[0][0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("cdnow") / "sample.duckdb"
    load_cdnow(SAMPLE, warehouse)
    return warehouse


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("cdnow") / "master.duckdb"
    load_cdnow(MASTER, warehouse)
    return warehouse


def test_sample_row_counts(sample):
    counts = {t: one(sample, f"select count(*) from raw.{t}") for t in RAW_TABLES}
    assert counts == {
        "customers": 2_357,
        "orders": 6_919,
        "order_items": 6_919,
        "survey_responses": 0,
        "engagement_events": 0,
        "loyalty_memberships": 0,  # CDNOW has no loyalty program
        "loyalty_points": 0,
    }


def test_tables_have_the_contract_columns_and_types(sample):
    for table, columns in RAW_TABLES.items():
        found = query(
            sample,
            "select column_name, lower(replace(data_type, ' ', '')) "
            "from information_schema.columns "
            f"where table_schema = 'raw' and table_name = '{table}' order by ordinal_position",
        )
        assert found == columns, table


def test_sample_customer_00004_by_hand(sample):
    # CDNOW_sample.txt, lines 1-4 (customer_id sample_customer_number date cds dollars):
    #  00004 0001 19970101  2   29.33
    #  00004 0001 19970118  2   29.73
    #  00004 0001 19970802  1   14.96
    #  00004 0001 19971212  2   26.48
    assert query(sample, "from raw.customers where customer_id = '00004'") == [
        # created at the first purchase, one version (updated_at = created_at)
        ("00004", datetime(1997, 1, 1), "B2C", None, datetime(1997, 1, 1))
    ]
    assert query(sample, "from raw.orders where customer_id = '00004' order by ordered_at") == [
        ("00004-19970101-1", "00004", datetime(1997, 1, 1), "completed", Decimal("29.33"),
         datetime(1997, 1, 1)),
        ("00004-19970118-1", "00004", datetime(1997, 1, 18), "completed", Decimal("29.73"),
         datetime(1997, 1, 18)),
        ("00004-19970802-1", "00004", datetime(1997, 8, 2), "completed", Decimal("14.96"),
         datetime(1997, 8, 2)),
        ("00004-19971212-1", "00004", datetime(1997, 12, 12), "completed", Decimal("26.48"),
         datetime(1997, 12, 12)),
    ]
    assert query(sample, """
        select i.* from raw.order_items as i
        where i.order_id like '00004-%' order by i.order_id
    """) == [
        # 29.33 / 2 = 14.665 -> 14.67 (cents rounded half up); 29.73 / 2 = 14.865 -> 14.87
        ("00004-19970101-1", 1, "CD", "music", 2, Decimal("14.67")),
        ("00004-19970118-1", 1, "CD", "music", 2, Decimal("14.87")),
        ("00004-19970802-1", 1, "CD", "music", 1, Decimal("14.96")),
        ("00004-19971212-1", 1, "CD", "music", 2, Decimal("13.24")),
    ]


def test_sample_customer_00656_two_orders_on_one_day(sample):
    # CDNOW_sample.txt, lines 144-146:
    #  00656 0051 19970103  3   55.10
    #  00656 0051 19980411  6   93.81
    #  00656 0051 19980411  2   20.98
    # The second row of 1998-04-11 is order -2, in file order.
    assert query(sample, """
        select o.order_id, o.order_total, i.quantity, i.unit_price
        from raw.orders as o inner join raw.order_items as i on o.order_id = i.order_id
        where o.customer_id = '00656' order by o.order_id
    """) == [
        ("00656-19970103-1", Decimal("55.10"), 3, Decimal("18.37")),  # 18.3666...
        ("00656-19980411-1", Decimal("93.81"), 6, Decimal("15.64")),  # 15.635 half up
        ("00656-19980411-2", Decimal("20.98"), 2, Decimal("10.49")),
    ]


def test_master_row_counts_and_totals(master):
    assert one(master, "select count(*) from raw.orders") == 69_659
    assert one(master, "select count(distinct order_id) from raw.orders") == 69_659
    assert one(master, "select count(*) from raw.customers") == 23_570
    assert one(master, "select count(*) from raw.order_items") == 69_659
    # awk 'NR > 1 { s += $4 } END { printf "%.2f", s }' CDNOW_master.txt
    assert one(master, "select sum(order_total) from raw.orders") == Decimal("2500315.63")
    # Customers all made their first purchase in the first quarter of 1997 (datasets/cdnow/); the
    # last first purchase is on 1997-03-25 (awk: earliest date per customer, then the max).
    assert query(master, "select min(created_at), max(created_at) from raw.customers") == [
        (datetime(1997, 1, 1), datetime(1997, 3, 25))
    ]
    assert query(master, "select min(ordered_at), max(ordered_at) from raw.orders") == [
        (datetime(1997, 1, 1), datetime(1998, 6, 30))
    ]


def test_master_keeps_ids_as_text_and_zero_dollar_rows(master):
    # Customer ids are the file's five-digit text: 00001 .. 23570.
    assert query(master, "select min(customer_id), max(customer_id), max(length(customer_id)) "
                         "from raw.customers") == [("00001", "23570", 5)]
    # 80 rows of the file have dollar_value 0.00: orders with a zero total, not dropped.
    assert one(master, "select count(*) from raw.orders where order_total = 0") == 80
    assert one(master, "select count(*) from raw.order_items where unit_price = 0") == 80


def test_unit_price_rounding_and_zero_cds(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(
        "customer_id date number_of_cds dollar_value\n"
        " 00001 19970101  3   10.00\n"
        " 00001 19970101  0    5.00\n"
        " 00002 19970105  2    0.05\n"
    )
    warehouse = tmp_path / "w.duckdb"
    load_cdnow(path, warehouse)
    assert query(warehouse, "select order_id, quantity, unit_price from raw.order_items "
                            "order by 1") == [
        ("00001-19970101-1", 3, Decimal("3.33")),  # 10.00 / 3 = 3.333...
        ("00001-19970101-2", 0, Decimal("5.00")),  # no CDs: the whole amount
        ("00002-19970105-1", 2, Decimal("0.03")),  # 0.025 half up
    ]


def test_a_line_with_the_wrong_number_of_fields_is_an_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(" 00001 19970101  1   11.77\n 00002 19970112  1\n")
    with pytest.raises(LoadError, match=r"line 2: cannot read '00002 19970112 1'"):
        load_cdnow(path, tmp_path / "w.duckdb")


def test_a_bad_date_is_an_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(" 00001 19970101  1   11.77\n 00002 19971312  1  12.00\n")
    with pytest.raises(LoadError, match="line 2"):
        load_cdnow(path, tmp_path / "w.duckdb")


def test_an_unknown_layout_is_an_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("00001 19970101\n")
    with pytest.raises(LoadError, match="2 columns in the first data line"):
        load_cdnow(path, tmp_path / "w.duckdb")


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(LoadError, match="CDNOW file not found"):
        load_cdnow(tmp_path / "nope.txt", tmp_path / "w.duckdb")
