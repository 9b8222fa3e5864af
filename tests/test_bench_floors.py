"""The two floors of `make bench` that are scripts of their own: bench/dbt_floor.py (our
models, trivial, in our dependency order) and bench/floor_write_raw.py (the raw tables
written again). Both are lower bounds the bench reports beside the project, so each must
plan and copy exactly what it says."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, load_bench

BENCH = PROJECT_DIR / "bench"
dbt_floor = load_bench("dbt_floor")


def node(name: str, materialized: str, parents: tuple[str, ...] = (), *,
         resource_type: str = "model", language: str = "sql", enabled: bool = True,
         package: str = "p") -> tuple[str, dict]:
    unique_id = f"{resource_type}.{package}.{name}"
    return unique_id, {"unique_id": unique_id, "name": name, "resource_type": resource_type,
                       "package_name": package, "language": language,
                       "depends_on": {"nodes": [f"model.p.{p}" if "." not in p else p
                                                for p in parents]},
                       "config": {"materialized": materialized, "enabled": enabled}}


def manifest(*nodes) -> dict:
    return {"metadata": {"project_name": "p"}, "nodes": dict(nodes)}


def test_the_floor_has_the_projects_models_and_their_dependencies():
    models = dbt_floor.plan(manifest(
        node("a", "table", ("seed.p.s", "source.p.raw.orders")),  # no seeds, no sources
        node("b", "table", ("a",), language="python"),  # a Python model is a table
        node("e", "ephemeral", ("a", "b")),  # runs inside its readers
        node("f", "ephemeral", ("e",)),
        node("c", "incremental", ("f",)),  # reads a and b through two ephemeral models
        node("d", "incremental", ("c", "a")),
        node("v", "view", ("d",)),
        node("off", "table", ("a",), enabled=False),
        node("other", "table", package="q"),  # another package's model
        node("t", "test", ("a",), resource_type="test"),
        node("s", "seed", resource_type="seed"),
    ))
    assert {m.name: (m.materialized, m.parents) for m in models} == {
        "a": ("table", ()),
        "b": ("table", ("a",)),
        "c": ("incremental", ("a", "b")),
        "d": ("incremental", ("a", "c")),
        "v": ("view", ("d",)),
    }
    assert dbt_floor.counts(models) == Counter({"table": 2, "incremental": 2, "view": 1})


def test_a_materialization_without_a_trivial_model_stops_the_floor():
    with pytest.raises(SystemExit, match="model.p.m: materialization 'materialized_view'"):
        dbt_floor.plan(manifest(node("m", "materialized_view")))


def test_the_floor_project_has_the_planned_models_and_no_others(tmp_path):
    first = [dbt_floor.Model("a", "table", ()), dbt_floor.Model("gone", "view", ())]
    dbt_floor.write_project(tmp_path, first)
    models = [dbt_floor.Model("a", "table", ()),
              dbt_floor.Model("b", "incremental", ("a",))]
    dbt_floor.write_project(tmp_path, models)  # made again: no leftovers
    assert sorted(p.name for p in (tmp_path / "models").glob("*.sql")) == ["a.sql", "b.sql"]
    b = (tmp_path / "models" / "b.sql").read_text()
    assert "materialized='incremental'" in b
    assert "-- depends_on: {{ ref('a') }}" in b
    assert "is_incremental()" in b
    assert f'path: "{(tmp_path / "floor.duckdb").resolve()}"' in (
        tmp_path / "profiles.yml").read_text()
    assert "profile: floor" in (tmp_path / "dbt_project.yml").read_text()


def write_raw(folder: Path, tables: dict[str, int]) -> Path:
    warehouse = folder / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create schema other")
        con.execute("create table other.not_raw as select 1 as x")
        for name, rows in tables.items():
            con.execute(f"create table raw.{name} as select range as id, 'x' || range as v "
                        f"from range({rows})")
    return warehouse


def test_every_raw_table_is_written_again_row_for_row(tmp_path):
    warehouse = write_raw(tmp_path, {"orders": 3, "order_items": 5, "customers": 0})
    out = tmp_path / "write.csv"
    subprocess.run([sys.executable, str(BENCH / "floor_write_raw.py"), "--warehouse",
                    str(warehouse), "--out", str(out)], check=True, capture_output=True)
    with out.open(newline="") as handle:
        written = {row["table_name"]: int(row["rows"]) for row in csv.DictReader(handle)}
    assert written == {"customers": 0, "order_items": 5, "orders": 3}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        copies = con.execute("select table_name from duckdb_tables() "
                             "where schema_name = 'floor_copy' order by 1").fetchall()
        assert copies == [("customers",), ("order_items",), ("orders",)]  # not other.not_raw
        assert con.execute("select * from raw.order_items except all "
                           "select * from floor_copy.order_items").fetchall() == []


def test_a_warehouse_without_raw_tables_is_an_error(tmp_path):
    warehouse = write_raw(tmp_path, {})
    done = subprocess.run([sys.executable, str(BENCH / "floor_write_raw.py"), "--warehouse",
                           str(warehouse), "--out", str(tmp_path / "write.csv")],
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "no tables in the schema raw" in done.stderr
