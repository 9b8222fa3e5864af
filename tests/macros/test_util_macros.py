"""Utility macros: integer_series, count_where, is_blank, union_all_segment, type_double and
run_started_timestamp."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .cases import assert_cases, values_table

D = dt.date


def test_integer_series(dbt):
    result = dbt.show(
        """
        select 'one_bit' as case_name, count(*) as row_count, count(distinct n) as distinct_count,
            min(n) as min_n, max(n) as max_n, sum(n) as sum_n
        from ({{ integer_series(1) }})
        union all
        select 'three_bits', count(*), count(distinct n), min(n), max(n), sum(n)
        from ({{ integer_series(3) }})
        union all
        select 'default_twelve_bits', count(*), count(distinct n), min(n), max(n), sum(n)
        from ({{ integer_series() }})
        """
    )
    # row_count = distinct_count = 2^bits and min..max = 0..2^bits - 1: each integer exactly once
    assert_cases(result, {
        "one_bit": {
            "row_count": 2,  # 2^1
            "distinct_count": 2,
            "min_n": 0,
            "max_n": 1,  # 2^1 - 1
            "sum_n": 1,  # 0 + 1
        },
        "three_bits": {
            "row_count": 8,  # 2^3
            "distinct_count": 8,
            "min_n": 0,
            "max_n": 7,  # 2^3 - 1
            "sum_n": 28,  # 0 + 1 + ... + 7 = 7 x 8 / 2
        },
        "default_twelve_bits": {
            "row_count": 4096,  # 2^12
            "distinct_count": 4096,
            "min_n": 0,
            "max_n": 4095,  # 2^12 - 1
            "sum_n": 8386560,  # 0 + ... + 4095 = 4095 x 4096 / 2
        },
    })


COUNT_WHERE_ROWS = [
    # group, x; condition x > 2
    ("mixed", 5),  # holds
    ("mixed", 1),
    ("mixed", None),  # NULL > 2 is NULL: does not count
    ("mixed", 7),  # holds
    ("mixed", 2),  # 2 > 2 is false: the boundary does not count
    ("none_holds", 1),
    ("none_holds", 2),
    ("all_hold", 3),
    ("all_hold", 4),
    ("single_row", 9),
    ("only_null", None),
]


def test_count_where(dbt):
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ count_where('x > 2') }}}} as actual,
            typeof({{{{ count_where('x > 2') }}}}) as actual_type
        from {values_table(["case_name", "x"], COUNT_WHERE_ROWS)}
        group by 1
        """
    )
    assert_cases(result, {
        "mixed": 2,  # 5 and 7
        "none_holds": 0,  # 0, not NULL
        "all_hold": 2,  # 3 and 4
        "single_row": 1,  # 9
        "only_null": 0,  # NULL condition: 0, not NULL
    })
    assert {row["actual_type"] for row in result} == {"BIGINT"}


def test_count_where_over_no_rows_is_zero(dbt):
    result = dbt.show(
        "select {{ count_where('x > 2') }} as actual from (values (5)) as t(x) where false"
    )
    assert_cases([{"case_name": "no_rows", **result[0]}], {"no_rows": 0})  # no rows: 0 of them


IS_BLANK_ROWS = [
    # case_name, x: blank = NULL, '' or nothing but spaces (trim(x) = '')
    ("null", None),
    ("empty", ""),
    ("one_space", " "),
    ("three_spaces", "   "),
    ("leading_space_then_text", " a"),  # starts with a space, trims to 'a': not blank
    ("trailing_space", "a "),
    ("text", "C0000001"),
    ("tab", "\t"),  # trim() removes spaces only: a tab is a value, as before is_blank
    ("space_tab", " \t"),  # trims to a tab: not blank
]


def test_is_blank(dbt):
    result = dbt.show(
        f"""
        select case_name, {{{{ is_blank('x') }}}} as actual, trim(x) = '' as trimmed_is_empty
        from {values_table(["case_name", "x"], IS_BLANK_ROWS)}
        """
    )
    assert_cases(result, {
        "null": True,
        "empty": True,
        "one_space": True,
        "three_spaces": True,
        "leading_space_then_text": False,
        "trailing_space": False,
        "text": False,
        "tab": False,
        "space_tab": False,
    })
    # the rule it replaces: x is null or trim(x) = ''
    for row in result:
        assert row["actual"] is (row["case_name"] == "null" or row["trimmed_is_empty"] is True)


SEGMENT_ROWS = [
    # period_grain, period_start, segment, customers, revenue (already aggregated by segment)
    ("month", D(2024, 1, 1), "gold", 2, Decimal("15.00")),
    ("month", D(2024, 1, 1), "silver", 1, Decimal("2.50")),
    ("month", D(2024, 2, 1), "silver", 1, Decimal("4.00")),
    ("month", D(2024, 2, 1), None, 1, Decimal("1.00")),  # segment unknown
    ("quarter", D(2024, 1, 1), "gold", 2, Decimal("15.00")),
    ("quarter", D(2024, 1, 1), "silver", 1, Decimal("6.50")),
    ("quarter", D(2024, 1, 1), None, 1, Decimal("1.00")),
    ("year", D(2024, 1, 1), "gold", 1, Decimal("19.99")),  # a single customer
]

EXPECTED_SEGMENTS = {
    # (period_grain, period_start, segment): (customers, revenue); the segment rows pass through
    ("month", D(2024, 1, 1), "gold"): (2, Decimal("15.00")),
    ("month", D(2024, 1, 1), "silver"): (1, Decimal("2.50")),
    ("month", D(2024, 1, 1), "all"): (3, Decimal("17.50")),  # 2 + 1; 15.00 + 2.50
    ("month", D(2024, 2, 1), "silver"): (1, Decimal("4.00")),
    ("month", D(2024, 2, 1), None): (1, Decimal("1.00")),  # NULL segment stays NULL, not 'all'
    ("month", D(2024, 2, 1), "all"): (2, Decimal("5.00")),  # 1 + 1; 4.00 + 1.00
    ("quarter", D(2024, 1, 1), "gold"): (2, Decimal("15.00")),
    ("quarter", D(2024, 1, 1), "silver"): (1, Decimal("6.50")),
    ("quarter", D(2024, 1, 1), None): (1, Decimal("1.00")),
    ("quarter", D(2024, 1, 1), "all"): (4, Decimal("22.50")),  # 2 + 1 + 1; 15 + 6.50 + 1
    ("year", D(2024, 1, 1), "gold"): (1, Decimal("19.99")),
    ("year", D(2024, 1, 1), "all"): (1, Decimal("19.99")),  # one segment: 'all' equals it
}


def test_union_all_segment(dbt):
    """Marts report each segment and 'all'; the 'all' row sums the segment rows.

    (The brief named segment_or_all / group_by_period_and_segment; commit 1caa745 replaced
    them with union_all_segment.)
    """
    columns = ["period_grain", "period_start", "segment", "customers", "revenue"]
    relation = f"(select * from {values_table(columns, SEGMENT_ROWS, 't')}) as by_segment"
    result = dbt.show(
        f"""
        select *, typeof(customers) as customers_type
        from (
            {{{{ union_all_segment("{relation}", ['period_grain', 'period_start'],
                counts=['customers'], amounts=['revenue']) }}}}
        )
        """
    )
    actual = {
        (row["period_grain"], row["period_start"], row["segment"]):
            (row["customers"], row["revenue"])
        for row in result
    }
    assert len(result) == len(actual), "one row per period and segment"
    assert actual == EXPECTED_SEGMENTS
    assert {row["customers_type"] for row in result} == {"BIGINT"}
    # and, as a property: every 'all' row is the sum of its period's segment rows
    for (grain, start, segment), (customers, revenue) in actual.items():
        if segment == "all":
            parts = [v for k, v in actual.items() if k[:2] == (grain, start) and k[2] != "all"]
            assert (customers, revenue) == (sum(p[0] for p in parts), sum(p[1] for p in parts))


def test_type_double(dbt):
    result = dbt.show(
        """
        select
            '{{ type_double() }}' as rendered,
            typeof(cast(1 as {{ type_double() }})) as type_name,
            cast(1 as {{ type_double() }}) / cast(3 as {{ type_double() }}) as one_third,
            cast(16777217 as {{ type_double() }}) as two_to_24_plus_one,
            cast(1 as {{ dbt.type_float() }}) / cast(3 as {{ dbt.type_float() }})
                as one_third_dbt_float
        """
    )
    row = result[0]
    assert row["rendered"] == "double"
    assert row["type_name"] == "DOUBLE"
    # 1/3 in double precision: within 1e-15 (a single-precision REAL is off by ~1e-8)
    assert abs(float(row["one_third"]) - 1 / 3) <= 1e-15
    # 2^24 + 1 = 16777217 needs 25 significand bits: exact in double, 16777216 in REAL
    assert row["two_to_24_plus_one"] == 16777217
    # why the macro exists: dbt.type_float() is REAL on DuckDB, |0.33333334 - 1/3| > 1e-9
    assert abs(float(row["one_third_dbt_float"]) - 1 / 3) > 1e-9


def test_run_started_timestamp_keeps_the_microseconds(dbt):
    # `_loaded_at` (loaded_at) is this timestamp. Cut to the second, two runs started within
    # one second stamped alike, and a model downstream took the second run's rows for old
    # (the watermark compares with `>`): tests/incremental/test_points_scope.py failed so once.
    [row] = dbt.show("""
        select {{ run_started_timestamp() }} as stamped,
            '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as started""")
    started = dt.datetime.fromisoformat(row["started"])
    assert row["stamped"] == started
    assert row["stamped"].microsecond == started.microsecond
