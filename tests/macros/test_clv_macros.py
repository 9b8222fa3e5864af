"""Historical CLV (metrics.md, "Customer lifetime value"):

customer_value = avg_order_value x purchase_frequency; avg_lifespan_years = 1 / annual churn
rate (NULL when it is 0 or NULL); clv = customer_value x avg_lifespan_years x gross margin rate
(var('gross_margin_rate'), default 1.0).
"""

from __future__ import annotations

from decimal import Decimal

from .cases import assert_cases, split_cases, values_table

CUSTOMER_VALUE_CASES = [
    # case, avg_order_value, purchase_frequency, expected product
    ("normal", 62.5, 2.25, 140.625),  # 62.5 x 2.25 = 140.625
    ("frequency_exactly_one", 40.0, 1.0, 40.0),  # 40 x 1 = 40
    ("single_customer_single_order", 19.99, 1.0, 19.99),  # 19.99 x 1 = 19.99
    ("exactly_zero_free_orders", 0.0, 3.0, 0.0),  # 0 x 3 = 0
    ("null_order_value_no_orders", None, 2.0, None),  # NULL x 2 -> NULL
    ("null_frequency_no_customers", 50.0, None, None),  # 50 x NULL -> NULL
]


def test_customer_value(dbt):
    rows, expected = split_cases(CUSTOMER_VALUE_CASES)
    columns = ["case_name", "avg_order_value", "purchase_frequency"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ customer_value('avg_order_value', 'purchase_frequency') }}}} as actual,
            {{# expressions as arguments: unbracketed, aov - 1 + 1 * frequency + 0 would differ #}}
            {{{{ customer_value('avg_order_value - 1 + 1', 'purchase_frequency + 0') }}}}
                as actual_from_expressions
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)
    assert_cases(result, expected, column="actual_from_expressions")


AVG_LIFESPAN_YEARS_CASES = [
    # case, annual churn rate, expected 1 / rate (NULL when the rate is 0 or NULL)
    ("quarter_churns", 0.25, 4.0),  # 1 / 0.25 = 4 years
    ("half_churns", 0.5, 2.0),  # 1 / 0.5 = 2 years
    ("eighty_percent_churn", 0.8, 1.25),  # 1 / 0.8 = 1.25 years
    ("non_terminating", 0.3, 1 / 0.3),  # 1 / 0.3 = 3.333... years
    ("everybody_churns_rate_one", 1.0, 1.0),  # 1 / 1 = 1 year
    ("nobody_churns_rate_zero", 0.0, None),  # 1 / 0: unbounded lifespan -> NULL, not infinity
    ("no_base_null_rate", None, None),  # 1 / NULL -> NULL
]


def test_avg_lifespan_years(dbt):
    rows, expected = split_cases(AVG_LIFESPAN_YEARS_CASES)
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ avg_lifespan_years('annual_churn_rate') }}}} as actual,
            {{{{ avg_lifespan_years('cast(annual_churn_rate as decimal(9, 4))') }}}}
                as actual_from_decimal,
            {{{{ avg_lifespan_years('1 - (1 - annual_churn_rate)') }}}} as actual_from_expression
        from {values_table(["case_name", "annual_churn_rate"], rows)}
        """
    )
    assert_cases(result, expected)
    assert_cases(result, expected, column="actual_from_decimal")
    assert_cases(result, expected, column="actual_from_expression")


CLV_CASES = [
    # case, customer_value, avg_lifespan_years, margin (a column), expected:
    #   actual: margin column; margin_literal: 0.4 passed in Jinja;
    #   default_margin: no margin argument, var('gross_margin_rate') = 1.0 in dbt_project.yml
    ("normal", 140.625, 4.0, 0.5, {
        "actual": 281.25,  # 140.625 x 4 x 0.5 = 281.25
        "margin_literal": 225.0,  # 140.625 x 4 x 0.4 = 562.5 x 0.4 = 225
        "default_margin": 562.5,  # 140.625 x 4 x 1.0 = 562.5
    }),
    ("full_margin", 140.625, 4.0, 1.0, {
        "actual": 562.5,  # 140.625 x 4 x 1 = 562.5
        "margin_literal": 225.0,  # 140.625 x 4 x 0.4 = 225
        "default_margin": 562.5,  # 140.625 x 4 x 1.0 = 562.5
    }),
    ("zero_margin", 140.625, 4.0, 0.0, {
        "actual": 0.0,  # 140.625 x 4 x 0 = 0
        "margin_literal": 225.0,  # 140.625 x 4 x 0.4 = 225
        "default_margin": 562.5,  # 140.625 x 4 x 1.0 = 562.5
    }),
    ("single_customer", 19.99, 1.0, 1.0, {
        "actual": 19.99,  # 19.99 x 1 x 1 = 19.99
        "margin_literal": 7.996,  # 19.99 x 1 x 0.4 = 7.996
        "default_margin": 19.99,  # 19.99 x 1 x 1.0 = 19.99
    }),
    ("no_churn_null_lifespan", 140.625, None, 0.5, {
        "actual": None,  # 140.625 x NULL x 0.5 -> NULL
        "margin_literal": None,
        "default_margin": None,
    }),
    ("no_purchases_null_value", None, 2.0, 0.5, {
        "actual": None,  # NULL x 2 x 0.5 -> NULL
        "margin_literal": None,
        "default_margin": None,
    }),
]


def test_clv(dbt):
    rows, expected = split_cases(CLV_CASES)
    columns = ["case_name", "customer_value", "avg_lifespan_years", "margin"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ clv('customer_value', 'avg_lifespan_years', 'margin') }}}} as actual,
            {{{{ clv('customer_value', 'avg_lifespan_years', 0.4) }}}} as margin_literal,
            {{{{ clv('customer_value', 'avg_lifespan_years') }}}} as default_margin,
            typeof({{{{ clv('customer_value', 'avg_lifespan_years', 0.4) }}}}) as actual_type
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)
    assert {row["actual_type"] for row in result} == {"DOUBLE"}


CLV_FROM_COUNTS_CASES = [
    # case, revenue, orders, customers (trailing year), churned, S (base a year before), margin
    # -> clv through avg_order_value, purchase_frequency, customer_value, churn_rate,
    #    avg_lifespan_years and clv, as mart_clv chains them
    ("normal", Decimal("1000.00"), 8, 4, 2, 10, 0.5, 625.0),
    # aov 1000 / 8 = 125; frequency 8 / 4 = 2; value 125 x 2 = 250;
    # churn 2 / 10 = 0.2; lifespan 1 / 0.2 = 5; clv 250 x 5 x 0.5 = 625
    ("third_churns", Decimal("900.00"), 9, 3, 1, 3, 0.25, 225.0),
    # aov 900 / 9 = 100; frequency 9 / 3 = 3; value 300; churn 1 / 3; lifespan 3;
    # clv 300 x 3 x 0.25 = 225
    ("single_customer_who_left", Decimal("19.99"), 1, 1, 1, 1, 1.0, 19.99),
    # aov 19.99 / 1; frequency 1 / 1 = 1; churn 1 / 1 = 1; lifespan 1; clv 19.99 x 1 x 1 = 19.99
    ("zero_margin", Decimal("1000.00"), 8, 4, 2, 10, 0.0, 0.0),  # 250 x 5 x 0 = 0
    ("nobody_churned", Decimal("600.00"), 6, 3, 0, 5, 1.0, None),
    # churn 0 / 5 = 0 -> lifespan NULL -> clv NULL
    ("no_base_a_year_before", Decimal("600.00"), 6, 3, 0, 0, 1.0, None),
    # churn 0 / 0 -> NULL -> lifespan NULL -> clv NULL
    ("no_purchases_in_window", None, 0, 0, 1, 4, 1.0, None),
    # aov NULL / 0 -> NULL -> customer value NULL -> clv NULL
]


def test_clv_from_counts(dbt):
    rows, expected = split_cases(CLV_FROM_COUNTS_CASES)
    columns = ["case_name", "revenue", "orders", "customers", "churned", "base_start", "margin"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ clv(
                customer_value(avg_order_value('revenue', 'orders'),
                    purchase_frequency('orders', 'customers')),
                avg_lifespan_years(churn_rate('churned', 'base_start')),
                'margin') }}}} as actual
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)


PREDICTED_CLV_CASES = [
    # case, discounted expected purchases (365 days), expected spend per purchase, margin
    # -> with that margin, and with var('gross_margin_rate') = 1.0 of dbt_project.yml
    ("normal", 2.5, 40.0, 0.5, {"actual": 50.0, "default_margin": 100.0}),
    # 2.5 x 40 = 100; x 0.5 = 50; x 1.0 = 100
    ("no_purchases_expected", 0.0, 40.0, 0.5, {"actual": 0.0, "default_margin": 0.0}),
    # 0 x 40 x 0.5 = 0
    ("spend_not_predicted", 2.5, None, 0.5, {"actual": None, "default_margin": None}),
    # Gamma-Gamma did not converge: 2.5 x NULL -> NULL
    ("purchases_not_predicted", None, 40.0, 0.5, {"actual": None, "default_margin": None}),
    # BG/NBD did not converge: NULL x 40 -> NULL
]


def test_predicted_clv_365d(dbt):
    rows, expected = split_cases(PREDICTED_CLV_CASES)
    columns = ["case_name", "purchases", "spend", "margin"]
    result = dbt.show(
        f"""
        select
            case_name,
            {{{{ predicted_clv_365d('purchases', 'spend', 'margin') }}}} as actual,
            {{{{ predicted_clv_365d('purchases', 'spend') }}}} as default_margin
        from {values_table(columns, rows)}
        """
    )
    assert_cases(result, expected)
