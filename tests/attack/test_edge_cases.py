"""Corner cases of the input: nothing at all, a single order, a stretch of months without a
single customer, ids in any script, amounts at the top of decimal(18,2). Each builds the whole
project (every model and data test) with dbt in-process on its own DuckDB file.

Expected values are computed by hand from docs/metrics.md; the arithmetic is beside
them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import WITHOUT_UNIT_TESTS, Dbt

from attack.support import MARTS, read_table, write_raw

BUILD = ("build", *WITHOUT_UNIT_TESTS, "--quiet")
MAX_AMOUNT = Decimal("9999999999999999.99")  # the largest decimal(18,2)


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def rows_by(records: list[dict], *keys: str) -> dict[tuple, dict]:
    indexed = {tuple(r[k] for k in keys): r for r in records}
    assert len(indexed) == len(records), f"{keys} is not a key"
    return indexed


def marts(dbt) -> dict[str, list[dict]]:
    return {name: read_table(dbt.warehouse, f"analytics.{name}").records() for name in MARTS}


def test_all_raw_tables_empty_build_empty_marts(dbt):
    write_raw(dbt.warehouse, {})
    dbt.invoke(*BUILD)  # raises with the failing nodes when the build fails
    built = marts(dbt)
    assert {name: len(rows) for name, rows in built.items()} == dict.fromkeys(MARTS, 0)
    assert dbt.query("select count(*) as n from analytics.mart_data_quality") == [{"n": 0}]


def test_a_single_customer_with_a_single_order(dbt):
    write_raw(dbt.warehouse, {
        "customers": [("solo", ts("2024-05-01 10:00:00"), "B2C", "SE")],
        "orders": [("o1", "solo", ts("2024-05-10 12:00:00"), "completed", Decimal("12.50"),
                    ts("2024-05-11 09:00:00"))],
        "order_items": [("o1", 1, "p1", "books", 1, Decimal("12.50"))],
    })
    dbt.invoke(*BUILD)
    built = marts(dbt)
    # Periods: May 2024, Q2 2024, 2024, each ending at the as-of date (the only order's day);
    # segments 'all' and 'B2C'.
    keys = ("period_grain", "period_start", "segment")
    starts = {"month": d("2024-05-01"), "quarter": d("2024-04-01"), "year": d("2024-01-01")}
    expected_keys = {(g, s, seg) for g, s in starts.items() for seg in ("all", "B2C")}
    for name in ("mart_retention", "mart_purchases", "mart_clv", "mart_survey_scores",
                 "mart_loyalty_kpis"):
        assert set(rows_by(built[name], *keys)) == expected_keys, name
    for grain, start in starts.items():
        for segment in ("all", "B2C"):
            key = (grain, start, segment)
            retention = rows_by(built["mart_retention"], *keys)[key]
            # S = 0, E = 1 = N: every rate over S is NULL; the one active customer is new.
            assert retention["period_end"] == d("2024-05-10")
            assert retention["is_period_complete"] is False
            assert (retention["customers_start"], retention["customers_end"],
                    retention["new_customers"], retention["churned_customers"],
                    retention["reactivated_customers"]) == (0, 1, 1, 0, 0)
            assert retention["churn_rate"] is None
            assert retention["customer_retention_rate"] is None
            assert retention["returning_customer_rate"] == 0.0  # 0 returning / 1 active
            purchases = rows_by(built["mart_purchases"], *keys)[key]
            assert (purchases["active_customers"], purchases["repeat_customers"],
                    purchases["single_category_customers"],
                    purchases["multi_category_customers"], purchases["orders"],
                    purchases["revenue"]) == (1, 0, 1, 0, 1, Decimal("12.50"))
            assert purchases["repeat_purchase_rate"] == 0.0  # 0 / 1
            assert purchases["upsell_ratio"] == 0.0  # 0 multi / 1 single
            assert purchases["avg_order_value"] == pytest.approx(12.5)  # 12.50 / 1
            clv = rows_by(built["mart_clv"], *keys)[key]
            # Nobody in the base a year before: the annual churn rate and lifespan are NULL.
            assert clv["customers_year_before"] == 0
            assert clv["annual_churn_rate"] is None
            assert clv["avg_lifespan_years"] is None
            assert clv["clv"] is None
            assert clv["purchase_frequency"] == pytest.approx(1.0)
            assert clv["customer_value"] == pytest.approx(12.5)
            survey = rows_by(built["mart_survey_scores"], *keys)[key]
            assert survey["nps_responses"] == 0 and survey["nps"] is None
            assert survey["csat_responses"] == 0 and survey["csat_pct"] is None
            assert survey["cli"] is None
    (customer,) = built["dim_customers"]
    assert (customer["customer_id"], customer["segment"], customer["first_order_date"],
            customer["last_order_date"], customer["cohort_month"], customer["lifetime_orders"],
            customer["lifetime_revenue"]) == (
        "solo", "B2C", d("2024-05-10"), d("2024-05-10"), d("2024-05-01"), 1, Decimal("12.50"))
    (cohort,) = built["mart_cohorts"]
    assert (cohort["cohort_month"], cohort["months_since_first_order"], cohort["cohort_size"],
            cohort["active_customers"], cohort["cumulative_revenue"],
            cohort["repeat_customers"]) == (d("2024-05-01"), 0, 1, 1, Decimal("12.50"), 0)
    assert cohort["retention_share"] == 1.0
    assert cohort["cohort_repeat_rate"] == 0.0
    facts = built["fct_customer_periods"]
    assert len(facts) == 3
    assert all(f["is_new"] and f["is_active"] and f["is_in_base_end"]
               and not f["is_in_base_start"] for f in facts)
    assert built["mart_engagement"] == []


def test_a_stretch_of_months_without_customers(dbt):
    """'early' buys on 2023-01-15 and is in the base through 2024-01-14 (W = 365: the order day
    and 364 more); 'late' first buys on 2024-09-10, the as-of date. February to August 2024
    have nobody: S = E = N = 0 and every rate NULL, yet each month is a row."""
    write_raw(dbt.warehouse, {
        "customers": [("early", ts("2023-01-01 00:00:00"), "B2C", "SE"),
                      ("late", ts("2024-09-01 00:00:00"), "B2B", "NO")],
        "orders": [
            ("o1", "early", ts("2023-01-15 10:00:00"), "completed", Decimal("100.00"),
             ts("2023-01-15 11:00:00")),
            ("o2", "late", ts("2024-09-10 10:00:00"), "completed", Decimal("50.00"),
             ts("2024-09-10 11:00:00")),
        ],
        "order_items": [("o1", 1, "p1", "books", 1, Decimal("100.00")),
                        ("o2", 1, "p2", "toys", 2, Decimal("25.00"))],
    })
    dbt.invoke(*BUILD)
    built = marts(dbt)
    retention = rows_by(built["mart_retention"], "period_grain", "period_start", "segment")
    purchases = rows_by(built["mart_purchases"], "period_grain", "period_start", "segment")
    months = sorted({start for grain, start, _ in retention if grain == "month"})
    # January 2023 to September 2024, no month skipped: 12 + 9.
    assert len(months) == 21
    assert months[0] == d("2023-01-01") and months[-1] == d("2024-09-01")
    first = retention[("month", d("2023-01-01"), "all")]
    assert first["customers_start"] == 0 and first["churn_rate"] is None  # empty denominator
    assert first["customer_retention_rate"] is None
    january = retention[("month", d("2024-01-01"), "all")]
    # S = 1 (in the base at the end of 2023-12-31), E = 0 (out after 2024-01-14): churn 1/1.
    assert (january["customers_start"], january["customers_end"],
            january["churned_customers"]) == (1, 0, 1)
    assert january["churn_rate"] == 1.0
    assert january["customer_retention_rate"] == 0.0  # (0 - 0) / 1
    empty_months = [m for m in months if d("2024-02-01") <= m <= d("2024-08-01")]
    assert len(empty_months) == 7
    for month in empty_months:
        for segment in ("all", "B2B", "B2C"):
            row = retention[("month", month, segment)]
            assert (row["customers_start"], row["customers_end"], row["new_customers"],
                    row["active_customers"]) == (0, 0, 0, 0), (month, segment)
            assert row["churn_rate"] is None
            assert row["customer_retention_rate"] is None
            assert row["returning_customer_rate"] is None
            bought = purchases[("month", month, segment)]
            assert (bought["orders"], bought["revenue"], bought["active_customers"]) == (
                0, Decimal("0"), 0)
            assert bought["repeat_purchase_rate"] is None
            assert bought["avg_order_value"] is None
            assert bought["upsell_ratio"] is None
    september = retention[("month", d("2024-09-01"), "all")]
    assert (september["customers_start"], september["customers_end"],
            september["new_customers"]) == (0, 1, 1)
    # A lapsed customer has no rows until they come back; nobody has rows in the gap.
    fact_months = {(f["customer_id"], f["period_start"]) for f in built["fct_customer_periods"]
                   if f["period_grain"] == "month"}
    assert not any(d("2024-02-01") <= start <= d("2024-08-01") for _, start in fact_months)
    cohorts = rows_by(built["mart_cohorts"], "cohort_month", "months_since_first_order")
    # Cohort January 2023: months 0 (Jan 2023) to 20 (Sep 2024); cohort September 2024: 0.
    assert sorted(n for cohort, n in cohorts if cohort == d("2023-01-01")) == list(range(21))
    assert [n for cohort, n in cohorts if cohort == d("2024-09-01")] == [0]
    assert cohorts[(d("2023-01-01"), 0)]["retention_share"] == 1.0
    assert cohorts[(d("2023-01-01"), 5)]["retention_share"] == 0.0
    assert cohorts[(d("2023-01-01"), 20)]["cumulative_revenue"] == Decimal("100.00")


UNICODE_B2C = "kund-åäö-😀"
UNICODE_B2B = "клиент"
QUOTED = "o'brien \"q\""
UNKNOWN = "顧客-1"  # orders, but no customers row


@pytest.fixture(scope="module")
def at_the_limit(dbt_dirs, tmp_path_factory) -> Dbt:
    """Customers with ids in several scripts (and quotes), one missing from `customers`;
    orders of 9999999999999999.99, the largest decimal(18,2), several in one month."""
    dbt = Dbt(dbt_dirs, tmp_path_factory.mktemp("limit") / "warehouse.duckdb")
    write_raw(dbt.warehouse, {
        "customers": [
            (UNICODE_B2C, ts("2024-01-01 00:00:00"), "B2C", "SE"),
            (UNICODE_B2B, ts("2024-01-01 00:00:00"), "B2B", "FI"),
            (QUOTED, ts("2024-01-01 00:00:00"), "B2C", None),
        ],
        "orders": [
            ("ö-1", UNICODE_B2C, ts("2024-03-05 10:00:00"), "completed", MAX_AMOUNT,
             ts("2024-03-05 11:00:00")),
            ("ö-2", UNICODE_B2C, ts("2024-03-20 10:00:00"), "completed", MAX_AMOUNT,
             ts("2024-03-20 11:00:00")),
            ("ö-3", UNICODE_B2B, ts("2024-03-07 10:00:00"), "completed", MAX_AMOUNT,
             ts("2024-03-07 11:00:00")),
            ("ö-4", UNICODE_B2B, ts("2024-03-08 10:00:00"), "completed", Decimal("0.01"),
             ts("2024-03-08 11:00:00")),
            ("ö-5", QUOTED, ts("2024-04-01 10:00:00"), "completed", Decimal("1.00"),
             ts("2024-04-01 11:00:00")),
            ("ö-6", UNKNOWN, ts("2024-04-02 10:00:00"), "completed", MAX_AMOUNT,
             ts("2024-04-02 11:00:00")),
        ],
        "order_items": [
            # 50 units at the largest price: the line amount needs more than decimal(18,2).
            ("ö-1", 1, "p-ü", "böcker", 50, MAX_AMOUNT),
            ("ö-2", 1, "p-ü", "böcker", 1, MAX_AMOUNT),
            ("ö-2", 2, "p-я", "книги", 1, Decimal("0.00")),
            ("ö-3", 1, "p-я", "книги", 1, MAX_AMOUNT),
            ("ö-4", 1, "p-я", "книги", 1, Decimal("0.01")),
            ("ö-5", 1, "p-'", "it's", 1, Decimal("1.00")),
            ("ö-6", 1, "p-字", "書籍", 1, MAX_AMOUNT),
        ],
        "survey_responses": [
            ("r-ü", UNICODE_B2C, ts("2024-03-06 10:00:00"), "recommend", 10),
            ("r-я", UNICODE_B2B, ts("2024-03-09 10:00:00"), "satisfaction", 5),
        ],
        "engagement_events": [
            ("e-😀", UNICODE_B2C, ts("2024-03-06 10:00:00"), "session", 120),
            ("e-字", UNKNOWN, ts("2024-04-02 09:58:00"), "key_action", None),
        ],
    })
    dbt.invoke(*BUILD)
    return dbt


def test_unicode_ids_pass_through_to_every_mart(at_the_limit):
    built = marts(at_the_limit)
    customers = rows_by(built["dim_customers"], "customer_id")
    assert set(customers) == {(UNICODE_B2C,), (UNICODE_B2B,), (QUOTED,), (UNKNOWN,)}
    assert customers[(UNKNOWN,)]["segment"] == "unknown"
    assert customers[(UNICODE_B2B,)]["segment"] == "B2B"
    facts = {f["customer_id"] for f in built["fct_customer_periods"]}
    assert facts == {UNICODE_B2C, UNICODE_B2B, QUOTED, UNKNOWN}
    survey = rows_by(built["mart_survey_scores"], "period_grain", "period_start", "segment")
    assert survey[("month", d("2024-03-01"), "B2C")]["nps"] == 100.0  # one promoter
    assert survey[("month", d("2024-03-01"), "B2B")]["csat_pct"] == 1.0
    engaged = {(r["customer_id"], r["period_grain"]) for r in built["mart_engagement"]}
    assert (UNICODE_B2C, "month") in engaged and (UNKNOWN, "month") in engaged
    purchases = rows_by(built["mart_purchases"], "period_grain", "period_start", "segment")
    # UNICODE_B2C in March: 'böcker' twice and 'книги' once: two categories.
    assert purchases[("month", d("2024-03-01"), "B2C")]["multi_category_customers"] == 1


def test_revenue_at_the_decimal_limit_sums_without_overflow(at_the_limit):
    built = marts(at_the_limit)
    customers = rows_by(built["dim_customers"], "customer_id")
    # 2 × 9999999999999999.99 = 19999999999999999.98: more than decimal(18,2) holds.
    assert customers[(UNICODE_B2C,)]["lifetime_revenue"] == Decimal("19999999999999999.98")
    assert customers[(UNICODE_B2C,)]["lifetime_orders"] == 2

    purchases = rows_by(built["mart_purchases"], "period_grain", "period_start", "segment")
    march = purchases[("month", d("2024-03-01"), "all")]
    # 3 × 9999999999999999.99 + 0.01 = 29999999999999999.98 over 4 orders.
    assert march["orders"] == 4
    assert march["revenue"] == Decimal("29999999999999999.98")
    assert march["avg_order_value"] == pytest.approx(7499999999999999.995, rel=1e-12)
    march_b2c = purchases[("month", d("2024-03-01"), "B2C")]
    assert march_b2c["revenue"] == Decimal("19999999999999999.98")
    assert march_b2c["avg_order_value"] == pytest.approx(9999999999999999.99, rel=1e-12)
    year = purchases[("year", d("2024-01-01"), "all")]
    # 4 × 9999999999999999.99 + 0.01 + 1.00 = 40000000000000000.97 over 6 orders.
    assert year["orders"] == 6
    assert year["revenue"] == Decimal("40000000000000000.97")
    assert year["avg_order_value"] == pytest.approx(40000000000000000.97 / 6, rel=1e-12)
    assert purchases[("year", d("2024-01-01"), "unknown")]["revenue"] == MAX_AMOUNT

    kpis = rows_by(built["mart_loyalty_kpis"], "period_grain", "period_start", "segment")
    assert kpis[("year", d("2024-01-01"), "all")]["revenue"] == Decimal("40000000000000000.97")
    clv = rows_by(built["mart_clv"], "period_grain", "period_start", "segment")
    assert clv[("month", d("2024-04-01"), "all")]["revenue_365d"] == Decimal(
        "40000000000000000.97")
    cohorts = rows_by(built["mart_cohorts"], "cohort_month", "months_since_first_order")
    # Cohort March 2024 (2 customers): 29999999999999999.98 in March, nothing of theirs in
    # April (ö-5 and ö-6 are the first orders of QUOTED and UNKNOWN: cohort April).
    assert cohorts[(d("2024-03-01"), 1)]["cumulative_revenue"] == Decimal(
        "29999999999999999.98")
    assert cohorts[(d("2024-04-01"), 0)]["cohort_size"] == 2


def test_a_line_amount_at_the_decimal_limit_can_be_read(at_the_limit):
    lines = at_the_limit.query(
        "select order_id, line_number, line_amount from analytics.stg_order_items "
        "where order_id = 'ö-1'")
    assert lines == [{"order_id": "ö-1", "line_number": 1,
                      "line_amount": Decimal("499999999999999999.50")}]


FUTURE = ts("2099-01-01 00:00:00")


@pytest.fixture(scope="module")
def odd_keys_and_stamps(dbt_dirs, tmp_path_factory) -> Dbt:
    """Survey answers with a blank customer id; order rows with updated_at in 2099: an old
    version of o1 (cancelled) and a new order o2."""
    dbt = Dbt(dbt_dirs, tmp_path_factory.mktemp("odd") / "warehouse.duckdb")
    ordered = ts("2024-05-10 12:00:00")
    write_raw(dbt.warehouse, {
        "customers": [("c1", ordered, "B2C", "SE")],
        "orders": [
            ("o1", "c1", ordered, "completed", Decimal("10.00"), ts("2024-05-11 08:00:00")),
            ("o1", "c1", ordered, "cancelled", Decimal("10.00"), FUTURE),
            ("o2", "c1", ts("2024-05-12 12:00:00"), "completed", Decimal("20.00"), FUTURE),
        ],
        "order_items": [("o1", 1, "p1", "books", 1, Decimal("10.00")),
                        ("o2", 1, "p1", "books", 1, Decimal("20.00"))],
        "survey_responses": [("r1", "", ordered, "recommend", 10),
                             ("r2", "   ", ordered, "recommend", 0),
                             ("r3", None, ordered, "recommend", 9)],
    })
    dbt.invoke(*BUILD)
    return dbt


def test_a_blank_customer_id_on_a_survey_answer_never_makes_a_customer(odd_keys_and_stamps):
    dbt = odd_keys_and_stamps
    assert dbt.query("select customer_id from analytics.dim_customers") == [
        {"customer_id": "c1"}]
    unknown = dbt.query("select count(*) as n from analytics.mart_survey_scores "
                        "where segment = 'unknown'")
    assert unknown == [{"n": 0}]


def test_an_order_row_updated_in_the_future_is_quarantined(odd_keys_and_stamps):
    dbt = odd_keys_and_stamps
    future = dbt.query("select order_id, status, reject_reason from analytics.quarantine_orders "
                       "where updated_at > current_timestamp order by order_id")
    assert future == [
        {"order_id": "o1", "status": "cancelled", "reject_reason": "timestamp_out_of_range"},
        {"order_id": "o2", "status": "completed", "reject_reason": "timestamp_out_of_range"},
    ]
    assert dbt.query("select count(*) as n from analytics.stg_orders "
                     "where updated_at > current_timestamp") == [{"n": 0}]
