"""Build the project's marts on seeded random raw data and compare every value with the naive
reference implementation of docs/metrics.md in reference.py.

One dbt build per var setting (module-scoped fixture); one test per setting × model, so a
failure names the model and prints the first differing keys and values.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pytest

from . import raw_data
from .reference import KEYS, OneOf, Reference

try:  # tests/ is on sys.path when it is not a package (rootdir conftest)
    from conftest import WITHOUT_UNIT_TESTS, Dbt
except ImportError:  # pragma: no cover - tests/ turned into a package
    from tests.conftest import WITHOUT_UNIT_TESTS, Dbt

REL_TOL = 1e-9
ABS_TOL = 1e-12
MAX_REPORTED = 15


@dataclass(frozen=True)
class Setting:
    seed: int
    dbt_vars: dict
    duplicates: bool = False
    rejects: bool = False


SETTINGS = {
    "defaults": Setting(seed=101, dbt_vars={}),
    "window30_repeat7": Setting(
        seed=202, dbt_vars={"churn_window_days": 30, "repeat_window_days": 7}),
    "as_of_mid_month_margin40": Setting(
        seed=303,
        dbt_vars={"as_of_date": raw_data.MID_MONTH_AS_OF.isoformat(), "gross_margin_rate": 0.4},
    ),
    # The last period ends on its calendar end (complete); same-day repeats only.
    "as_of_quarter_end_window90_repeat0": Setting(
        seed=505,
        dbt_vars={"as_of_date": "2024-03-31", "churn_window_days": 90, "repeat_window_days": 0},
    ),
    "as_of_leap_day": Setting(seed=606, dbt_vars={"as_of_date": "2024-02-29"}),
    # data-contract.md staging rules: superseded duplicates, rejected rows.
    "superseded_duplicates": Setting(seed=404, dbt_vars={}, duplicates=True),
    "rejected_rows": Setting(seed=707, dbt_vars={}, rejects=True),
}
MODELS = tuple(KEYS)

# (setting, model or "build") -> reason: disagreements believed to be project bugs, run as
# strict xfails until they are fixed. None open.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


@dataclass
class Built:
    name: str
    setting: Setting
    dbt: Dbt
    build_ok: bool
    build_detail: str
    expected: dict[str, list[dict]]


@pytest.fixture(scope="module", params=list(SETTINGS))
def built(request, dbt_dirs, tmp_path_factory) -> Built:
    name = request.param
    setting = SETTINGS[name]
    raw = raw_data.generate(
        setting.seed, duplicates=setting.duplicates, rejects=setting.rejects)
    warehouse = tmp_path_factory.mktemp(f"reference_{name}") / "warehouse.duckdb"
    raw_data.load(warehouse, raw)
    dbt = Dbt(dbt_dirs, warehouse)
    result = dbt.invoke("build", *WITHOUT_UNIT_TESTS, "--vars", json.dumps(setting.dbt_vars),
                        expect_success=False)
    detail = ""
    if not result.success:
        failures = [
            f"{r.node.name}: {r.status}: {r.message}"
            for r in (getattr(result.result, "results", None) or [])
            if str(r.status) not in {"success", "pass"}
        ]
        detail = "\n".join(failures) or repr(result.exception)
        # A failing data test skips the models downstream of it: build them anyway, so that
        # the value comparisons below still say what the marts contain.
        dbt.invoke("run", "--vars", json.dumps(setting.dbt_vars), expect_success=False)
    expected = Reference(raw, setting.dbt_vars).marts()
    return Built(name, setting, dbt, result.success, detail, expected)


def test_dbt_build_succeeds(built: Built, request):
    reason = KNOWN_BUGS.get((built.name, "build"))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    assert built.build_ok, f"dbt build ({built.name}) failed:\n{built.build_detail}"


@pytest.mark.parametrize("model", MODELS)
def test_model_matches_reference(built: Built, model: str, request):
    reason = KNOWN_BUGS.get((built.name, model))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    actual = query(built.dbt, f"select * from analytics.{model}")
    problems = compare_tables(built.expected[model], actual, KEYS[model])
    assert not problems, f"{model} ({built.name}) differs from the reference:\n" + "\n".join(
        problems
    )


def query(dbt: Dbt, sql: str) -> list[dict]:
    """Like Dbt.query, but also works while dbt-duckdb still holds its in-process read-write
    connection to the file (DuckDB then refuses a read-only one: "different configuration")."""
    try:
        return dbt.query(sql)
    except duckdb.ConnectionException:
        with duckdb.connect(str(dbt.warehouse)) as con:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --------------------------------------------------------------------------- comparison


def values_equal(expected, actual) -> bool:
    if isinstance(expected, OneOf):
        return any(values_equal(v, actual) for v in expected.values)
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, Decimal) and isinstance(actual, Decimal):
        return expected == actual
    if isinstance(expected, int | float | Decimal) and isinstance(actual, int | float | Decimal):
        if isinstance(expected, int) and isinstance(actual, int):
            return expected == actual
        return math.isclose(float(expected), float(actual), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(expected, dt.datetime) or isinstance(actual, dt.datetime):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, dt.date) and isinstance(actual, dt.date):
        return expected == actual
    return expected == actual


def compare_tables(expected: list[dict], actual: list[dict], keys: tuple[str, ...]) -> list[str]:
    """Readable differences between two tables: columns, key sets, then values."""
    problems: list[str] = []
    columns = list(expected[0]) if expected else []
    actual_columns = set(actual[0]) if actual else set()
    if actual:
        missing_cols = [c for c in columns if c not in actual_columns]
        if missing_cols:
            problems.append(f"columns missing from the model: {missing_cols}")
            columns = [c for c in columns if c in actual_columns]

    def key_of(row):
        return tuple(row[k] for k in keys)

    exp = {key_of(r): r for r in expected}
    act: dict[tuple, dict] = {}
    for r in actual:
        k = key_of(r)
        if k in act:
            problems.append(f"duplicate key in the model: {dict(zip(keys, k, strict=True))}")
        act[k] = r

    only_expected = sorted(set(exp) - set(act), key=_sort_key)
    only_actual = sorted(set(act) - set(exp), key=_sort_key)
    if only_expected:
        problems.append(f"{len(only_expected)} expected rows missing, e.g.:")
        problems += [f"  {_fmt_row(exp[k])}" for k in only_expected[:MAX_REPORTED]]
    if only_actual:
        problems.append(f"{len(only_actual)} unexpected rows, e.g.:")
        problems += [f"  {_fmt_row(act[k])}" for k in only_actual[:MAX_REPORTED]]

    mismatches = []
    for k in sorted(set(exp) & set(act), key=_sort_key):
        for col in columns:
            if col in keys:
                continue
            if not values_equal(exp[k][col], act[k][col]):
                mismatches.append((k, col, exp[k][col], act[k][col]))
    if mismatches:
        by_col: dict[str, int] = {}
        for _, col, _, _ in mismatches:
            by_col[col] = by_col.get(col, 0) + 1
        problems.append(
            f"{len(mismatches)} differing values in {len(exp.keys() & act.keys())} common rows "
            f"(per column: {by_col}); first ones:"
        )
        for k, col, e, a in mismatches[:MAX_REPORTED]:
            key_text = ", ".join(f"{name}={v}" for name, v in zip(keys, k, strict=True))
            problems.append(f"  [{key_text}] {col}: expected {e!r}, actual {a!r}")
    return problems


def _sort_key(key: tuple) -> tuple:
    return tuple((v is None, str(v)) for v in key)


def _fmt_row(row: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in row.items())
