"""loyalty_analytics.relations: the Python models' results as DuckDB relations, without
pandas in dbt's process."""

from __future__ import annotations

import datetime
import math
import subprocess
import sys

import duckdb
import numpy as np
import pytest

from loyalty_analytics import relations


@pytest.fixture()
def con():
    with duckdb.connect() as connection:
        yield connection


def test_float_columns_read_integers_and_floats_with_nulls_as_nan(con):
    # Rows i = 0..9: f = i (bigint), m = i * 1.5 or NULL when i is a multiple of 3 (double),
    # k = i (integer).
    table = con.sql(
        "select i::bigint as f, case when i % 3 = 0 then null else i * 1.5 end::double as m,"
        " i::integer as k from range(10) t(i)").to_arrow_table()
    columns = relations.float_columns(table, ["f", "m", "k"])
    assert columns["f"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    assert columns["k"].dtype == np.float64
    # m: NULL at 0, 3, 6, 9; 1.5, 3.0, 6.0, 7.5, 10.5, 12.0 between.
    m = columns["m"]
    assert [i for i in range(10) if math.isnan(m[i])] == [0, 3, 6, 9]
    assert m[[1, 2, 4, 5, 7, 8]].tolist() == [1.5, 3.0, 6.0, 7.5, 10.5, 12.0]


def test_float_columns_respect_a_slice_offset(con):
    # A slice starts inside the buffers: rows 5..8 of f = i and of m (NULL at 6).
    table = con.sql(
        "select i::bigint as f, case when i % 3 = 0 then null else i * 1.5 end::double as m"
        " from range(10) t(i)").to_arrow_table().slice(5, 4)
    columns = relations.float_columns(table, ["f", "m"])
    assert columns["f"].tolist() == [5.0, 6.0, 7.0, 8.0]
    # m at 5, 6, 7, 8: 7.5, NULL, 10.5, 12.0
    assert math.isnan(columns["m"][1])
    assert columns["m"][[0, 2, 3]].tolist() == [7.5, 10.5, 12.0]


def test_float_columns_stop_on_a_type_they_do_not_read(con):
    table = con.sql("select 1.5 as d, 'x' as s").to_arrow_table()  # 1.5: a decimal
    with pytest.raises(TypeError, match="column 'd' is decimal"):
        relations.float_columns(table, ["d"])
    with pytest.raises(TypeError, match="column 's'"):
        relations.float_columns(table, ["s"])


def test_numeric_relation_keeps_the_key_and_reads_nan_as_null(con):
    ids = con.sql("select 'c' || i::varchar as customer_id from range(3) t(i) order by 1"
                  ).to_arrow_table().column("customer_id")
    relation = relations.numeric_relation(
        con, "customer_id", ids, {"x": [0.5, float("nan"), float("inf")], "y": [1, 2, 3]})
    assert relation.columns == ["customer_id", "x", "y"]
    assert [str(t) for t in relation.types] == ["VARCHAR", "DOUBLE", "DOUBLE"]
    # NaN -> NULL; infinity stays (as pandas' missing values and pyarrow's from_pandas).
    assert relation.order("customer_id").fetchall() == [
        ("c0", 0.5, 1.0), ("c1", None, 2.0), ("c2", math.inf, 3.0)]


def test_numeric_relation_stops_on_a_length_that_differs_from_the_keys(con):
    ids = con.sql("select 'a' as customer_id").to_arrow_table().column("customer_id")
    with pytest.raises(ValueError, match="column 'x'"):
        relations.numeric_relation(con, "customer_id", ids, {"x": [1.0, 2.0]})


def test_rows_relation_casts_each_column_and_reads_nan_as_null(con):
    columns = {"name": "varchar", "value": "double", "day": "date", "n": "bigint",
               "ok": "boolean"}
    relation = relations.rows_relation(con, columns, [
        {"name": "a", "value": float("nan"), "day": datetime.date(2024, 2, 29),
         "n": np.int64(3), "ok": np.bool_(True)},
        {"name": None, "value": np.float64(2.5), "day": None, "n": None, "ok": False},
    ])
    assert [str(t) for t in relation.types] == ["VARCHAR", "DOUBLE", "DATE", "BIGINT",
                                                "BOOLEAN"]
    assert relation.fetchall() == [("a", None, datetime.date(2024, 2, 29), 3, True),
                                   (None, 2.5, None, None, False)]


def test_rows_relation_of_no_rows_has_the_columns(con):
    relation = relations.rows_relation(con, {"name": "varchar", "value": "double"}, [])
    assert relation.columns == ["name", "value"]
    assert [str(t) for t in relation.types] == ["VARCHAR", "DOUBLE"]
    assert relation.fetchall() == []


def test_nothing_here_imports_pandas_or_pyarrow_compute():
    """The point of the module: in a fresh interpreter, the three helpers leave pandas and
    pyarrow.compute unimported (pyarrow.array or to_numpy would import both)."""
    script = """
import sys, duckdb
from loyalty_analytics import relations
con = duckdb.connect()
table = con.sql("select 'c' || i::varchar as id, i::bigint as f from range(5) t(i)")
table = table.to_arrow_table()
columns = relations.float_columns(table, ["f"])
relations.numeric_relation(con, "id", table.column("id"), {"g": columns["f"] * 2}).fetchall()
relations.rows_relation(con, {"a": "double"}, [{"a": 1.0}]).fetchall()
con.register("result", relations.numeric_relation(con, "id", table.column("id"), columns))
con.execute("create table written as select * from result")
print(sorted(m for m in ("pandas", "pyarrow.compute", "pyarrow.dataset") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
