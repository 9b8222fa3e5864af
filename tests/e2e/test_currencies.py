"""Multi-currency revenue on a small hand-made data set, against values computed by hand.

Reporting currency SEK (the default of var reporting_currency), time zone UTC, as of
2024-02-29. Orders in SEK and EUR (and one in NOK, which has no rate at all); EUR rates on
three dates. An order converts at the latest rate of its currency on or before its order
date, exactly (no rounding before the marts round their sums to cents); a foreign order with
no such rate is quarantined as `no_exchange_rate`, its lines as `order_rejected`.

    EUR rates:   2024-01-02: 11.505      2024-01-05: 11.23456789      2024-02-01: 11.00

    order  customer  ordered_at (UTC)   amount  currency  rate used                 SEK
    z1     a4        2023-01-15 10:00    40.00  SEK       none needed              40.00
    e1     a2        2024-01-01 12:00    10.00  EUR       none before 01-02        quarantined
    s1     a1        2024-01-03 10:00   100.00  SEK                               100.00
    e3     a3        2024-01-03 15:00     2.00  EUR       11.505 (of 01-02)        23.01
    e2     a2        2024-01-04 09:00     1.00  EUR       11.505 (none on 01-04)   11.505
    e4     a2        2024-01-05 09:00    10.00  EUR       11.23456789 (same day)  112.3456789
    s2     a3        2024-01-20 10:00    50.00  NULL      = SEK                    50.00
    e5     a3        2024-02-10 10:00   100.00  EUR       11.00 (of 02-01)       1100.00
    s3     a1        2024-02-15 10:00    30.00  ' sek'    = SEK (trimmed, upper)   30.00
    n1     a1        2024-02-20 10:00   200.00  NOK       no NOK rate at all       quarantined

Then a night's delivery of late rates (EUR 2023-12-29: 11.40, EUR 2024-01-04: 11.60, NOK
2024-02-01: 0.98): e1 and n1 leave the quarantine and e2 converts anew; the incremental
build must equal a full refresh of the same raw data. Last, the same orders without an
exchange_rates table: the build works and every foreign order waits in the quarantine. Bad
rate rows, one per staging rule of exchange_rates (BAD_RATES), are quarantined with their
reason and change no conversion.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import duckdb
import pytest
from attack.support import read_table, table_differences
from conftest import WITHOUT_UNIT_TESTS, Dbt, copy_warehouse, warehouse_file

from loyalty_analytics.contract import RAW_TABLES, create_table_sql

AS_OF_DATE = "2024-02-29"
VARS = json.dumps({"as_of_date": AS_OF_DATE})

CUSTOMERS = [
    # customer_id, created_at, segment, country
    ("a1", "2023-12-01 08:00:00", "B2C", "SE"),
    ("a2", "2023-12-01 08:00:00", "B2C", "FI"),
    ("a3", "2023-12-01 08:00:00", "B2B", "DE"),
    # a4: one order in January 2023 and none since: in the base a year before the as-of
    # date, out of it at the end of February 2024 (the year's churn for the CLV).
    ("a4", "2023-01-01 08:00:00", "B2C", "SE"),
]
ORDERS = [
    # order_id, customer_id, ordered_at, status, order_total, currency, line category
    ("z1", "a4", "2023-01-15 10:00:00", "completed", "40.00", "SEK", "books"),
    ("e1", "a2", "2024-01-01 12:00:00", "completed", "10.00", "EUR", "toys"),
    ("s1", "a1", "2024-01-03 10:00:00", "completed", "100.00", "SEK", "books"),
    ("e3", "a3", "2024-01-03 15:00:00", "completed", "2.00", "EUR", "tech"),
    ("e2", "a2", "2024-01-04 09:00:00", "completed", "1.00", "EUR", "toys"),
    ("e4", "a2", "2024-01-05 09:00:00", "completed", "10.00", "EUR", "toys"),
    ("s2", "a3", "2024-01-20 10:00:00", "completed", "50.00", None, "tech"),
    ("e5", "a3", "2024-02-10 10:00:00", "completed", "100.00", "EUR", "tech"),
    ("s3", "a1", "2024-02-15 10:00:00", "completed", "30.00", " sek", "books"),
    ("n1", "a1", "2024-02-20 10:00:00", "completed", "200.00", "NOK", "books"),
]
RATES = [
    # rate_date, currency, rate_to_reporting
    ("2024-01-02", "EUR", "11.50500000"),
    ("2024-01-05", "EUR", "11.23456789"),
    ("2024-02-01", "EUR", "11.00000000"),
]
# Rows that each break one staging rule of exchange_rates: quarantined with that reason, and
# none of them changes a conversion above (the duplicate key's lower rate is the one kept).
BAD_RATES = [
    # rate_date, currency, rate_to_reporting, reason
    (None, "EUR", "12.00000000", "missing_rate_date"),
    ("2024-01-10", None, "12.00000000", "missing_currency"),
    ("2024-01-10", "EURO", "12.00000000", "invalid_currency"),
    ("2024-01-10", "DKK", None, "missing_rate"),
    ("2024-01-11", "DKK", "0.00000000", "non_positive_rate"),
    ("2024-01-02", "EUR", "11.50500000", "exact_duplicate"),  # a copy of the first rate
    ("2024-01-05", "EUR", "11.30000000", "duplicate_key"),  # 11.23456789 is lower: kept
    # a zero rate beside a good one of the same key: the good one is kept (were the lowest
    # kept, 0 would push 11.505 out and e2, e3 would wait in the quarantine)
    ("2024-01-02", "EUR", "0.00000000", "duplicate_key"),
]
LATE_RATES = [
    ("2023-12-29", "EUR", "11.40000000"),
    ("2024-01-04", "EUR", "11.60000000"),
    ("2024-02-01", "NOK", "0.98000000"),
]
COMPARED = ("stg_orders", "stg_order_items", "quarantine_orders", "quarantine_order_items",
            "stg_exchange_rates", "quarantine_exchange_rates", "dim_customers",
            "fct_customer_periods", "mart_purchases", "mart_cohorts", "mart_clv",
            "mart_retention", "mart_loyalty_kpis", "mart_data_quality")


def load_raw(warehouse, with_rates: bool = True) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists raw")
        for table in RAW_TABLES:
            con.execute(create_table_sql(table, optional=True))
        con.executemany("insert into raw.customers values (?, ?, ?, ?, ?)",
                        [(*row, row[1]) for row in CUSTOMERS])
        con.executemany(
            "insert into raw.orders (order_id, customer_id, ordered_at, status, order_total, "
            "updated_at, currency) values (?, ?, ?, ?, ?, ?, ?)",
            [(oid, cid, at, status, total, at, currency)
             for oid, cid, at, status, total, currency, _ in ORDERS])
        con.executemany("insert into raw.order_items values (?, 1, ?, ?, 1, ?)",
                        [(oid, f"p-{category}", category, total)
                         for oid, _, _, _, total, _, category in ORDERS])
        if with_rates:
            con.execute(create_table_sql("exchange_rates"))
            con.executemany("insert into raw.exchange_rates values (?, ?, ?)",
                            RATES + [row[:3] for row in BAD_RATES])


def rows(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(dbt_dirs, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("currencies")
    # One file name in four folders: one parse for the four builds (conftest.warehouse_file).
    first, night, full, no_rates = (warehouse_file(root / name)
                                    for name in ("first", "night", "full", "no_rates"))
    load_raw(first)
    Dbt(dbt_dirs, first).invoke("build", *WITHOUT_UNIT_TESTS, "--vars", VARS, "--quiet")
    # The state after the first night, kept for the tests below; then the late rates.
    copy_warehouse(first, night)
    with duckdb.connect(str(night)) as con:
        con.executemany("insert into raw.exchange_rates values (?, ?, ?)", LATE_RATES)
    Dbt(dbt_dirs, night).invoke("build", *WITHOUT_UNIT_TESTS, "--vars", VARS, "--quiet")
    copy_warehouse(night, full)
    Dbt(dbt_dirs, full).invoke("build", *WITHOUT_UNIT_TESTS, "--full-refresh", "--vars", VARS,
                               "--quiet")
    load_raw(no_rates, with_rates=False)
    Dbt(dbt_dirs, no_rates).invoke("build", *WITHOUT_UNIT_TESTS, "--vars", VARS, "--quiet")
    return {"first": first, "night": night, "full": full, "no_rates": no_rates}


def test_orders_convert_at_the_latest_rate_on_or_before_their_date(built):
    got = {row[0]: row[1:] for row in rows(
        built["first"], "select order_id, currency, original_order_total, rate_to_reporting, "
        "order_total from analytics.stg_orders")}
    assert got == {
        "z1": ("SEK", Decimal("40.00"), Decimal("1"), Decimal("40.00")),
        "s1": ("SEK", Decimal("100.00"), Decimal("1"), Decimal("100.00")),
        # 2.00 × 11.505 (the rate of 2024-01-02; none on 01-03) = 23.01
        "e3": ("EUR", Decimal("2.00"), Decimal("11.505"), Decimal("23.01")),
        # 1.00 × 11.505: no rate on 01-04, the one of 01-02 applies
        "e2": ("EUR", Decimal("1.00"), Decimal("11.505"), Decimal("11.505")),
        # 10.00 × 11.23456789 = 112.3456789, the rate of its own day, not rounded
        "e4": ("EUR", Decimal("10.00"), Decimal("11.23456789"), Decimal("112.3456789")),
        # NULL currency: the reporting currency
        "s2": ("SEK", Decimal("50.00"), Decimal("1"), Decimal("50.00")),
        # 100.00 × 11.00 (2024-02-01)
        "e5": ("EUR", Decimal("100.00"), Decimal("11"), Decimal("1100.00")),
        # ' sek' read as SEK
        "s3": ("SEK", Decimal("30.00"), Decimal("1"), Decimal("30.00")),
    }


def test_a_foreign_order_without_a_rate_is_quarantined_with_its_lines(built):
    orders = rows(built["first"], "select order_id, currency, order_total, reject_reason "
                                  "from analytics.quarantine_orders order by 1")
    # e1: EUR on 2024-01-01, before the first EUR rate (01-02); n1: NOK has no rate at all
    assert orders == [("e1", "EUR", Decimal("10.00"), "no_exchange_rate"),
                      ("n1", "NOK", Decimal("200.00"), "no_exchange_rate")]
    lines = rows(built["first"], "select order_id, reject_reason "
                                 "from analytics.quarantine_order_items order by 1")
    assert lines == [("e1", "order_rejected"), ("n1", "order_rejected")]
    staged_lines = rows(built["first"], "select count(*) from analytics.stg_order_items")
    assert staged_lines == [(8,)]  # 10 lines - the 2 of e1 and n1
    quality = rows(built["first"], "select rejected_rows from analytics.mart_data_quality "
                                   "where source_table = 'orders' "
                                   "and reject_reason = 'no_exchange_rate'")
    assert sum(count for (count,) in quality) == 2


def test_each_bad_rate_is_quarantined_with_its_reason(built):
    quarantined = rows(built["first"], "select rate_date, currency, rate_to_reporting, "
                                       "reject_reason from analytics.quarantine_exchange_rates")
    expected = [(None if day is None else dt.date.fromisoformat(day), currency,
                 None if rate is None else Decimal(rate), reason)
                for day, currency, rate, reason in BAD_RATES]
    assert sorted(quarantined, key=str) == sorted(expected, key=str)
    staged = rows(built["first"], "select rate_date, currency, rate_to_reporting "
                                  "from analytics.stg_exchange_rates order by 1")
    # the three good rates, each once
    assert staged == [(dt.date.fromisoformat(day), currency, Decimal(rate))
                      for day, currency, rate in RATES]


def test_mart_revenue_is_in_the_reporting_currency(built):
    got = {(grain, start.isoformat()): (orders, revenue) for grain, start, orders, revenue in rows(
        built["first"], "select period_grain, period_start, orders, revenue "
        "from analytics.mart_purchases where segment = 'all' "
        "and period_start >= '2024-01-01'")}
    # January: s1 100 + e3 23.01 + e2 11.505 + e4 112.3456789 + s2 50 = 296.8606789 → 296.86
    # (rounded per order it would be 100 + 23.01 + 11.51 + 112.35 + 50 = 296.87)
    assert got[("month", "2024-01-01")] == (5, Decimal("296.86"))
    # February: e5 1100 + s3 30 = 1130 (n1 is quarantined)
    assert got[("month", "2024-02-01")] == (2, Decimal("1130.00"))
    # 2024 so far: 296.8606789 + 1130 = 1426.8606789 → 1426.86
    assert got[("year", "2024-01-01")] == (7, Decimal("1426.86"))


def test_lifetime_revenue_and_clv(built):
    lifetime = dict(rows(built["first"], "select customer_id, lifetime_revenue "
                                         "from analytics.dim_customers"))
    assert lifetime == {
        "a1": Decimal("130.00"),  # s1 100 + s3 30 (n1 quarantined)
        "a2": Decimal("123.85"),  # e2 11.505 + e4 112.3456789 = 123.8506789 (e1 quarantined)
        "a3": Decimal("1173.01"),  # e3 23.01 + s2 50 + e5 1100
        "a4": Decimal("40.00"),  # z1
    }
    clv = rows(built["first"], "select orders_365d, revenue_365d, customer_value, "
                               "annual_churn_rate, clv from analytics.mart_clv "
                               "where period_grain = 'month' and period_start = '2024-02-01' "
                               "and segment = 'all'")
    orders, revenue, customer_value, churn, value = clv[0]
    # The year to 2024-02-29 (from 2023-03-02): s1, e3, e2, e4, s2, e5, s3 = 7 orders of
    # a1, a2, a3; 1426.8606789 SEK
    assert (orders, revenue) == (7, Decimal("1426.86"))
    # customer_value = revenue / customers = 1426.8606789 / 3 = 475.6202263
    assert customer_value == pytest.approx(475.6202263)
    # S = {a4} (z1 of 2023-01-15 is within 365 days of 2023-03-01), out of the base by
    # 2024-02-29: annual churn 1/1, lifespan 1 year, margin 1.0: clv = 475.6202263
    assert churn == pytest.approx(1.0)
    assert value == pytest.approx(475.6202263)


def test_late_rates_convert_old_orders_and_release_the_quarantine(built):
    lifetime = dict(rows(built["night"], "select customer_id, lifetime_revenue "
                                         "from analytics.dim_customers"))
    # a1: 100 + 30 + n1 200 NOK × 0.98 = 196 → 326.00
    # a2: e1 10 × 11.40 (2023-12-29) = 114 + e2 1 × 11.60 (its own day now) = 11.60
    #     + e4 112.3456789 = 237.9456789 → 237.95
    # a3: e3 (2024-01-03) still at 11.505: 23.01 + 50 + 1100 = 1173.01
    assert lifetime == {"a1": Decimal("326.00"), "a2": Decimal("237.95"),
                        "a3": Decimal("1173.01"), "a4": Decimal("40.00")}
    assert rows(built["night"], "select count(*) from analytics.quarantine_orders") == [(0,)]
    assert rows(built["night"], "select count(*) from analytics.quarantine_order_items") == [
        (0,)]
    january = rows(built["night"], "select orders, revenue from analytics.mart_purchases "
                                   "where period_grain = 'month' and segment = 'all' "
                                   "and period_start = '2024-01-01'")
    # e1 114 + s1 100 + e3 23.01 + e2 11.60 + e4 112.3456789 + s2 50 = 410.9556789 → 410.96
    assert january == [(6, Decimal("410.96"))]
    # The night was incremental: a4, whose orders no rate touches, kept the first night's
    # row, and a2's was rewritten (through the late rates alone: no order of a2 changed).
    stamps = dict(rows(built["night"], "select customer_id, _loaded_at "
                                       "from analytics.dim_customers"))
    assert stamps["a4"] < stamps["a2"]


@pytest.mark.parametrize("relation", COMPARED)
def test_the_night_after_late_rates_equals_a_full_refresh(built, relation):
    # a quarantine is rebuilt on every run: its quarantined_at is the run's time
    want = read_table(built["full"], f"analytics.{relation}", skip=("quarantined_at",))
    got = read_table(built["night"], f"analytics.{relation}", skip=("quarantined_at",))
    # the quarantine (and so the data-quality mart) is empty once every rate is in
    assert want.rows or relation.startswith(("quarantine_", "mart_data_quality")), relation
    assert table_differences(want, got) == []


def test_without_an_exchange_rates_table_foreign_orders_wait(built):
    quarantined = rows(built["no_rates"], "select order_id from analytics.quarantine_orders "
                                          "where reject_reason = 'no_exchange_rate' order by 1")
    # every EUR and NOK order: e1, e2, e3, e4, e5, n1
    assert [order_id for (order_id,) in quarantined] == ["e1", "e2", "e3", "e4", "e5", "n1"]
    lifetime = dict(rows(built["no_rates"], "select customer_id, lifetime_revenue "
                                            "from analytics.dim_customers"))
    # a1: s1 100 + s3 30; a3: s2 50; a4: z1 40; a2 has no staged order (a customers row
    # only): 0
    assert lifetime == {"a1": Decimal("130.00"), "a2": Decimal("0.00"),
                        "a3": Decimal("50.00"), "a4": Decimal("40.00")}

