"""raw_columns (macros/utils/raw_columns.sql): the columns of a raw table are asked of the
warehouse once per invocation, however many models and macros ask (orders_have_currency in
every change set, the type of each raw timestamp), and asked again by the next invocation."""

from __future__ import annotations

import duckdb
from conftest import Dbt

# Asks, adds the optional currency column in the same invocation, asks again.
ASK_ADD_ASK = (
    "{%- set before = orders_have_currency() -%}"
    "{%- if execute -%}"
    "{%- do run_query('alter table raw.orders add column if not exists currency varchar') -%}"
    "{%- endif -%}"
    "select '{{ before }}' as before, '{{ orders_have_currency() }}' as after, "
    "'{{ raw_column_type(source(\"raw\", \"orders\"), \"ORDERED_AT\") }}' as ordered_at_type"
)


def test_the_raw_columns_are_asked_once_per_invocation(dbt_dirs, tmp_path):
    # warehouse.duckdb: the database name of the macro tests' parse, which this one reuses
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.orders (order_id varchar, ordered_at timestamptz)")
    dbt = Dbt(dbt_dirs, warehouse)
    # the column added within the invocation is not seen: it asked once, before
    assert dbt.show(ASK_ADD_ASK) == [
        {"before": "False", "after": "False", "ordered_at_type": "timestamp with time zone"}]
    # (dbt show commits nothing: the column is gone with its transaction.) Added by a load
    # between two invocations, the next one sees it.
    assert dbt.show("select '{{ orders_have_currency() }}' as now") == [{"now": "False"}]
    dbt.query("alter table raw.orders add column currency varchar")
    assert dbt.show("select '{{ orders_have_currency() }}' as now") == [{"now": "True"}]
