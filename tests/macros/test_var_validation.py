"""Validated project vars (macros/utils/project_vars.sql, period_grains.sql): a bad value
stops dbt with a message that names the var.

Where dbt puts the message: every invocation parses all models first. When a model calls the
validating macro (int_customer_spells, int_periods, mart_clv), that parse fails and
``result.exception`` is the ``CompilationError`` itself. When only the inline query calls it
(repeat_window_days(): no model does), ``result.exception`` is
``DbtBaseException('Error parsing inline query')`` and the ``CompilationError`` is its
``__context__``. The tests look through the whole chain (:func:`cases.compilation_messages`).

Every call here changes ``--vars``, which costs dbt a full parse: one call per case.
"""

from __future__ import annotations

import datetime as dt

import pytest

from .cases import assert_cases, compilation_messages, error_chain

ALL_VARS_SQL = """
select
    {{ churn_window_days() }} as churn_window_days,
    {{ repeat_window_days() }} as repeat_window_days,
    {{ gross_margin_rate() }} as gross_margin_rate,
    {{ as_of_date_literal() if as_of_date_literal() is not none else 'null' }} as as_of_date,
    '{{ period_grains() | join(",") }}' as period_grains,
    {{ clv('100.0', '2.0') }} as clv_default_margin,
    {{ is_repeat_within_window("date '2024-01-01'", "date '2024-03-31'") }} as repeat_after_90,
    {{ is_repeat_within_window("date '2024-01-01'", "date '2024-04-01'") }} as repeat_after_91,
    {{ is_repeat_within_window("date '2024-01-01'", "date '2024-01-01'") }} as repeat_same_day
"""


def show_with_vars(dbt, sql: str, variables: str) -> list[dict]:
    result = dbt.invoke("show", "--inline", sql, "--vars", variables, "--limit", "-1", "--quiet")
    table = result.result.results[0].agate_table
    return [dict(zip(table.column_names, row, strict=True)) for row in table.rows]


def test_defaults_are_the_spec_defaults(dbt):
    result = dbt.show(ALL_VARS_SQL)
    assert_cases([{"case_name": "defaults", **result[0]}], {"defaults": {
        "churn_window_days": 365,  # W default 365
        "repeat_window_days": 90,  # default 90
        "gross_margin_rate": 1.0,  # default 1.0
        "as_of_date": None,  # unset: the latest valid order's date applies (in int_periods)
        "period_grains": "month,quarter,year",
        "clv_default_margin": 200.0,  # 100 x 2 x 1.0 = 200
        "repeat_after_90": True,  # 2024-01-01 -> 03-31 = 30 + 29 + 31 = 90 <= 90
        "repeat_after_91": False,  # 91 > 90
        "repeat_same_day": True,  # 0 <= 90
    }})


def test_valid_boundary_values_are_accepted_and_used(dbt):
    result = show_with_vars(
        dbt,
        ALL_VARS_SQL,
        "{churn_window_days: 1, repeat_window_days: 0, gross_margin_rate: 0.4,"
        " as_of_date: '2024-02-29', period_grains: ['quarter']}",
    )
    assert_cases([{"case_name": "overridden", **result[0]}], {"overridden": {
        "churn_window_days": 1,  # the smallest window allowed
        "repeat_window_days": 0,  # zero allowed: same day only
        "gross_margin_rate": 0.4,
        "as_of_date": dt.date(2024, 2, 29),  # a leap day is a date
        "period_grains": "quarter",
        "clv_default_margin": 80.0,  # 100 x 2 x 0.4 = 80: clv reads the var
        "repeat_after_90": False,  # 90 > 0
        "repeat_after_91": False,  # 91 > 0
        "repeat_same_day": True,  # 0 <= 0
    }})


BAD_VARS = [
    # id, --vars, SQL calling the validating macro, var named in the message, value in it
    ("churn_window_zero", "{churn_window_days: 0}", "select {{ churn_window_days() }}",
     "churn_window_days", "got 0"),
    ("churn_window_fractional", "{churn_window_days: 30.5}", "select {{ churn_window_days() }}",
     "churn_window_days", "got 30.5"),
    ("repeat_window_negative", "{repeat_window_days: -1}", "select {{ repeat_window_days() }}",
     "repeat_window_days", "got -1"),
    ("margin_above_one", "{gross_margin_rate: 1.5}", "select {{ gross_margin_rate() }}",
     "gross_margin_rate", "got 1.5"),
    ("margin_string", "{gross_margin_rate: 'high'}", "select {{ gross_margin_rate() }}",
     "gross_margin_rate", "got high"),
    ("as_of_date_word", "{as_of_date: 'yesterday'}", "select {{ as_of_date_literal() }}",
     "as_of_date", "'yesterday'"),
    ("period_grain_week", "{period_grains: ['week']}",
     "select '{{ period_grains() | join(\",\") }}'", "period_grains", "'week'"),
    ("period_grains_empty", "{period_grains: []}",
     "select '{{ period_grains() | join(\",\") }}'", "period_grains", "empty"),
    ("timezone_with_space", "{reporting_timezone: 'Europe Stockholm'}",
     "select {{ reporting_date('current_timestamp') }}", "reporting_timezone",
     "Europe Stockholm"),
    ("timezone_quote", "{reporting_timezone: \"UTC'; drop table x; --\"}",
     "select {{ reporting_date('current_timestamp') }}", "reporting_timezone", "drop table"),
]


def assert_fails_naming(result, var_name: str, value_text: str) -> None:
    assert result.success is False
    # str(result.exception) is only "Error parsing inline query": the message is in the chain
    chain = " | ".join(f"{type(e).__name__}: {e}" for e in error_chain(result.exception))
    messages = compilation_messages(result.exception)
    assert f"var('{var_name}')" in messages, chain
    assert value_text in messages, chain


@pytest.mark.parametrize(
    ("variables", "sql", "var_name", "value_text"),
    [case[1:] for case in BAD_VARS],
    ids=[case[0] for case in BAD_VARS],
)
def test_bad_var_fails_naming_the_var(dbt, variables, sql, var_name, value_text):
    result = dbt.invoke("show", "--inline", sql, "--vars", variables, "--quiet",
                        expect_success=False)
    assert_fails_naming(result, var_name, value_text)


def test_as_of_date_not_a_calendar_day_fails_naming_the_var(dbt):
    result = dbt.invoke("show", "--inline", "select {{ as_of_date_literal() }}",
                        "--vars", "{as_of_date: '2023-02-29'}", "--quiet", expect_success=False)
    assert_fails_naming(result, "as_of_date", "2023-02-29")


def test_is_repeat_within_window_default_window_is_validated(dbt):
    sql = "select {{ is_repeat_within_window(\"date '2024-01-01'\", \"date '2024-01-01'\") }}"
    result = dbt.invoke("show", "--inline", sql, "--vars", "{repeat_window_days: -1}",
                        "--quiet", expect_success=False)
    assert_fails_naming(result, "repeat_window_days", "-1")
