"""The ratio macros of metrics.md: every rate divides through safe_divide.

Each case is ``(case_name, numerator, denominator, expected)`` with the arithmetic beside it.
Rates stay in [0, 1]; the ratios (customer_retention_rate with reactivations, upsell_ratio,
avg_order_value, purchase_frequency) can exceed 1. An empty denominator (0 or NULL) gives NULL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from .cases import assert_cases, split_cases, values_table

SAFE_DIVIDE_CASES = [
    ("normal", 3, 4, 0.75),  # 3 / 4 = 0.75
    ("no_integer_division", 1, 3, 1 / 3),  # 1 / 3 = 0.333..., not the integer quotient 0
    ("rate_exactly_one", 7, 7, 1.0),  # 7 / 7 = 1
    ("rate_exactly_zero", 0, 7, 0.0),  # 0 / 7 = 0
    ("above_one", 9, 4, 2.25),  # 9 / 4 = 2.25
    ("single_unit", 1, 1, 1.0),  # 1 / 1 = 1
    ("negative_numerator", -3, 4, -0.75),  # -3 / 4 = -0.75: safe_divide does not clamp
    ("zero_denominator", 5, 0, None),  # 5 / 0: empty denominator -> NULL, not an error
    ("zero_over_zero", 0, 0, None),  # 0 / 0 -> NULL, not NaN and not 0
    ("null_denominator", 5, None, None),  # 5 / NULL -> NULL
    ("null_numerator", None, 4, None),  # NULL / 4 -> NULL
]


def test_safe_divide(dbt):
    rows, expected = split_cases(SAFE_DIVIDE_CASES)
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ safe_divide('numerator', 'denominator') }}}} as actual,
            typeof({{{{ safe_divide('numerator', 'denominator') }}}}) as actual_type
        from {values_table(["case_name", "numerator", "denominator"], rows)}
        """
    )
    assert_cases(result, expected)
    # double precision on every row, whatever the input types (metrics agree to 1e-9 across
    # engines only if no engine computes them in single precision or integers)
    assert {row["actual_type"] for row in result} == {"DOUBLE"}


def test_safe_divide_fractional_inputs(dbt):
    result = dbt.show(
        "select {{ safe_divide('0.5', '0.25') }} as half_by_quarter,"
        " {{ safe_divide('0.1', '0.0') }} as by_decimal_zero"
    )
    assert_cases(
        [{"case_name": "fractional", **result[0]}],
        {"fractional": {
            "half_by_quarter": 2.0,  # 0.5 / 0.25 = 2
            "by_decimal_zero": None,  # 0.1 / 0.0: a decimal zero is an empty denominator too
        }},
    )


CUSTOMER_RETENTION_RATE_CASES = [
    # case, E (customers_end), N (new_customers), S (customers_start), expected (E - N) / S
    ("normal", 13, 4, 10, 0.9),  # (13 - 4) / 10 = 0.9
    ("non_terminating", 5, 3, 3, 2 / 3),  # (5 - 3) / 3 = 0.666...
    ("rate_exactly_one", 12, 2, 10, 1.0),  # (12 - 2) / 10 = 1
    ("above_one_with_reactivations", 15, 2, 10, 1.3),  # (15 - 2) / 10 = 1.3
    ("rate_exactly_zero_only_new_left", 3, 3, 2, 0.0),  # (3 - 3) / 2 = 0
    ("single_customer_kept", 1, 0, 1, 1.0),  # (1 - 0) / 1 = 1
    ("single_customer_lost", 0, 0, 1, 0.0),  # (0 - 0) / 1 = 0
    ("first_period_single_new_customer", 1, 1, 0, None),  # (1 - 1) / 0: no base -> NULL
    ("empty_start_zero", 5, 5, 0, None),  # (5 - 5) / 0 -> NULL
    ("empty_start_null", 5, 2, None, None),  # (5 - 2) / NULL -> NULL
    ("null_new_customers", 5, None, 4, None),  # (5 - NULL) / 4 -> NULL
]


def test_customer_retention_rate(dbt):
    rows, expected = split_cases(CUSTOMER_RETENTION_RATE_CASES)
    columns = ["case_name", "customers_end", "new_customers", "customers_start"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ customer_retention_rate('customers_end', 'new_customers', 'customers_start') }}}}
                as actual,
            {{# expressions as arguments: E - (N + 0) must not become E - N + 0 #}}
            {{{{ customer_retention_rate('customers_end + 0', 'new_customers + 1 - 1',
                'customers_start * 1') }}}} as actual_from_expressions
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)
    assert_cases(result, expected, column="actual_from_expressions")


def test_customer_retention_rate_subtracts_a_compound_new_customers_argument(dbt):
    # N passed as '2 + new_customers - 2'; unparenthesised, E - 2 + N - 2 would be computed
    result = dbt.show(
        "select {{ customer_retention_rate('13', '2 + new_customers - 2', '10') }} as actual"
        " from (values (4)) as t(new_customers)"
    )
    assert_cases(
        [{"case_name": "compound", **result[0]}],
        {"compound": 0.9},  # (13 - (2 + 4 - 2)) / 10 = 9 / 10 = 0.9; unparenthesised: 13/10
    )


IDENTITY_CASES = [
    # case, S, retained, churned, N, reactivated; E = retained + N + reactivated.
    # expected: crr = (E - N) / S, churn = churned / S, reactivated share = reactivated / S
    ("with_reactivations", 10, 7, 3, 4, 2, 13, {
        "crr": 0.9,  # (13 - 4) / 10 = 0.9
        "churn": 0.3,  # 3 / 10 = 0.3
        "reactivated_share": 0.2,  # 2 / 10 = 0.2; 1 - 0.3 + 0.2 = 0.9
    }),
    ("without_reactivations", 8, 6, 2, 1, 0, 7, {
        "crr": 0.75,  # (7 - 1) / 8 = 0.75
        "churn": 0.25,  # 2 / 8 = 0.25
        "reactivated_share": 0.0,  # 0 / 8 = 0; 1 - 0.25 + 0 = 0.75
    }),
    ("everyone_churned_others_came_back", 4, 0, 4, 2, 5, 7, {
        "crr": 1.25,  # (7 - 2) / 4 = 1.25
        "churn": 1.0,  # 4 / 4 = 1
        "reactivated_share": 1.25,  # 5 / 4 = 1.25; 1 - 1 + 1.25 = 1.25
    }),
    ("single_customer_kept", 1, 1, 0, 0, 0, 1, {
        "crr": 1.0,  # (1 - 0) / 1 = 1
        "churn": 0.0,  # 0 / 1 = 0
        "reactivated_share": 0.0,  # 0 / 1 = 0; 1 - 0 + 0 = 1
    }),
    ("empty_start", 0, 0, 0, 3, 0, 3, {
        "crr": None,  # (3 - 3) / 0 -> NULL
        "churn": None,  # 0 / 0 -> NULL
        "reactivated_share": None,  # 0 / 0 -> NULL
    }),
]


def test_retention_exceeds_one_minus_churn_by_reactivated_share(dbt):
    """metrics.md: (E - N) / S can exceed 1 - churn_rate by reactivated / S."""
    rows, expected = split_cases(IDENTITY_CASES)
    columns = ["case_name", "s", "retained", "churned", "n", "reactivated", "e"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ customer_retention_rate('e', 'n', 's') }}}} as crr,
            {{{{ churn_rate('churned', 's') }}}} as churn,
            {{{{ safe_divide('reactivated', 's') }}}} as reactivated_share
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)
    for row in result:
        if row["crr"] is not None:
            gap = float(row["crr"]) - (1 - float(row["churn"]))
            assert gap == pytest.approx(float(row["reactivated_share"]), rel=1e-12, abs=1e-15)


RATIO_CASES = {
    "churn_rate": [
        # case, churned customers, S, expected churned / S (<= 1: churned is a subset of S)
        ("normal", 3, 10, 0.3),  # 3 / 10 = 0.3
        ("non_terminating", 1, 3, 1 / 3),  # 1 / 3 = 0.333...
        ("rate_exactly_zero_nobody_left", 0, 10, 0.0),  # 0 / 10 = 0
        ("rate_exactly_one_everybody_left", 10, 10, 1.0),  # 10 / 10 = 1
        ("single_customer_left", 1, 1, 1.0),  # 1 / 1 = 1
        ("single_customer_stayed", 0, 1, 0.0),  # 0 / 1 = 0
        ("empty_start_zero", 0, 0, None),  # 0 / 0 -> NULL
        ("empty_start_null", 0, None, None),  # 0 / NULL -> NULL
    ],
    "returning_customer_rate": [
        # case, active customers with first order before p, active customers, expected
        ("normal", 3, 8, 0.375),  # 3 / 8 = 0.375
        ("non_terminating", 2, 3, 2 / 3),  # 2 / 3 = 0.666...
        ("rate_exactly_one_no_new_customers", 8, 8, 1.0),  # 8 / 8 = 1 ("100 %" in the article)
        ("rate_exactly_zero_only_new", 0, 5, 0.0),  # 0 / 5 = 0
        ("single_returning_customer", 1, 1, 1.0),  # 1 / 1 = 1
        ("single_new_customer", 0, 1, 0.0),  # 0 / 1 = 0
        ("nobody_active_zero", 0, 0, None),  # 0 / 0 -> NULL
        ("nobody_active_null", 0, None, None),  # 0 / NULL -> NULL
    ],
    "repeat_purchase_rate": [
        # case, customers with >= 2 orders in p, customers with >= 1, expected
        ("normal_online_retail_benchmark", 3, 10, 0.3),  # 3 / 10 = 0.3, the ~30 % benchmark
        ("non_terminating", 1, 3, 1 / 3),  # 1 / 3 = 0.333...
        ("rate_exactly_zero", 0, 4, 0.0),  # 0 / 4 = 0
        ("rate_exactly_one", 4, 4, 1.0),  # 4 / 4 = 1
        ("single_customer_one_order", 0, 1, 0.0),  # 0 / 1 = 0
        ("single_customer_two_orders", 1, 1, 1.0),  # 1 / 1 = 1
        ("no_buyers_zero", 0, 0, None),  # 0 / 0 -> NULL
        ("no_buyers_null", 0, None, None),  # 0 / NULL -> NULL
    ],
    "upsell_ratio": [
        # case, customers with >= 2 categories, customers with exactly 1, expected
        ("normal", 3, 4, 0.75),  # 3 / 4 = 0.75
        ("above_one", 5, 2, 2.5),  # 5 / 2 = 2.5: a ratio, not a share
        ("non_terminating_above_one", 7, 3, 7 / 3),  # 7 / 3 = 2.333...
        ("ratio_exactly_one", 4, 4, 1.0),  # 4 / 4 = 1
        ("ratio_exactly_zero", 0, 6, 0.0),  # 0 / 6 = 0
        ("single_customer_one_category", 0, 1, 0.0),  # 0 / 1 = 0
        ("single_customer_two_categories", 1, 0, None),  # 1 / 0: nobody single-category -> NULL
        ("empty_zero", 0, 0, None),  # 0 / 0 -> NULL
        ("empty_null", 2, None, None),  # 2 / NULL -> NULL
    ],
    "avg_order_value": [
        # case, revenue (decimal), valid orders, expected revenue / orders
        ("normal", Decimal("250.00"), 4, 62.5),  # 250.00 / 4 = 62.5
        ("cents_non_terminating", Decimal("10.01"), 3, 10.01 / 3),  # 10.01 / 3 = 3.33666...
        ("exactly_one", Decimal("3.00"), 3, 1.0),  # 3.00 / 3 = 1
        ("below_one", Decimal("0.50"), 2, 0.25),  # 0.50 / 2 = 0.25
        ("exactly_zero_free_orders", Decimal("0.00"), 2, 0.0),  # 0.00 / 2 = 0
        ("single_order", Decimal("19.99"), 1, 19.99),  # 19.99 / 1 = 19.99
        ("no_orders_zero", Decimal("0.00"), 0, None),  # 0.00 / 0 -> NULL
        ("no_orders_null_revenue", None, 0, None),  # sum over no orders is NULL; NULL / 0 -> NULL
        ("null_orders", Decimal("5.00"), None, None),  # 5.00 / NULL -> NULL
    ],
    "purchase_frequency": [
        # case, valid orders, distinct purchasing customers, expected orders / customers
        ("normal", 9, 4, 2.25),  # 9 / 4 = 2.25
        ("non_terminating", 10, 3, 10 / 3),  # 10 / 3 = 3.333...
        ("exactly_one_order_each", 5, 5, 1.0),  # 5 / 5 = 1
        ("single_customer_three_orders", 3, 1, 3.0),  # 3 / 1 = 3
        ("exactly_zero", 0, 3, 0.0),  # 0 / 3 = 0
        ("no_customers_zero", 0, 0, None),  # 0 / 0 -> NULL
        ("no_customers_null", 0, None, None),  # 0 / NULL -> NULL
    ],
    "retention_share": [
        # case, cohort customers active in the month, cohort size, expected
        ("normal", 2, 8, 0.25),  # 2 / 8 = 0.25
        ("non_terminating", 1, 3, 1 / 3),  # 1 / 3 = 0.333...
        ("share_exactly_one_first_month", 8, 8, 1.0),  # 8 / 8 = 1
        ("share_exactly_zero", 0, 8, 0.0),  # 0 / 8 = 0
        ("single_customer_cohort_active", 1, 1, 1.0),  # 1 / 1 = 1
        ("single_customer_cohort_inactive", 0, 1, 0.0),  # 0 / 1 = 0
        ("empty_cohort_zero", 0, 0, None),  # 0 / 0 -> NULL
        ("empty_cohort_null", 0, None, None),  # 0 / NULL -> NULL
    ],
    "cohort_repeat_rate": [
        # case, cohort customers with a second order in the window, cohort size, expected
        ("normal", 3, 12, 0.25),  # 3 / 12 = 0.25
        ("non_terminating", 2, 3, 2 / 3),  # 2 / 3 = 0.666...
        ("rate_exactly_one", 5, 5, 1.0),  # 5 / 5 = 1
        ("rate_exactly_zero", 0, 5, 0.0),  # 0 / 5 = 0
        ("single_customer_repeats", 1, 1, 1.0),  # 1 / 1 = 1
        ("single_customer_no_repeat", 0, 1, 0.0),  # 0 / 1 = 0
        ("empty_cohort_zero", 0, 0, None),  # 0 / 0 -> NULL
        ("empty_cohort_null", 0, None, None),  # 0 / NULL -> NULL
    ],
}


@pytest.mark.parametrize("macro", sorted(RATIO_CASES))
def test_two_argument_ratio(dbt, macro):
    rows, expected = split_cases(RATIO_CASES[macro])
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ {macro}('numerator', 'denominator') }}}} as actual,
            typeof({{{{ {macro}('numerator', 'denominator') }}}}) as actual_type
        from {values_table(["case_name", "numerator", "denominator"], rows)}
        """
    )
    assert_cases(result, expected)
    assert {row["actual_type"] for row in result} == {"DOUBLE"}
