"""The project's table and view materializations on DuckDB (macros/materializations/).

They replace dbt-duckdb's for this project, in fewer statements. Each test builds a tiny dbt
project holding the two files and a few models, on its own DuckDB file, and checks what the
adapter's materializations promise: the new rows replace the old, a model may read its own
previous table, a relation of the other type is replaced, an enforced contract still stops a
model with the wrong column types and leaves the old table as it was, hooks run, and nothing
is left behind under a temporary name.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

PROJECT = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def copy_materializations(root: Path) -> None:
    """The project's two materialization files into the dbt project at ``root``."""
    folder = root / "macros" / "materializations"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("table.sql", "view.sql"):
        shutil.copyfile(PROJECT / "macros" / "materializations" / name, folder / name)


@pytest.fixture()
def tiny(tmp_path):
    """A dbt project with the project's two materializations and a runner for it."""
    root = tmp_path / "tiny"
    copy_materializations(root)
    # named as the project: the materializations call their shared end by the package's name
    write(root / "dbt_project.yml", """
        name: loyalty_analytics
        version: "1.0"
        profile: tiny
        """)
    write(root / "profiles.yml", f"""
        tiny:
          target: duckdb
          outputs:
            duckdb:
              type: duckdb
              path: "{tmp_path / 'tiny.duckdb'}"
              schema: main
              threads: 1
        """)

    def run(*args: str, expect_success: bool = True):
        result = dbtRunner().invoke(
            [*args, "--project-dir", str(root), "--profiles-dir", str(root),
             "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
             "--no-partial-parse", "--quiet"])
        assert result.success is expect_success, result.exception or result.result
        return result

    def query(sql: str):
        with duckdb.connect(str(tmp_path / "tiny.duckdb")) as con:
            return con.sql(sql).fetchall()

    return root, run, query


def relations(query) -> list[tuple[str, str]]:
    return query("select table_name, table_type from information_schema.tables "
                 "order by table_name")


def test_the_project_uses_its_own_materializations_on_duckdb(tiny):
    root, run, _ = tiny
    write(root / "models" / "t.sql", "{{ config(materialized='table') }} select 1 as id")
    result = run("parse")
    macros = result.result.macros
    for kind in ("table", "view"):
        macro = macros[f"macro.loyalty_analytics.materialization_{kind}_duckdb"]
        assert macro.original_file_path == f"macros/materializations/{kind}.sql"


def test_tables_and_views_are_replaced_and_nothing_is_left_behind(tiny):
    root, run, query = tiny
    write(root / "models" / "t.sql", "{{ config(materialized='table') }} select 1 as id")
    write(root / "models" / "v.sql",
          "{{ config(materialized='view') }} select id * 10 as id from {{ ref('t') }}")
    run("run")
    assert query("select id from v") == [(10,)]
    write(root / "models" / "t.sql",
          "{{ config(materialized='table') }} select 2 as id union all select 3")
    write(root / "models" / "v.sql",
          "{{ config(materialized='view') }} select id * 100 as id from {{ ref('t') }}")
    run("run")
    assert query("select id from t order by id") == [(2,), (3,)]
    assert query("select id from v order by id") == [(200,), (300,)]
    assert relations(query) == [("t", "BASE TABLE"), ("v", "VIEW")]


def test_a_relation_of_the_other_type_is_replaced(tiny):
    root, run, query = tiny
    write(root / "models" / "m.sql", "{{ config(materialized='view') }} select 1 as id")
    run("run")
    write(root / "models" / "m.sql", "{{ config(materialized='table') }} select 2 as id")
    run("run")
    assert relations(query) == [("m", "BASE TABLE")]
    write(root / "models" / "m.sql", "{{ config(materialized='view') }} select 3 as id")
    run("run")
    assert relations(query) == [("m", "VIEW")]
    assert query("select id from m") == [(3,)]


def test_a_table_may_read_its_previous_self(tiny):
    # The new table is built beside the old one, as dbt-duckdb's materialization does: the
    # BTYD fit reads its previous parameters this way.
    root, run, query = tiny
    write(root / "models" / "counter.sql", """
        {{ config(materialized='table') }}
        {% set previous = adapter.get_relation(this.database, this.schema, this.identifier) %}
        {% if previous is none %}
        select 1 as runs
        {% else %}
        select runs + 1 as runs from {{ previous }}
        {% endif %}
        """)
    for _ in range(3):
        run("run")
    assert query("select runs from counter") == [(3,)]


def test_hooks_run_inside_and_outside_the_transaction(tiny):
    root, run, query = tiny
    write(root / "models" / "log.sql", "{{ config(materialized='table') }} select 1 as id")
    write(root / "models" / "t.sql", """
        {{ config(materialized='table',
                  pre_hook=["insert into {{ ref('log') }} values (10)",
                            {'sql': "insert into {{ ref('log') }} values (11)",
                             'transaction': false}],
                  post_hook=["insert into {{ ref('log') }} select count(*) + 20 from {{ this }}",
                             {'sql': "insert into {{ ref('log') }} values (21)",
                              'transaction': false}]) }}
        select 1 as id union all select 2
        """)
    run("run")
    assert query("select id from log order by id") == [(1,), (10,), (11,), (21,), (22,)]


def test_an_enforced_contract_stops_the_model_and_keeps_the_old_table(tiny):
    root, run, query = tiny
    write(root / "models" / "c.sql", "{{ config(materialized='table') }} select 1 as id")
    write(root / "models" / "c.yml", """
        models:
          - name: c
            config:
              contract: {enforced: true}
            columns:
              - name: id
                data_type: integer
        """)
    run("run")
    assert query("select id from c") == [(1,)]
    write(root / "models" / "c.sql", "{{ config(materialized='table') }} select 'x' as id")
    result = run("run", expect_success=False)
    message = str(result.result.results[0].message)
    assert "contract" in message.lower() and "id" in message
    assert query("select id from c") == [(1,)]
    assert relations(query) == [("c", "BASE TABLE")]


def test_a_failed_table_keeps_the_old_one_and_a_left_over_build_is_dropped(tiny):
    root, run, query = tiny
    write(root / "models" / "t.sql", "{{ config(materialized='table') }} select 1 as id")
    run("run")
    # A run that stopped half-way left its build behind; the next run replaces it.
    with duckdb.connect(str(root.parent / "tiny.duckdb")) as con:
        con.execute("create table t__dbt_tmp as select 99 as id")
    write(root / "models" / "t.sql",
          "{{ config(materialized='table') }} select 1 / 0 as id from range(1) where error('no')")
    run("run", expect_success=False)
    assert query("select id from t") == [(1,)]
    write(root / "models" / "t.sql", "{{ config(materialized='table') }} select 2 as id")
    run("run")
    assert query("select id from t") == [(2,)]
    assert relations(query) == [("t", "BASE TABLE")]


def opt_in_macro() -> str:
    """The macro docs/warehouse.md ("As a package") gives a host project to opt in."""
    text = (PROJECT / "docs" / "warehouse.md").read_text()
    start = text.index("`{% materialization table, adapter='duckdb'")
    return text[start + 1:text.index("`", start + 1)]


@pytest.mark.parametrize("opted_in", [False, True])
def test_a_host_project_keeps_the_adapters_materialization_unless_it_opts_in(tmp_path, opted_in):
    # dbt takes a built-in materialization's override from the root project only. The two can
    # be told apart inside the transaction: dbt-duckdb has renamed the old table to
    # `<model>__dbt_backup` by then, the project's has dropped it.
    package, host = tmp_path / "loyalty_analytics", tmp_path / "host"
    copy_materializations(package)
    write(package / "dbt_project.yml", 'name: loyalty_analytics\nversion: "1.0"\n')
    write(host / "dbt_project.yml", 'name: host\nversion: "1.0"\nprofile: host\n')
    write(host / "packages.yml", f"packages:\n  - local: {package}\n")
    write(host / "profiles.yml", f"""
        host:
          target: duckdb
          outputs:
            duckdb:
              type: duckdb
              path: "{tmp_path / 'host.duckdb'}"
              schema: main
              threads: 1
        """)
    if opted_in:
        table_macro = opt_in_macro()
        # "and the same for view": a view has no Python models
        view_macro = table_macro.replace("table", "view").replace(
            ", supported_languages=['sql', 'python']", "")
        write(host / "macros" / "opt_in.sql", table_macro + "\n" + view_macro + "\n")
    write(host / "models" / "v.sql", "{{ config(materialized='view') }} select 1 as id")
    write(host / "models" / "seen.sql", "{{ config(materialized='table') }} select 0 as backups")
    write(host / "models" / "t.sql", """
        {{ config(materialized='table', post_hook="insert into {{ ref('seen') }}
            select count(*) from information_schema.tables
            where table_name = '{{ this.identifier }}__dbt_backup'") }}
        select 1 as id
        """)
    common = ["--project-dir", str(host), "--profiles-dir", str(host), "--log-path",
              str(tmp_path / "logs"), "--quiet"]
    assert dbtRunner().invoke(["deps", *common]).success
    for args in (["run", "-s", "seen"], ["run", "-s", "t", "v"], ["run", "-s", "t", "v"]):
        result = dbtRunner().invoke([*args, *common, "--target-path", str(tmp_path / "target")])
        assert result.success, result.exception or result.result
    with duckdb.connect(str(tmp_path / "host.duckdb")) as con:
        seen = [row[0] for row in con.sql("select backups from seen order by 1").fetchall()]
    # the first run of t has no old table to move away; the second shows whose it was
    assert seen == ([0, 0, 0] if opted_in else [0, 0, 1])
