"""The Postgres loader copies raw tables value for value: NULL stays NULL, an empty string
stays empty, and text that looks like COPY syntax stays text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from loyalty_analytics.contract import RAW_TABLES, create_table_sql

pytestmark = pytest.mark.engines

TRICKY_TEXT = [None, "", "\\N", "NULL", 'say "hi"', "a,b", "line\nbreak", " padded ", "Åsa"]


def test_load_from_duckdb_round_trips_every_value(tmp_path):
    postgres = pytest.importorskip("loyalty_analytics.postgres")
    import psycopg2

    warehouse = tmp_path / "raw_data.duckdb"
    customers = [(f"c{n}", dt.datetime(2024, 2, 29, 23, 59, 59), text, text)
                 for n, text in enumerate(TRICKY_TEXT)]
    orders = [("o1", "c1", dt.datetime(2024, 1, 1, 0, 0, 0), "completed", Decimal("12.34"),
               None),
              ("o2", None, None, None, Decimal("-9999999999999999.99"),
               dt.datetime(1990, 1, 1))]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        for table in RAW_TABLES:
            con.execute(create_table_sql(table))
        con.executemany("insert into raw.customers values (?, ?, ?, ?, ?)",
                        [(*row, row[1]) for row in customers])
        con.executemany("insert into raw.orders values (?, ?, ?, ?, ?, ?)", orders)

    with postgres.throwaway_server() as server:
        counts = postgres.load_from_duckdb(warehouse, server.connect_kwargs())
        con = psycopg2.connect(**server.connect_kwargs())
        try:
            with con.cursor() as cur:
                cur.execute("select * from raw.customers order by customer_id")
                loaded_customers = cur.fetchall()
                cur.execute("select * from raw.orders order by order_id")
                loaded_orders = cur.fetchall()
                cur.execute("select data_type from information_schema.columns "
                            "where table_schema = 'raw' and table_name = 'orders' "
                            "order by ordinal_position")
                order_types = [row[0] for row in cur.fetchall()]
        finally:
            con.close()

    assert counts == {"customers": len(customers), "orders": 2, "order_items": 0,
                      "survey_responses": 0, "engagement_events": 0,
                      "loyalty_memberships": 0, "loyalty_points": 0}
    assert loaded_customers == sorted((*row, row[1]) for row in customers)
    assert loaded_orders == orders
    assert order_types == ["text", "text", "timestamp without time zone", "text", "numeric",
                           "timestamp without time zone"]
