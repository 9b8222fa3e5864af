"""The same marts on DuckDB, PostgreSQL and Spark: build the project on each engine from the
same raw data (dataset.py) and compare every mart value by value with DuckDB's.

Each engine gets one full `dbt build` (models, seed, unit tests and data tests): Postgres in a
throw-away local server (loyalty_analytics.postgres), Spark in a local session in this
process, as dbt-spark's session method runs it (loyalty_analytics.spark). Rates agree to
1e-9 relative; decimals, integers, dates, timestamps, booleans and text exactly; rows are
matched by their key, in any order.

Marked `engines`: not part of the default pytest run. `make test-postgres` and
`make test-spark` run them (`pytest -m engines -k "not spark"` / `-k "not postgres"`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import pickle
import shutil
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, built_once, failure_detail, write_profiles
from dbt.cli.main import dbtRunner, dbtRunnerResult
from reference import raw_data

from . import dataset

pytestmark = [
    pytest.mark.engines,
    # pyspark 4.3 warns about pandas 3, which it does not use here (no toPandas).
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
]

# Non-default vars, so that the var paths run on every engine too: a mid-month as-of date
# (partial last periods), a short churn window (churn and reactivation every few months).
DBT_VARS = {"as_of_date": raw_data.MID_MONTH_AS_OF.isoformat(), "churn_window_days": 90,
            "repeat_window_days": 7}

# Every mart and the columns that identify a row (their primary_key).
PERIOD_SEGMENT = ("period_grain", "period_start", "segment")
MART_KEYS: dict[str, tuple[str, ...]] = {
    "dim_customers": ("customer_id",),
    "fct_customer_periods": ("customer_id", "period_grain", "period_start"),
    "mart_retention": PERIOD_SEGMENT,
    "mart_purchases": PERIOD_SEGMENT,
    "mart_cohorts": ("cohort_month", "months_since_first_order"),
    "mart_clv": PERIOD_SEGMENT,
    "mart_survey_scores": PERIOD_SEGMENT,
    "mart_engagement": ("customer_id", "period_grain", "period_start"),
    "mart_loyalty_kpis": PERIOD_SEGMENT,
    "mart_data_quality": ("source_table", "reject_reason", "row_date"),
    "mart_customer_segments": ("customer_id",),
    "mart_segment_periods": ("period_grain", "period_start", "rfm_segment"),
    "mart_returning_aov": PERIOD_SEGMENT,
    "mart_program_impact": (*PERIOD_SEGMENT, "program", "member_status"),
    "mart_program_join_effect": ("join_month", "program"),
    "mart_program_points": ("period_grain", "period_start", "program"),
}
# The build's start time, stamped on quarantined rows and (as `_loaded_at`) on every row an
# incremental model writes: different in every build.
NOT_COMPARED = {"mart_data_quality": {"quarantined_at"},
                # From the predictive models, which are built on DuckDB only (NULL elsewhere).
                "mart_customer_segments": {"p_alive", "predicted_clv_365d"}}
WRITE_STAMPS = {"_loaded_at"}
REL_TOL = 1e-9
ABS_TOL = 1e-12
MAX_REPORTED = 12

# Values of round_to(x, 2) where the engines' own round() differs (macros/utils/types.sql).
ROUNDING_CASES = ["1.005", "2.675", "3.1249999999999996", "3.1250000000000004", "0.125",
                  "0.115", "312.5", "-2.675", "99.995", "0"]
# The nearest doubles to a decimal midpoint, just below it: DuckDB rounds down, the others up.
ROUNDING_KNOWN_DIFFERENT = {"2.675", "-2.675"}


# --------------------------------------------------------------------------- building


@pytest.fixture(scope="module")
def raw_warehouse(tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("engines_raw") / "raw_data.duckdb"
    raw_data.load(warehouse, dataset.generate())
    return warehouse


def dbt_invoke(work: Path, *args: str, target: str) -> dbtRunnerResult:
    profiles = work / "profiles"
    if not profiles.exists():
        write_profiles(profiles)  # the other engines' targets as profiles.example.yml has them
    result = dbtRunner().invoke([
        *args, "--target", target,
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(profiles),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ])
    if not result.success:
        raise AssertionError(
            f"dbt {args[0]} --target {target} failed:\n{failure_detail(result)}")
    return result


def dbt_build(work: Path, target: str) -> float:
    started = time.monotonic()
    dbt_invoke(work, "build", "--vars", json.dumps(DBT_VARS), target=target)
    return time.monotonic() - started


def rounding_sql() -> str:
    return " union all ".join(
        f"select '{text}' as input, {{{{ round_to('{text}', 2) }}}} as rounded"
        for text in ROUNDING_CASES)


@pytest.fixture(scope="module")
def duckdb_marts(raw_warehouse, tmp_path_factory) -> dict[str, list[dict]]:
    """DuckDB's marts, built once per session (conftest.built_once): make test runs the
    Postgres and Spark tests side by side with LOYALTY_SHARED_BUILDS set, and the second to
    ask reads what the first saved (the same seeded raw data) instead of building again."""

    def build(folder: Path) -> None:
        (folder / "marts.pickle").write_bytes(pickle.dumps(_build_duckdb_marts(raw_warehouse,
                                                                               folder)))

    folder = built_once(tmp_path_factory, "engines_duckdb_marts", build)
    return pickle.loads((folder / "marts.pickle").read_bytes())


def _build_duckdb_marts(raw_warehouse: Path, work: Path) -> dict[str, list[dict]]:
    warehouse = work / "warehouse.duckdb"
    shutil.copy(raw_warehouse, warehouse)
    os.environ["DBT_DUCKDB_PATH"] = str(warehouse)
    seconds = dbt_build(work, "duckdb")
    print(f"duckdb: dbt build in {seconds:.0f} s")
    rounding = _compiled(work, "duckdb")
    # Not read_only: dbt-duckdb may still hold its connection to the file (conftest.py).
    with duckdb.connect(str(warehouse)) as con:
        def query(sql: str) -> list[dict]:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        marts = {mart: query(f"select * from analytics.{mart}") for mart in MART_KEYS}
        marts["rounding"] = query(rounding)
    return marts


@pytest.fixture(scope="module")
def postgres_marts(raw_warehouse, tmp_path_factory) -> dict[str, list[dict]]:
    postgres = pytest.importorskip("loyalty_analytics.postgres")
    import psycopg2

    work = tmp_path_factory.mktemp("engines_postgres")
    saved = {key: os.environ.get(key) for key in
             ("DBT_POSTGRES_HOST", "DBT_POSTGRES_PORT", "DBT_POSTGRES_USER",
              "DBT_POSTGRES_PASSWORD", "DBT_POSTGRES_DBNAME")}
    try:
        with postgres.throwaway_server() as server:
            postgres.load_from_duckdb(raw_warehouse, server.connect_kwargs())
            os.environ.update(server.dbt_env())
            seconds = dbt_build(work, "postgres")
            print(f"postgres: dbt build in {seconds:.0f} s")
            con = psycopg2.connect(**server.connect_kwargs())
            try:
                def query(sql: str) -> list[dict]:
                    with con.cursor() as cur:
                        cur.execute(sql)
                        names = [d[0] for d in cur.description]
                        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

                marts = {mart: query(f"select * from analytics.{mart}") for mart in MART_KEYS}
                marts["rounding"] = query(_compiled(work, "postgres"))
            finally:
                con.close()
    finally:
        _restore(saved)
    return marts


@pytest.fixture(scope="module")
def spark_marts(raw_warehouse, tmp_path_factory) -> dict[str, list[dict]]:
    spark = pytest.importorskip("loyalty_analytics.spark")
    work = tmp_path_factory.mktemp("engines_spark")
    saved = {key: os.environ.get(key) for key in
             ("DBT_SPARK_WAREHOUSE_DIR", "DBT_SPARK_METASTORE_DIR", "TZ")}
    # PySpark turns timestamps into Python datetimes in the process's local time zone.
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ["DBT_SPARK_WAREHOUSE_DIR"] = str(work / "spark-warehouse")
    os.environ["DBT_SPARK_METASTORE_DIR"] = str(work / "spark-metastore")
    session = spark.local_session(os.environ["DBT_SPARK_WAREHOUSE_DIR"],
                                  os.environ["DBT_SPARK_METASTORE_DIR"], throwaway=True)
    try:
        spark.load_from_duckdb(session, raw_warehouse)
        seconds = dbt_build(work, "spark")
        print(f"spark: dbt build in {seconds:.0f} s")

        def query(sql: str) -> list[dict]:
            return [row.asDict() for row in session.sql(sql).collect()]

        marts = {mart: query(f"select * from analytics.{mart}") for mart in MART_KEYS}
        marts["rounding"] = query(_compiled(work, "spark"))
    finally:
        session.stop()
        _restore(saved)
        time.tzset()
    return marts


def _compiled(work: Path, target: str) -> str:
    """rounding_sql() compiled by dbt for ``target`` (round_to dispatches per adapter), with
    the build's vars: dbt then reuses the build's parse from the target folder (partial
    parsing), 1.2 instead of 3.0 CPU-s on DuckDB."""
    result = dbt_invoke(work, "compile", "--inline", rounding_sql(), "--quiet",
                        "--vars", json.dumps(DBT_VARS), target=target)
    return result.result.results[0].node.compiled_code


def _restore(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


ENGINES = {"postgres": "postgres_marts", "spark": "spark_marts"}


@pytest.fixture(params=list(ENGINES))
def engine(request) -> tuple[str, dict[str, list[dict]]]:
    return request.param, request.getfixturevalue(ENGINES[request.param])


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("mart", list(MART_KEYS))
def test_mart_equals_duckdb(engine, duckdb_marts, mart):
    name, marts = engine
    expected, actual = duckdb_marts[mart], marts[mart]
    assert expected, f"{mart} is empty on DuckDB: the data set does not exercise it"
    problems = compare(expected, actual, MART_KEYS[mart],
                       NOT_COMPARED.get(mart, set()) | WRITE_STAMPS)
    assert not problems, f"{mart} on {name} differs from DuckDB:\n" + "\n".join(problems)


def test_round_to_equals_duckdb(engine, duckdb_marts):
    name, marts = engine
    expected = {row["input"]: row["rounded"] for row in duckdb_marts["rounding"]}
    actual = {row["input"]: row["rounded"] for row in marts["rounding"]}
    # DuckDB rounds the binary value of x half away from zero.
    assert expected["1.005"] == 1.0 and expected["2.675"] == 2.67 and expected["0.125"] == 0.13
    assert expected["3.1249999999999996"] == 3.12 and expected["312.5"] == 312.5
    same = {k: v for k, v in expected.items() if k not in ROUNDING_KNOWN_DIFFERENT}
    assert {k: actual[k] for k in same} == same, f"round_to on {name}"
    for k in ROUNDING_KNOWN_DIFFERENT:
        assert math.isclose(actual[k], expected[k] + math.copysign(0.01, expected[k]),
                            abs_tol=1e-12), (name, k, actual[k])


def test_marts_cover_every_segment_and_grain(duckdb_marts):
    kpis = duckdb_marts["mart_loyalty_kpis"]
    assert {row["segment"] for row in kpis} == {"all", "B2B", "B2C", "unknown"}
    assert {row["period_grain"] for row in kpis} == {"month", "quarter", "year"}
    assert any(row["nps"] is not None for row in kpis)
    assert any(row["mean_engagement_score"] is not None for row in kpis)
    reasons = {row["reject_reason"] for row in duckdb_marts["mart_data_quality"]}
    assert {"exact_duplicate", "score_out_of_range", "negative_duration",
            "unknown_event_type", "timestamp_out_of_range"} <= reasons


# --------------------------------------------------------------------------- comparison


def values_equal(expected, actual) -> bool:
    """Same type family and value: floats to REL_TOL, everything else exactly."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, Decimal):
        return isinstance(actual, Decimal) and expected == actual
    if isinstance(expected, int):
        return isinstance(actual, int) and expected == actual
    if isinstance(expected, float):
        return isinstance(actual, float) and math.isclose(
            expected, actual, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(expected, dt.datetime) or isinstance(actual, dt.datetime):
        return type(expected) is type(actual) and expected == actual
    return type(expected) is type(actual) and expected == actual


def compare(expected: list[dict], actual: list[dict], keys: tuple[str, ...],
            ignored: set[str]) -> list[str]:
    """Readable differences: columns, duplicate or missing keys, then values."""
    problems: list[str] = []
    columns = [c for c in expected[0] if c not in ignored]
    actual_columns = set(actual[0]) if actual else set()
    if actual and actual_columns - ignored != set(columns):
        problems.append(f"columns differ: missing {sorted(set(columns) - actual_columns)}, "
                        f"extra {sorted(actual_columns - ignored - set(columns))}")
        columns = [c for c in columns if c in actual_columns]

    def index(rows: list[dict], side: str) -> dict[tuple, dict]:
        keyed: dict[tuple, dict] = {}
        for row in rows:
            key = tuple(row[k] for k in keys)
            if key in keyed:
                problems.append(f"duplicate key on {side}: {key}")
            keyed[key] = row
        return keyed

    exp, act = index(expected, "DuckDB"), index(actual, "the engine")
    for label, missing in (("missing", exp.keys() - act.keys()),
                           ("extra", act.keys() - exp.keys())):
        if missing:
            shown = sorted(missing, key=repr)[:MAX_REPORTED]
            problems.append(f"{len(missing)} {label} rows, e.g. {shown}")
    mismatches = [
        (key, column, exp[key][column], act[key][column])
        for key in sorted(exp.keys() & act.keys(), key=repr)
        for column in columns
        if column not in keys and not values_equal(exp[key][column], act[key][column])
    ]
    if mismatches:
        problems.append(f"{len(mismatches)} differing values (DuckDB, engine), first ones:")
        problems += [f"  {key} {column}: {e!r} != {a!r}"
                     for key, column, e, a in mismatches[:MAX_REPORTED]]
    return problems
