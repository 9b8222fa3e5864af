"""A raw table or column missing: `dbt build` stops at its start (the on-run-start check of
macros/utils/check_raw_contract.sql), before any model, with a message that names what is
missing and points at the data contract."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from attack.support import write_raw

AT = dt.datetime(2024, 5, 10, 12, 0, 0)
ONE_ORDER = {
    "customers": [("c1", AT, "B2C", "SE")],
    "orders": [("o1", "c1", AT, "completed", Decimal("10.00"), AT)],
    "order_items": [("o1", 1, "p1", "books", 1, Decimal("10.00"))],
}


@pytest.mark.parametrize(("breakage", "named"), [
    ("drop table raw.engagement_events", "table raw.engagement_events is missing"),
    ("alter table raw.orders drop column updated_at", "column raw.orders.updated_at is missing"),
    ("alter table raw.customers rename column segment to customer_segment",
     "column raw.customers.segment is missing"),
], ids=["missing_table", "missing_column", "renamed_column"])
def test_build_fails_fast_naming_what_is_missing_and_the_contract(dbt, breakage, named):
    write_raw(dbt.warehouse, ONE_ORDER)
    with duckdb.connect(str(dbt.warehouse)) as con:
        con.execute(breakage)
    result = dbt.invoke("build", "--quiet", expect_success=False)
    assert not result.success
    message = str(result.exception)
    assert named in message
    assert "data contract" in message
    # the project's own page of the data contract, which lists the tables and columns
    assert 'docs/data-contract.md' in message
    # Fast: stopped before the first model, so nothing was created besides the raw tables.
    built = dbt.query("select table_schema, table_name from information_schema.tables "
                      "where table_schema not in ('raw', 'main')")
    assert built == []
