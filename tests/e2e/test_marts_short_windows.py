"""End to end, short windows: the same data set (dataset.py) built with churn_window_days 30
and repeat_window_days 30, so that customers leave and re-enter the base many times and the
window edges fall on orders. Expected values computed by hand from docs/metrics.md.

W = 30: in the base at the end of day d when a valid order falls in [d - 29, d]; an order on
day x keeps the customer in the base through x + 29. Spells:
    c1  2023-01-10 .. 02-08              2024-03-05 .. 04-03
    c6  2023-01-20 .. 02-18 and 02-14 .. 03-15  -> 2023-01-20 .. 03-15
    c9  2023-03-02 .. 03-31 (in at the end of March, by the last day)
        2023-04-02 .. 05-01 (out at the end of 04-01 only)
        2023-12-15 .. 2024-01-13         2024-03-01 .. 03-30
    c5  2023-03-15 .. 04-13              2023-11-20 .. 12-19      2024-02-10 .. 03-10 (leap Feb)
    c7  2023-05-05 .. 06-03              2024-01-15 .. 02-13
    c4  2023-06-10 .. 07-19
    c2  2023-12-31 .. 2024-01-30 (from its 2024-01-01 order: out at the end of Jan 31)
    c3  2024-02-29 .. 03-29
Base at the end of each month:
    2022-12 -    | 2023-01 c1 c6 | 02 c6 | 03 c9 c5 | 04 c9 | 05 c7 | 06 c4 | 07..10 - | 11 c5
    2023-12 c9 c2 | 2024-01 c7 | 02 c5 c3 | 2024-03-15 c3 c9 c1
"""

from __future__ import annotations

import pytest

from e2e.checks import assert_row, customer_rows, read_marts
from e2e.dataset import AS_OF_DATE, build, d

VARS = {"as_of_date": AS_OF_DATE, "churn_window_days": 30, "repeat_window_days": 30}


@pytest.fixture(scope="module")
def marts(dbt_dirs, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("e2e_short_windows") / "warehouse.duckdb"
    build(dbt_dirs, warehouse, VARS)
    return read_marts(warehouse)


RETENTION_COLUMNS = (
    "customers_start", "customers_end", "new_customers", "retained_customers",
    "churned_customers", "reactivated_customers", "customer_retention_rate", "churn_rate",
)

# S, E, N, retained |S&E|, churned |S-E|, reactivated |E-S-N|, CRR (E-N)/S, churned/S
RETENTION = {
    # S={} E={c1,c6} N={c1,c6}
    ("month", "2023-01-01", "all"): (0, 2, 2, 0, 0, 0, None, None),
    # S={c1,c6} E={c6}: c1 out after 02-08
    ("month", "2023-02-01", "all"): (2, 1, 0, 1, 1, 0, (1 - 0) / 2, 1 / 2),
    # S={c6} E={c9,c5} N={c9,c5}: c6 out after 03-15; c9 (03-02) still in on 03-31
    ("month", "2023-03-01", "all"): (1, 2, 2, 0, 1, 0, (2 - 2) / 1, 1 / 1),
    # S={c9,c5} E={c9}: c9 is out at the end of 04-01 but back on 04-02, so it is in S and E:
    # retained; c5 out after 04-13
    ("month", "2023-04-01", "all"): (2, 1, 0, 1, 1, 0, (1 - 0) / 2, 1 / 2),
    # S={c9} E={c7} N={c7}
    ("month", "2023-05-01", "all"): (1, 1, 1, 0, 1, 0, (1 - 1) / 1, 1 / 1),
    # S={c7} E={c4} N={c4}
    ("month", "2023-06-01", "all"): (1, 1, 1, 0, 1, 0, (1 - 1) / 1, 1 / 1),
    # S={c4} E={}
    ("month", "2023-07-01", "all"): (1, 0, 0, 0, 1, 0, (0 - 0) / 1, 1 / 1),
    # empty base: counts 0, rates NULL
    ("month", "2023-08-01", "all"): (0, 0, 0, 0, 0, 0, None, None),
    ("month", "2023-10-01", "all"): (0, 0, 0, 0, 0, 0, None, None),
    # S={} E={c5}: c5 bought before (Mar 2023) -> reactivated; S=0 -> NULL rates
    ("month", "2023-11-01", "all"): (0, 1, 0, 0, 0, 1, None, None),
    # S={c5} E={c9,c2} N={c2}: c5 out after 12-19, c9 reactivated
    ("month", "2023-12-01", "all"): (1, 2, 1, 0, 1, 1, (2 - 1) / 1, 1 / 1),
    # S={c9,c2} E={c7}: c9 out after 01-13, c2 after 01-30; c7 reactivated
    ("month", "2024-01-01", "all"): (2, 1, 0, 0, 2, 1, (1 - 0) / 2, 2 / 2),
    # S={c7} E={c5,c3} N={c3}: c7 out after 02-13; c5 reactivated
    ("month", "2024-02-01", "all"): (1, 2, 1, 0, 1, 1, (2 - 1) / 1, 1 / 1),
    # S={c5,c3} E={c3,c9,c1} (to 03-15): c5 out after 03-10; c9, c1 reactivated
    ("month", "2024-03-01", "all"): (2, 3, 0, 1, 1, 2, (3 - 0) / 2, 1 / 2),
    # B2C Mar 2024: S={c3} E={c3,c9,c1}
    ("month", "2024-03-01", "B2C"): (1, 3, 0, 1, 0, 2, (3 - 0) / 1, 0 / 1),
    # B2B Mar 2024: S={c5} E={}
    ("month", "2024-03-01", "B2B"): (1, 0, 0, 0, 1, 0, (0 - 0) / 1, 1 / 1),
    # Q1 2023: S={} E={c9,c5} N={c1,c6,c9,c5}
    ("quarter", "2023-01-01", "all"): (0, 2, 4, 0, 0, 0, None, None),
    # Q3 2023: S={c4} E={}
    ("quarter", "2023-07-01", "all"): (1, 0, 0, 0, 1, 0, (0 - 0) / 1, 1 / 1),
    # Q4 2023: S={} E={c9,c2} N={c2}: c9 reactivated
    ("quarter", "2023-10-01", "all"): (0, 2, 1, 0, 0, 1, None, None),
    # Q1 2024: S={c9,c2} E={c3,c9,c1} N={c3}: c9 retained, c2 churned, c1 reactivated
    ("quarter", "2024-01-01", "all"): (2, 3, 1, 1, 1, 1, (3 - 1) / 2, 1 / 2),
    # 2023: S={} E={c9,c2} N = all 7 buyers of 2023 (c9 and c2 are new, not reactivated)
    ("year", "2023-01-01", "all"): (0, 2, 7, 0, 0, 0, None, None),
    ("year", "2024-01-01", "all"): (2, 3, 1, 1, 1, 1, (3 - 1) / 2, 1 / 2),
}


@pytest.mark.parametrize("key", list(RETENTION), ids=lambda k: "-".join(k))
def test_mart_retention(marts, key):
    grain, start, segment = key
    expected = dict(zip(RETENTION_COLUMNS, RETENTION[key], strict=True))
    assert_row(marts["mart_retention"].get((grain, d(start), segment)), expected, str(key))


def test_crr_formula_when_new_customers_lapse_within_the_period(marts):
    # Q2 2023: S={c9,c5} (base at the end of 2023-03-31), E={c4} (end of 2023-06-30),
    # N={c7,c4}: c7 joined on 05-05 and left after 06-03, inside the quarter.
    # metrics.md: customer_retention_rate = (E - N) / S = (1 - 2) / 2 = -0.5; churned 2 of 2.
    # (So with W shorter than the period, "(E - N)/S = 1 - churn_rate + reactivated/S" and
    # "rates in [0, 1]" do not hold: here 1 - 1 + 0 = 0, not -0.5.)
    assert_row(
        marts["mart_retention"].get(("quarter", d("2023-04-01"), "all")),
        dict(zip(RETENTION_COLUMNS, (2, 1, 2, 0, 2, 0, (1 - 2) / 2, 2 / 2), strict=True)),
        "quarter 2023-04-01 all",
    )


# --------------------------------------------------------------------------------------------
# fct_customer_periods: lapsed customers have no rows until they come back
# --------------------------------------------------------------------------------------------

FLAG_COLUMNS = (
    "orders", "revenue", "is_active", "is_new", "is_in_base_start", "is_in_base_end",
    "is_retained", "is_churned", "is_reactivated",
)
T, F = True, False

FLAGS = {
    # c1: new in Jan 2023, churned in Feb 2023 (out after 02-08), no rows Mar 2023 - Feb 2024,
    # reactivated in Mar 2024
    "c1": {
        "2023-01-01": (1, 100, T, T, F, T, F, F, F),
        "2023-02-01": (0, 0, F, F, T, F, F, T, F),
        "2024-03-01": (1, 50, T, F, F, T, F, F, T),
    },
    # c9: new in Mar 2023; retained in Apr 2023 (in at the end of Mar 31 and of Apr 30);
    # churned in May; no rows Jun-Nov; reactivated in Dec; churned in Jan 2024; no row in
    # Feb 2024; reactivated in Mar 2024
    "c9": {
        "2023-03-01": (1, 10, T, T, F, T, F, F, F),
        "2023-04-01": (1, 10, T, F, T, T, T, F, F),
        "2023-05-01": (0, 0, F, F, T, F, F, T, F),
        "2023-12-01": (1, 10, T, F, F, T, F, F, T),
        "2024-01-01": (0, 0, F, F, T, F, F, T, F),
        "2024-03-01": (1, 10, T, F, F, T, F, F, T),
    },
    # c2: new on Dec 31; in Jan 2024 both active (Jan 1 order) and churned (out after 01-30)
    "c2": {
        "2023-12-01": (1, 40, T, T, F, T, F, F, F),
        "2024-01-01": (1, 60, T, F, T, F, F, T, F),
    },
}


@pytest.mark.parametrize("customer_id", list(FLAGS))
def test_fct_customer_periods_month_flags(marts, customer_id):
    expected = FLAGS[customer_id]
    rows = customer_rows(marts["fct_customer_periods"], customer_id, "month")
    assert sorted(rows) == sorted(d(start) for start in expected)
    for start, values in expected.items():
        assert_row(
            rows[d(start)], dict(zip(FLAG_COLUMNS, values, strict=True)),
            f"{customer_id} month {start}",
        )


# --------------------------------------------------------------------------------------------
# mart_cohorts: cohort_repeat_rate with a 30-day repeat window
# --------------------------------------------------------------------------------------------

# second valid order within 30 days of the first?
#   2023-01: c6 25 d yes, c1 no                 -> 1 of 2
#   2023-03: c9 31 d no (yes at 90 d), c5 no    -> 0 of 2
#   2023-05: c7 no -> 0 of 1;  2023-06: c4 10 d -> 1 of 1
#   2023-12: c2 1 d -> 1 of 1; 2024-02: c3 same day -> 1 of 1
COHORT_REPEAT = {
    "2023-01-01": (1, 1 / 2),
    "2023-03-01": (0, 0 / 2),
    "2023-05-01": (0, 0 / 1),
    "2023-06-01": (1, 1 / 1),
    "2023-12-01": (1, 1 / 1),
    "2024-02-01": (1, 1 / 1),
}


@pytest.mark.parametrize("cohort", list(COHORT_REPEAT))
def test_cohort_repeat_rate_30_days(marts, cohort):
    repeaters, rate = COHORT_REPEAT[cohort]
    assert_row(
        marts["mart_cohorts"].get((d(cohort), 0)),
        {"repeat_customers": repeaters, "cohort_repeat_rate": rate},
        f"cohort {cohort}",
    )


# --------------------------------------------------------------------------------------------
# mart_clv: the trailing-year window does not depend on W, the annual churn does
# --------------------------------------------------------------------------------------------

CLV_COLUMNS = (
    "orders_365d", "revenue_365d", "purchasing_customers_365d", "customers_year_before",
    "churned_customers_year", "annual_churn_rate", "avg_lifespan_years", "clv",
)
# p_end 2024-03-15: window 2023-03-17 .. 2024-03-15: 14 orders, 890, 7 buyers (as at W = 365).
# S = base at the end of 2023-03-16 = orders in 2023-02-15 .. 03-16 = {c9, c5} (c6's 02-14 is
# one day too early); at the end of 2024-03-15 the base is {c3, c9, c1}: c5 churned -> 1/2.
# clv = 890 / 7 * (1 / (1/2)) = 1780 / 7
CLV_AS_OF = (14, 890, 7, 2, 1, 1 / 2, 2.0, 890 / 7 * 2)
CLV = {
    ("month", "2024-03-01", "all"): CLV_AS_OF,
    ("quarter", "2024-01-01", "all"): CLV_AS_OF,
    ("year", "2024-01-01", "all"): CLV_AS_OF,
    # p_end 2024-02-29: S = base at the end of 2023-03-01 = orders in 2023-01-31 .. 03-01 =
    # {c6}; c6 not in the base at the end of 2024-02-29 ({c5, c3}) -> 1/1, lifespan 1;
    # window 2023-03-02 .. 2024-02-29: 14 orders, 1040, 6 buyers -> clv 1040 / 6
    ("month", "2024-02-01", "all"): (14, 1040, 6, 1, 1, 1 / 1, 1.0, 1040 / 6 * 1),
    # p_end 2024-01-31: S = base at the end of 2023-01-31 = {c1, c6}; base at the end of
    # 2024-01-31 = {c7} -> 2/2; window 2023-02-01 .. 2024-01-31: 12 orders, 1040, 6 buyers
    ("month", "2024-01-01", "all"): (12, 1040, 6, 2, 2, 2 / 2, 1.0, 1040 / 6 * 1),
}


@pytest.mark.parametrize("key", list(CLV), ids=lambda k: "-".join(k))
def test_mart_clv(marts, key):
    grain, start, segment = key
    expected = dict(zip(CLV_COLUMNS, CLV[key], strict=True))
    assert_row(marts["mart_clv"].get((grain, d(start), segment)), expected, str(key))
