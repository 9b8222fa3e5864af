"""Two nightly deliveries on PostgreSQL: each incremental `dbt build` equals a full refresh.

The feed of tests/incremental/test_deliveries.py with a fixed seed: a history, then a first
night (new days from the 1st of a month, the first B2B customer and the first buyer missing
from `customers`, late order lines, order and customer corrections, an invalid latest version,
rows months old, bad rows, exact copies) and a second (the latest month's orders cancelled, so
the as-of date moves back across the month boundary; a late customers row). One database gets
the deliveries one by one with an incremental `dbt build`; a second database, loaded with the
same raw rows, runs `dbt build --full-refresh` of the models and the seed. Every table of the
analytics schema must hold the same rows in both (floats to 1e-9), but the write stamps.

Marked `engines`: `make test-postgres` runs it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random

import pytest
from attack.support import write_raw
from conftest import WITHOUT_UNIT_TESTS
from incremental.test_deliveries import DELIVERY_KINDS, FIRST_NIGHT, LAST_NIGHT, STAMPS, Feed

from .test_cross_engine import _restore, dbt_invoke

pytestmark = pytest.mark.engines

NIGHTS = [
    [*FIRST_NIGHT, "late_order_lines", "order_corrections", "invalid_latest_version",
     "customer_corrections", "months_old_rows", "bad_rows", "program_changes", "exact_copies"],
    [*LAST_NIGHT, "late_order_lines", "program_changes", "exact_copies"],
]
DATABASES = ("incremental", "full_refresh")
# The unit tests ran on Postgres in test_cross_engine's build; they read fixtures, not the
# deliveries.
BUILD = ("build", *WITHOUT_UNIT_TESTS)
# The full refresh builds the models and the seed only (its database is new, so the seed too;
# tests/incremental/test_deliveries.py's full refresh runs the models alone on a copy that
# has it): its tables must equal the incremental database's, whose build ran every data test
# on the same rows (the data tests read the tables, not how they were written). About 220
# data tests less in each of the two.
FULL_REFRESH = ("build", "--full-refresh", "--resource-type", "model", "--resource-type", "seed")


def tables(con) -> dict[str, list[tuple]]:
    """Every table of schema analytics (but the run state) as sorted rows without stamps."""
    with con.cursor() as cur:
        cur.execute("select table_name from information_schema.tables "
                    "where table_schema = 'analytics' and table_type = 'BASE TABLE' "
                    "and table_name != 'loyalty_run_state' order by 1")
        names = [row[0] for row in cur.fetchall()]
        found = {}
        for name in names:
            cur.execute(f"select * from analytics.{name}")
            keep = [i for i, d in enumerate(cur.description) if d.name not in STAMPS]
            rows = [tuple(_comparable(row[i]) for i in keep) for row in cur.fetchall()]
            found[name] = sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))
    return found


def _comparable(value):
    """Floats to 9 significant digits (the tolerance of the DuckDB comparisons)."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return float(f"{value:.9g}")
    return value


def test_two_deliveries_on_postgres_equal_a_full_refresh(tmp_path):
    postgres = pytest.importorskip("loyalty_analytics.postgres")
    import psycopg2

    assert sorted({kind for night in NIGHTS for kind in night}) == sorted(DELIVERY_KINDS)
    feed = Feed(random.Random(20261203), dt.date(2024, 1, 1), customers=20)
    feed.history(days=300)
    raw = tmp_path / "feed.duckdb"  # not raw.duckdb: its catalog would shadow schema raw
    saved = {key: os.environ.get(key) for key in
             ("DBT_POSTGRES_HOST", "DBT_POSTGRES_PORT", "DBT_POSTGRES_USER",
              "DBT_POSTGRES_PASSWORD", "DBT_POSTGRES_DBNAME")}
    try:
        with postgres.throwaway_server() as server:
            admin = psycopg2.connect(**server.connect_kwargs(dbname="postgres"))
            admin.autocommit = True
            with admin.cursor() as cur:
                for name in DATABASES:
                    cur.execute(f'create database "{name}" owner "{server.user}"')
            admin.close()

            def load_and_run(name: str, *args: str) -> None:
                write_raw(raw, feed.tables)
                postgres.load_from_duckdb(raw, server.connect_kwargs(dbname=name))
                os.environ.update({**server.dbt_env(), "DBT_POSTGRES_DBNAME": name})
                (tmp_path / name).mkdir(exist_ok=True)
                dbt_invoke(tmp_path / name, *args, target="postgres")

            load_and_run("incremental", *BUILD)
            for night, kinds in enumerate(NIGHTS, start=1):
                for kind in kinds:
                    getattr(feed, kind)()
                load_and_run("incremental", *BUILD)
                load_and_run("full_refresh", *FULL_REFRESH)
                found = []
                for name in DATABASES:
                    con = psycopg2.connect(**server.connect_kwargs(dbname=name))
                    try:
                        found.append(tables(con))
                    finally:
                        con.close()
                got, want = found
                assert got.keys() == want.keys()
                different = {name: (len(want[name]), len(got[name]))
                             for name in want if got[name] != want[name]}
                assert not different, f"night {night}: tables differ (rows full, incremental): " \
                                      f"{different}"
                assert want["fct_customer_periods"], "nothing built: the comparison proves nothing"
    finally:
        _restore(saved)
