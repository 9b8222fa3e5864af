"""is_repeat_within_window and the cohort repeat rate built on it (metrics.md, "Purchases"):
a second valid order within var('repeat_window_days') (default 90) days after the first order
counts, the same day included; exactly window_days days counts, window_days + 1 does not.
"""

from __future__ import annotations

import datetime as dt

from .cases import assert_cases, split_cases, values_table

D = dt.date

REPEAT_WINDOW_CASES = [
    # case, first order date, second order date, window_days, expected:
    #   actual: with the row's window; default_window: no argument, var default 90
    ("same_day_second_order", D(2024, 3, 1), D(2024, 3, 1), 90,
     {"actual": True, "default_window": True}),  # 0 days <= 90
    ("next_day", D(2024, 3, 1), D(2024, 3, 2), 90,
     {"actual": True, "default_window": True}),  # 1 <= 90
    ("exactly_window", D(2024, 1, 1), D(2024, 3, 31), 90,
     {"actual": True, "default_window": True}),  # 30 (Jan) + 29 (Feb 2024) + 31 (Mar) = 90 <= 90
    ("window_plus_one", D(2024, 1, 1), D(2024, 4, 1), 90,
     {"actual": False, "default_window": False}),  # 90 + 1 = 91 > 90
    ("leap_year_exactly_window", D(2024, 2, 28), D(2024, 5, 28), 90,
     {"actual": True, "default_window": True}),  # 29 (to Mar 28, via Feb 29) + 31 + 30 = 90
    ("leap_year_window_plus_one", D(2024, 2, 28), D(2024, 5, 29), 90,
     {"actual": False, "default_window": False}),  # 90 + 1 = 91 > 90
    ("non_leap_same_calendar_span", D(2023, 2, 28), D(2023, 5, 28), 90,
     {"actual": True, "default_window": True}),  # 28 (to Mar 28) + 31 + 30 = 89 <= 90
    ("non_leap_exactly_window", D(2023, 2, 28), D(2023, 5, 29), 90,
     {"actual": True, "default_window": True}),  # 89 + 1 = 90 <= 90
    ("non_leap_window_plus_one", D(2023, 2, 28), D(2023, 5, 30), 90,
     {"actual": False, "default_window": False}),  # 89 + 2 = 91 > 90
    ("across_new_year_exactly_window", D(2023, 12, 15), D(2024, 3, 14), 90,
     {"actual": True, "default_window": True}),  # 31 (to Jan 15) + 31 (to Feb 15) + 28 = 90
    ("across_new_year_window_plus_one", D(2023, 12, 15), D(2024, 3, 15), 90,
     {"actual": False, "default_window": False}),  # 31 + 31 + 29 (Feb 2024) = 91 > 90
    ("no_second_order", D(2024, 1, 1), None, 90,
     {"actual": False, "default_window": False}),  # no second order: false, not NULL
    ("zero_window_same_day", D(2024, 5, 5), D(2024, 5, 5), 0,
     {"actual": True, "default_window": True}),  # 0 <= 0; 0 <= 90
    ("zero_window_next_day", D(2024, 5, 5), D(2024, 5, 6), 0,
     {"actual": False, "default_window": True}),  # 1 > 0; 1 <= 90
    ("zero_window_no_second_order", D(2024, 5, 5), None, 0,
     {"actual": False, "default_window": False}),  # no second order: false
    ("week_window_exactly_across_new_year", D(2024, 12, 25), D(2025, 1, 1), 7,
     {"actual": True, "default_window": True}),  # 6 (to Dec 31) + 1 = 7 <= 7; 7 <= 90
    ("week_window_plus_one", D(2024, 12, 25), D(2025, 1, 2), 7,
     {"actual": False, "default_window": True}),  # 7 + 1 = 8 > 7; 8 <= 90
]


def test_is_repeat_within_window(dbt):
    rows, expected = split_cases(REPEAT_WINDOW_CASES)
    columns = ["case_name", "first_order_date", "second_order_date", "window_days"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ is_repeat_within_window('first_order_date', 'second_order_date',
                'window_days') }}}} as actual,
            {{{{ is_repeat_within_window('first_order_date', 'second_order_date') }}}}
                as default_window
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)


def test_is_repeat_within_window_literal_window(dbt):
    # the window as a Jinja number, as a model passes repeat_window_days()
    result = dbt.show(
        "select"
        " {{ is_repeat_within_window(\"date '2024-02-28'\", \"date '2024-05-28'\", 90) }} as on_90,"
        " {{ is_repeat_within_window(\"date '2024-02-28'\", \"date '2024-05-28'\", 89) }} as on_89"
    )
    assert_cases(
        [{"case_name": "literal", **result[0]}],
        {"literal": {
            "on_90": True,  # 2024-02-28 -> 2024-05-28 = 90 days <= 90
            "on_89": False,  # 90 > 89
        }},
    )


COHORT_ORDERS = [
    # cohort, customer, first order date, second order date (NULL: no second order)
    ("four_customers", "a", D(2024, 1, 10), D(2024, 1, 10)),  # same day: repeat
    ("four_customers", "b", D(2024, 1, 20), D(2024, 4, 19)),  # 11 + 29 + 31 + 19 = 90: repeat
    ("four_customers", "c", D(2024, 1, 20), D(2024, 4, 20)),  # 91 days: no repeat
    ("four_customers", "d", D(2024, 1, 31), None),  # no second order
    ("single_customer_repeats", "e", D(2024, 2, 29), D(2024, 5, 29)),  # 29 + 31 + 30 = 90
    ("single_customer_no_second_order", "f", D(2024, 3, 1), None),
]

COHORT_EXPECTED = {
    "four_customers": {
        "cohort_size": 4,  # a, b, c, d
        "repeat_customers": 2,  # a (0 days) and b (90 days)
        "actual": 0.5,  # 2 / 4 = 0.5
    },
    "single_customer_repeats": {
        "cohort_size": 1,
        "repeat_customers": 1,  # e, 90 days
        "actual": 1.0,  # 1 / 1 = 1
    },
    "single_customer_no_second_order": {
        "cohort_size": 1,
        "repeat_customers": 0,  # f has no second order
        "actual": 0.0,  # 0 / 1 = 0
    },
}


def test_cohort_repeat_rate_from_first_and_second_orders(dbt):
    """As mart_cohorts combines them: count_where(is_repeat_within_window) / cohort size."""
    columns = ["case_name", "customer_id", "first_order_date", "second_order_date"]
    repeat = "is_repeat_within_window('first_order_date', 'second_order_date', 90)"
    result = dbt.show(
        f"""
        with counted as (
            select
                case_name,
                count(*) as cohort_size,
                {{{{ count_where({repeat}) }}}} as repeat_customers
            from {values_table(columns, COHORT_ORDERS)}
            group by 1
        )
        select
            case_name,
            cohort_size,
            repeat_customers,
            {{{{ cohort_repeat_rate('repeat_customers', 'cohort_size') }}}} as actual
        from counted
        """
    )
    assert_cases(result, COHORT_EXPECTED)
