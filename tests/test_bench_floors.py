"""The two floors of `make bench` that are scripts of their own: bench/dbt_floor.py (a project
of as many trivial models as ours) and bench/floor_write_raw.py (the raw tables written again).
Both are lower bounds the bench reports beside the project, so each must count and copy
exactly what it says."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dbt_floor = load("dbt_floor")


def node(name: str, materialized: str, *, resource_type: str = "model", language: str = "sql",
         enabled: bool = True) -> tuple[str, dict]:
    unique_id = f"{resource_type}.p.{name}"
    return unique_id, {"unique_id": unique_id, "resource_type": resource_type,
                       "language": language,
                       "config": {"materialized": materialized, "enabled": enabled}}


def test_models_are_counted_per_materialization_as_dbt_runs_them(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": dict([
        node("a", "table"),
        node("b", "table", language="python"),  # a Python model is a table
        node("c", "incremental"),
        node("d", "incremental"),
        node("e", "incremental"),
        node("f", "view"),
        node("g", "ephemeral"),  # runs inside its readers: no node of its own
        node("h", "table", enabled=False),
        node("t", "test", resource_type="test"),
        node("s", "seed", resource_type="seed"),
    ])}))
    assert dbt_floor.counts(manifest) == Counter({"table": 2, "incremental": 3, "view": 1})


def test_a_materialization_without_a_trivial_model_stops_the_floor(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": dict([node("m", "materialized_view")])}))
    with pytest.raises(SystemExit, match="model.p.m: materialization 'materialized_view'"):
        dbt_floor.counts(manifest)


def test_the_floor_project_has_the_counted_models_and_no_others(tmp_path):
    dbt_floor.write_project(tmp_path, Counter({"table": 2, "incremental": 3, "view": 1}))
    dbt_floor.write_project(tmp_path, Counter({"table": 1, "view": 2}))  # made again: no leftovers
    models = sorted(p.name for p in (tmp_path / "models").glob("*.sql"))
    assert models == ["table_001.sql", "view_001.sql", "view_002.sql"]
    assert "materialized='view'" in (tmp_path / "models" / "view_002.sql").read_text()
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
