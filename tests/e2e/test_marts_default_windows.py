"""End to end, default windows: build the marts on the hand-made data set (dataset.py) with
as_of_date 2024-03-15 and the spec's defaults (churn_window_days 365, repeat_window_days 90,
gross_margin_rate 1.0) and compare with values computed by hand from docs/metrics.md.

Base membership at the default window W = 365 (metrics.md: in the base at the end of day d
when a valid order falls in [d - 364, d]); an order on day x keeps a customer in the base
through x + 364:
    c1  2023-01-10 .. 2024-01-09, then out, back from 2024-03-05
    c6  2023-01-20 .. 2024-02-13 (last order 2023-02-14 + 364), then out
    all others stay in from their first order to the as-of date.
Base at the end of each month (S of a month = base at the end of the month before):
    2022-12: -                          2023-01/02: c1 c6
    2023-03/04: c1 c6 c9 c5             2023-05: + c7               2023-06..11: + c4 (6)
    2023-12: + c2 (7)                   2024-01: c6 c9 c5 c7 c4 c2 (c1 out, 6)
    2024-02: c9 c5 c7 c4 c2 c3 (c6 out, 6)          2024-03-15: + c1 (7)
Customers active (valid order) per month:
    2023-01 c1 c6 | 02 c6 | 03 c9 c5 | 04 c9 | 05 c7 | 06 c4 (2 orders) | 07..10 - | 11 c5
    2023-12 c9 c2 | 2024-01 c2 c7 | 02 c5 c3 (c3: 2 orders) | 03 c9 c1
"""

from __future__ import annotations

import datetime as dt

import pytest

from e2e.checks import assert_row, customer_rows, read_marts
from e2e.dataset import (
    AS_OF_DATE,
    EXPECTED_PERIOD_STARTS,
    SEGMENTS,
    d,
    default_build,
    num,
)


@pytest.fixture(scope="module")
def marts(dbt_dirs, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("e2e_default_windows") / "warehouse.duckdb"
    default_build(dbt_dirs, tmp_path_factory, warehouse)
    return read_marts(warehouse)


# --------------------------------------------------------------------------------------------
# The period calendar
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mart", ["mart_retention", "mart_purchases", "mart_clv"])
@pytest.mark.parametrize("grain", ["month", "quarter", "year"])
def test_every_period_exists_for_every_segment(marts, mart, grain):
    # From the earliest *valid* order's period (2023-01-10 -> Jan 2023; c8's cancelled order of
    # 2022-12-20 does not start the calendar) to the period holding 2024-03-15, for every
    # segment, even when nobody of that segment is in it (e.g. 'unknown' before May 2023,
    # 'all' in Jul-Oct 2023 without a valid order).
    # month: 12 (2023) + 3 (2024) = 15; quarter: 4 + 1 = 5; year: 2.
    got = {(start, segment) for (g, start, segment) in marts[mart] if g == grain}
    want = {(start, segment) for start in EXPECTED_PERIOD_STARTS[grain] for segment in SEGMENTS}
    assert got == want


@pytest.mark.parametrize("mart", ["mart_retention", "mart_purchases", "mart_clv"])
@pytest.mark.parametrize(
    ("grain", "start", "end", "complete"),
    [
        ("month", "2024-03-01", AS_OF_DATE, False),  # last period ends at the as-of date
        ("quarter", "2024-01-01", AS_OF_DATE, False),
        ("year", "2024-01-01", AS_OF_DATE, False),
        ("month", "2024-02-01", "2024-02-29", True),  # leap February
        ("month", "2023-02-01", "2023-02-28", True),
        ("quarter", "2023-10-01", "2023-12-31", True),
        ("year", "2023-01-01", "2023-12-31", True),
    ],
)
def test_period_end_and_completeness(marts, mart, grain, start, end, complete):
    for segment in SEGMENTS:
        assert_row(
            marts[mart].get((grain, d(start), segment)),
            {"period_end": d(end), "is_period_complete": complete},
            f"{mart} {grain} {start} {segment}",
        )


# --------------------------------------------------------------------------------------------
# mart_retention
# --------------------------------------------------------------------------------------------

RETENTION_COLUMNS = (
    "customers_start", "customers_end", "new_customers", "retained_customers",
    "churned_customers", "reactivated_customers", "active_customers", "returning_customers",
    "customer_retention_rate", "churn_rate", "returning_customer_rate",
)

# (grain, period_start, segment): S, E, N, retained |S&E|, churned |S-E|, reactivated |E-S-N|,
# active, returning (active with first order before p), CRR (E-N)/S, churn/S, returning/active.
RETENTION = {
    # ---- month, all ------------------------------------------------------------------------
    # S={} E={c1,c6} N={c1,c6}; S=0 -> NULL rates; returning 0 of active {c1,c6}
    ("month", "2023-01-01", "all"): (0, 2, 2, 0, 0, 0, 2, 0, None, None, 0 / 2),
    # S=E={c1,c6}; active {c6} returning (first order Jan)
    ("month", "2023-02-01", "all"): (2, 2, 0, 2, 0, 0, 1, 1, (2 - 0) / 2, 0 / 2, 1 / 1),
    # E adds new c9, c5; both active and new
    ("month", "2023-03-01", "all"): (2, 4, 2, 2, 0, 0, 2, 0, (4 - 2) / 2, 0 / 2, 0 / 2),
    ("month", "2023-04-01", "all"): (4, 4, 0, 4, 0, 0, 1, 1, (4 - 0) / 4, 0 / 4, 1 / 1),
    ("month", "2023-05-01", "all"): (4, 5, 1, 4, 0, 0, 1, 0, (5 - 1) / 4, 0 / 4, 0 / 1),
    ("month", "2023-06-01", "all"): (5, 6, 1, 5, 0, 0, 1, 0, (6 - 1) / 5, 0 / 5, 0 / 1),
    # nobody buys Jul-Oct (Aug: only c8's cancelled order, Sep: c4's refunded order):
    # returning_customer_rate 0/0 -> NULL
    ("month", "2023-07-01", "all"): (6, 6, 0, 6, 0, 0, 0, 0, (6 - 0) / 6, 0 / 6, None),
    ("month", "2023-08-01", "all"): (6, 6, 0, 6, 0, 0, 0, 0, (6 - 0) / 6, 0 / 6, None),
    ("month", "2023-09-01", "all"): (6, 6, 0, 6, 0, 0, 0, 0, (6 - 0) / 6, 0 / 6, None),
    ("month", "2023-10-01", "all"): (6, 6, 0, 6, 0, 0, 0, 0, (6 - 0) / 6, 0 / 6, None),
    ("month", "2023-11-01", "all"): (6, 6, 0, 6, 0, 0, 1, 1, (6 - 0) / 6, 0 / 6, 1 / 1),
    # c2 new on Dec 31 (23:30 UTC); active {c9, c2}, c9 returning
    ("month", "2023-12-01", "all"): (6, 7, 1, 6, 0, 0, 2, 1, (7 - 1) / 6, 0 / 6, 1 / 2),
    # c1 leaves the base after 2024-01-09: churned; active {c2, c7}, both first bought earlier
    ("month", "2024-01-01", "all"): (7, 6, 0, 6, 1, 0, 2, 2, (6 - 0) / 7, 1 / 7, 2 / 2),
    # c6 leaves after 2024-02-13: churned; c3 new (leap day); active {c5, c3}
    ("month", "2024-02-01", "all"): (6, 6, 1, 5, 1, 0, 2, 1, (6 - 1) / 6, 1 / 6, 1 / 2),
    # c1 back on 2024-03-05: reactivated, CRR above 1 by reactivated/S; active {c9, c1}
    # (c4's pending order does not count)
    ("month", "2024-03-01", "all"): (6, 7, 0, 6, 0, 1, 2, 2, (7 - 0) / 6, 0 / 6, 2 / 2),
    # ---- month, segments (B2C: c1 c2 c3 c4 c9 | B2B: c5 c6 | unknown: c7) ---------------------
    ("month", "2023-01-01", "B2C"): (0, 1, 1, 0, 0, 0, 1, 0, None, None, 0 / 1),
    # S={c1,c9,c4,c2} E=S-{c1}; active {c2}
    ("month", "2024-01-01", "B2C"): (4, 3, 0, 3, 1, 0, 1, 1, (3 - 0) / 4, 1 / 4, 1 / 1),
    # S={c9,c4,c2} E=S+{c3}, c3 new and the only active B2C customer
    ("month", "2024-02-01", "B2C"): (3, 4, 1, 3, 0, 0, 1, 0, (4 - 1) / 3, 0 / 3, 0 / 1),
    # S={c9,c4,c2,c3} E=S+{c1}: c1 reactivated; active {c9, c1}
    ("month", "2024-03-01", "B2C"): (4, 5, 0, 4, 0, 1, 2, 2, (5 - 0) / 4, 0 / 4, 2 / 2),
    # S=E={c6}; c6's second order (Feb 14) makes it active and returning
    ("month", "2023-02-01", "B2B"): (1, 1, 0, 1, 0, 0, 1, 1, (1 - 0) / 1, 0 / 1, 1 / 1),
    # S={c5,c6} E={c5}: c6 churned; active {c5}
    ("month", "2024-02-01", "B2B"): (2, 1, 0, 1, 1, 0, 1, 1, (1 - 0) / 2, 1 / 2, 1 / 1),
    # S=E={c5}; nobody active -> returning rate NULL
    ("month", "2024-03-01", "B2B"): (1, 1, 0, 1, 0, 0, 0, 0, (1 - 0) / 1, 0 / 1, None),
    # nobody in 'unknown' yet: counts 0, every rate NULL
    ("month", "2023-01-01", "unknown"): (0, 0, 0, 0, 0, 0, 0, 0, None, None, None),
    ("month", "2023-05-01", "unknown"): (0, 1, 1, 0, 0, 0, 1, 0, None, None, 0 / 1),
    ("month", "2024-01-01", "unknown"): (1, 1, 0, 1, 0, 0, 1, 1, (1 - 0) / 1, 0 / 1, 1 / 1),
    # ---- quarter, all -------------------------------------------------------------------------
    # E={c1,c6,c9,c5} all new; active the same 4
    ("quarter", "2023-01-01", "all"): (0, 4, 4, 0, 0, 0, 4, 0, None, None, 0 / 4),
    # E adds c7, c4; active {c9, c7, c4}, c9 returning
    ("quarter", "2023-04-01", "all"): (4, 6, 2, 4, 0, 0, 3, 1, (6 - 2) / 4, 0 / 4, 1 / 3),
    ("quarter", "2023-07-01", "all"): (6, 6, 0, 6, 0, 0, 0, 0, (6 - 0) / 6, 0 / 6, None),
    # c2 new; active {c5, c9, c2}, c5 and c9 returning
    ("quarter", "2023-10-01", "all"): (6, 7, 1, 6, 0, 0, 3, 2, (7 - 1) / 6, 0 / 6, 2 / 3),
    # S={c1,c6,c9,c5,c7,c4,c2} E={c9,c5,c7,c4,c2,c3,c1}: c1 lapsed and came back inside the
    # quarter, so it is in S and in E -> retained, not reactivated; c6 churned; c3 new.
    # active {c2,c7,c5,c3,c9,c1}, all but c3 returning
    ("quarter", "2024-01-01", "all"): (7, 7, 1, 6, 1, 0, 6, 5, (7 - 1) / 7, 1 / 7, 5 / 6),
    ("quarter", "2024-01-01", "B2C"): (4, 5, 1, 4, 0, 0, 4, 3, (5 - 1) / 4, 0 / 4, 3 / 4),
    # ---- year ---------------------------------------------------------------------------------
    # 2023: the 7 buyers of 2023 are all new, all still in the base on Dec 31 (c1 to Jan 9)
    ("year", "2023-01-01", "all"): (0, 7, 7, 0, 0, 0, 7, 0, None, None, 0 / 7),
    ("year", "2024-01-01", "all"): (7, 7, 1, 6, 1, 0, 6, 5, (7 - 1) / 7, 1 / 7, 5 / 6),
    # B2B 2024: S={c5,c6} E={c5}; active {c5}
    ("year", "2024-01-01", "B2B"): (2, 1, 0, 1, 1, 0, 1, 1, (1 - 0) / 2, 1 / 2, 1 / 1),
}


@pytest.mark.parametrize("key", list(RETENTION), ids=lambda k: "-".join(k))
def test_mart_retention(marts, key):
    grain, start, segment = key
    expected = dict(zip(RETENTION_COLUMNS, RETENTION[key], strict=True))
    assert_row(marts["mart_retention"].get((grain, d(start), segment)), expected, str(key))


def test_retention_identity_crr_equals_one_minus_churn_plus_reactivated_share(marts):
    # metrics.md: "(E - N)/S can exceed 1 - churn_rate by reactivated/S; that identity is a
    # test". It holds here because with W = 365 no new customer leaves the base within the
    # period it joined (every period here is shorter than 365 days).
    checked = 0
    for key, row in marts["mart_retention"].items():
        if row["customers_start"]:
            expected = 1 - row["churn_rate"] + row["reactivated_customers"] / row["customers_start"]
            assert row["customer_retention_rate"] == pytest.approx(expected), key
            checked += 1
    assert checked > 0


ADDITIVE = {
    "mart_retention": (
        "customers_start", "customers_end", "new_customers", "retained_customers",
        "churned_customers", "reactivated_customers", "active_customers", "returning_customers",
    ),
    "mart_purchases": (
        "active_customers", "repeat_customers", "multi_category_customers",
        "single_category_customers", "orders", "revenue",
    ),
    "mart_clv": (
        "orders_365d", "revenue_365d", "purchasing_customers_365d", "customers_year_before",
        "churned_customers_year",
    ),
}


@pytest.mark.parametrize("mart", list(ADDITIVE))
def test_segments_add_up_to_all(marts, mart):
    # Every customer falls in exactly one of B2B, B2C, unknown (data-contract.md), so each
    # count of 'all' is the sum of the three segments' counts.
    for (grain, start, segment), row in marts[mart].items():
        if segment != "all":
            continue
        for column in ADDITIVE[mart]:
            parts = [marts[mart][(grain, start, s)][column] for s in ("B2B", "B2C", "unknown")]
            assert num(row[column]) == pytest.approx(sum(num(p) for p in parts)), (
                mart, grain, start, column,
            )


# --------------------------------------------------------------------------------------------
# mart_purchases
# --------------------------------------------------------------------------------------------

PURCHASE_COLUMNS = (
    "active_customers", "repeat_customers", "repeat_purchase_rate", "multi_category_customers",
    "single_category_customers", "upsell_ratio", "orders", "revenue", "avg_order_value",
)

# active, repeat (>= 2 valid orders), repeat/active, multi (>= 2 categories), single (exactly 1),
# multi/single, valid orders, revenue, revenue/orders
PURCHASES = {
    # c1 100 books, c6 500 office (its cancelled 70 does not count)
    ("month", "2023-01-01", "all"): (2, 0, 0 / 2, 0, 2, 0 / 2, 2, 100 + 500, 600 / 2),
    ("month", "2023-02-01", "all"): (1, 0, 0 / 1, 0, 1, 0 / 1, 1, 150, 150 / 1),
    # c9 10 books; c5 one order of 200 with office 120 + tech 80 -> 2 categories
    ("month", "2023-03-01", "all"): (2, 0, 0 / 2, 1, 1, 1 / 1, 2, 10 + 200, 210 / 2),
    ("month", "2023-04-01", "all"): (1, 0, 0 / 1, 0, 1, 0 / 1, 1, 10, 10 / 1),
    # c4: 25 books + 35 toys in two orders: repeat, 2 categories; no single -> upsell 1/0 NULL
    ("month", "2023-06-01", "all"): (1, 1, 1 / 1, 1, 0, None, 2, 25 + 35, 60 / 2),
    # no valid order: counts 0, revenue 0, every ratio NULL
    ("month", "2023-07-01", "all"): (0, 0, None, 0, 0, None, 0, 0, None),
    ("month", "2023-08-01", "all"): (0, 0, None, 0, 0, None, 0, 0, None),  # c8 cancelled
    ("month", "2023-09-01", "all"): (0, 0, None, 0, 0, None, 0, 0, None),  # c4 refunded 999
    ("month", "2023-11-01", "all"): (1, 0, 0 / 1, 0, 1, 0 / 1, 1, 300, 300 / 1),
    # c9 10 books, c2 40 toys (2023-12-31 23:30 UTC belongs to December)
    ("month", "2023-12-01", "all"): (2, 0, 0 / 2, 0, 2, 0 / 2, 2, 10 + 40, 50 / 2),
    # c2 60 toys (2024-01-01 00:15 UTC), c7 120 garden
    ("month", "2024-01-01", "all"): (2, 0, 0 / 2, 0, 2, 0 / 2, 2, 60 + 120, 180 / 2),
    # c5 100 tech; c3 30 + 20 books on the leap day: a repeat customer with one category
    ("month", "2024-02-01", "all"): (2, 1, 1 / 2, 0, 2, 0 / 2, 3, 100 + 30 + 20, 150 / 3),
    # c9 10, c1 50; c4's pending 80 does not count
    ("month", "2024-03-01", "all"): (2, 0, 0 / 2, 0, 2, 0 / 2, 2, 10 + 50, 60 / 2),
    ("month", "2023-01-01", "B2B"): (1, 0, 0 / 1, 0, 1, 0 / 1, 1, 500, 500 / 1),
    ("month", "2023-03-01", "B2B"): (1, 0, 0 / 1, 1, 0, None, 1, 200, 200 / 1),
    ("month", "2023-03-01", "B2C"): (1, 0, 0 / 1, 0, 1, 0 / 1, 1, 10, 10 / 1),
    ("month", "2024-02-01", "B2C"): (1, 1, 1 / 1, 0, 1, 0 / 1, 2, 30 + 20, 50 / 2),
    ("month", "2024-02-01", "B2B"): (1, 0, 0 / 1, 0, 1, 0 / 1, 1, 100, 100 / 1),
    ("month", "2024-01-01", "unknown"): (1, 0, 0 / 1, 0, 1, 0 / 1, 1, 120, 120 / 1),
    ("month", "2023-01-01", "unknown"): (0, 0, None, 0, 0, None, 0, 0, None),
    # Q1 2023: c1 100 books; c6 500 + 150 office (repeat); c9 10 books; c5 200 office+tech
    ("quarter", "2023-01-01", "all"): (
        4, 1, 1 / 4, 1, 3, 1 / 3, 5, 100 + 500 + 150 + 10 + 200, 960 / 5,
    ),
    # Q2 2023: c9 10 books; c7 80 garden; c4 25 books + 35 toys (repeat, 2 categories)
    ("quarter", "2023-04-01", "all"): (3, 1, 1 / 3, 1, 2, 1 / 2, 4, 10 + 80 + 25 + 35, 150 / 4),
    ("quarter", "2023-07-01", "all"): (0, 0, None, 0, 0, None, 0, 0, None),
    # Q4 2023: c5 300 office, c9 10 books, c2 40 toys
    ("quarter", "2023-10-01", "all"): (3, 0, 0 / 3, 0, 3, 0 / 3, 3, 300 + 10 + 40, 350 / 3),
    # Q1 2024 (to Mar 15): c2 60, c7 120, c5 100, c3 30 + 20, c9 10, c1 50; one category each
    ("quarter", "2024-01-01", "all"): (
        6, 1, 1 / 6, 0, 6, 0 / 6, 7, 60 + 120 + 100 + 30 + 20 + 10 + 50, 390 / 7,
    ),
    # 2023: orders c1 1, c6 2, c9 3, c5 2, c7 1, c4 2, c2 1 = 12 -> repeat c6 c9 c5 c4;
    # categories: c5 office+tech, c4 books+toys (multi), the other 5 single;
    # revenue 100 + 650 + 30 + 500 + 80 + 60 + 40
    ("year", "2023-01-01", "all"): (
        7, 4, 4 / 7, 2, 5, 2 / 5, 12, 100 + 650 + 30 + 500 + 80 + 60 + 40, 1460 / 12,
    ),
    ("year", "2024-01-01", "all"): (6, 1, 1 / 6, 0, 6, 0 / 6, 7, 390, 390 / 7),
    # B2B 2023: c6 2 orders office (650), c5 2 orders office+tech / office (500)
    ("year", "2023-01-01", "B2B"): (2, 2, 2 / 2, 1, 1, 1 / 1, 4, 650 + 500, 1150 / 4),
    # B2C 2023: c1 1 books (100), c9 3 books (30), c4 2 books+toys (60), c2 1 toys (40)
    ("year", "2023-01-01", "B2C"): (4, 2, 2 / 4, 1, 3, 1 / 3, 7, 100 + 30 + 60 + 40, 230 / 7),
}


@pytest.mark.parametrize("key", list(PURCHASES), ids=lambda k: "-".join(k))
def test_mart_purchases(marts, key):
    grain, start, segment = key
    expected = dict(zip(PURCHASE_COLUMNS, PURCHASES[key], strict=True))
    assert_row(marts["mart_purchases"].get((grain, d(start), segment)), expected, str(key))


# --------------------------------------------------------------------------------------------
# mart_cohorts (repeat window 90 days)
# --------------------------------------------------------------------------------------------

# cohort -> members, first order -> second valid order (days), repeat within 90 days?
#   2023-01: c1 (01-10 -> 2024-03-05, 420 d: no), c6 (01-20 -> 02-14, 25 d: yes)   -> 1 of 2
#   2023-03: c9 (03-02 -> 04-02, 31 d: yes), c5 (03-15 -> 11-20, 250 d: no)         -> 1 of 2
#   2023-05: c7 (05-05 -> 2024-01-15, 255 d: no)                                    -> 0 of 1
#   2023-06: c4 (06-10 -> 06-20, 10 d: yes)                                         -> 1 of 1
#   2023-12: c2 (12-31 -> 2024-01-01, 1 d: yes)                                     -> 1 of 1
#   2024-02: c3 (02-29 -> 02-29, 0 d, a different order: yes)                       -> 1 of 1
COHORTS = {
    "2023-01-01": (2, 1, 1 / 2),
    "2023-03-01": (2, 1, 1 / 2),
    "2023-05-01": (1, 0, 0 / 1),
    "2023-06-01": (1, 1, 1 / 1),
    "2023-12-01": (1, 1, 1 / 1),
    "2024-02-01": (1, 1, 1 / 1),
}


def test_cohorts_are_the_first_order_months(marts):
    # c8 (only a cancelled order) is in no cohort: 2 + 2 + 1 + 1 + 1 + 1 = 8 buyers.
    sizes = {
        month: row["cohort_size"]
        for (month, _), row in marts["mart_cohorts"].items()
        if row["cohort_size"]
    }
    assert sizes == {d(month): size for month, (size, _, _) in COHORTS.items()}


@pytest.mark.parametrize("cohort", list(COHORTS))
def test_cohort_repeat_rate_on_every_row_of_the_cohort(marts, cohort):
    size, repeaters, rate = COHORTS[cohort]
    rows = [row for (month, _), row in marts["mart_cohorts"].items() if month == d(cohort)]
    assert rows
    for row in rows:
        assert_row(
            row,
            {"cohort_size": size, "repeat_customers": repeaters, "cohort_repeat_rate": rate},
            f"cohort {cohort} k={row['months_since_first_order']}",
        )


@pytest.mark.parametrize(
    ("cohort", "last_k"),
    # months from the cohort month to March 2024, the as-of period
    [("2023-01-01", 14), ("2023-03-01", 12), ("2023-05-01", 10), ("2023-06-01", 9),
     ("2023-12-01", 3), ("2024-02-01", 1)],
)
def test_cohort_rows_run_to_the_as_of_month(marts, cohort, last_k):
    ks = sorted(k for (month, k) in marts["mart_cohorts"] if month == d(cohort))
    assert ks == list(range(last_k + 1))


# (cohort_month, k): active, active/size, revenue in month k, cumulative revenue to month k
COHORT_CELLS = {
    ("2023-01-01", 0): (2, 2 / 2, 100 + 500, 600),  # c1, c6
    ("2023-01-01", 1): (1, 1 / 2, 150, 600 + 150),  # c6 in Feb 2023
    ("2023-01-01", 2): (0, 0 / 2, 0, 750),  # nobody in Mar 2023
    ("2023-01-01", 14): (1, 1 / 2, 50, 750 + 50),  # c1 back in Mar 2024
    ("2023-03-01", 0): (2, 2 / 2, 10 + 200, 210),  # c9, c5
    ("2023-03-01", 1): (1, 1 / 2, 10, 210 + 10),  # c9 Apr 2023
    ("2023-03-01", 8): (1, 1 / 2, 300, 220 + 300),  # c5 Nov 2023
    ("2023-03-01", 9): (1, 1 / 2, 10, 520 + 10),  # c9 Dec 2023
    ("2023-03-01", 10): (0, 0 / 2, 0, 530),  # Jan 2024
    ("2023-03-01", 11): (1, 1 / 2, 100, 530 + 100),  # c5 Feb 2024
    ("2023-03-01", 12): (1, 1 / 2, 10, 630 + 10),  # c9 Mar 2024
    ("2023-05-01", 0): (1, 1 / 1, 80, 80),  # c7
    ("2023-05-01", 8): (1, 1 / 1, 120, 80 + 120),  # c7 Jan 2024
    ("2023-06-01", 0): (1, 1 / 1, 25 + 35, 60),  # c4, two orders
    ("2023-06-01", 3): (0, 0 / 1, 0, 60),  # Sep 2023: the refunded 999 does not count
    ("2023-06-01", 9): (0, 0 / 1, 0, 60),  # Mar 2024: the pending 80 does not count
    ("2023-12-01", 0): (1, 1 / 1, 40, 40),  # c2 on Dec 31
    ("2023-12-01", 1): (1, 1 / 1, 60, 40 + 60),  # c2 on Jan 1
    ("2023-12-01", 2): (0, 0 / 1, 0, 100),
    ("2024-02-01", 0): (1, 1 / 1, 30 + 20, 50),  # c3 twice on the leap day
    ("2024-02-01", 1): (0, 0 / 1, 0, 50),
}


@pytest.mark.parametrize("cell", list(COHORT_CELLS), ids=lambda c: f"{c[0]}+{c[1]}")
def test_mart_cohorts_cell(marts, cell):
    cohort, k = cell
    active, share, revenue, cumulative = COHORT_CELLS[cell]
    assert_row(
        marts["mart_cohorts"].get((d(cohort), k)),
        {"active_customers": active, "retention_share": share, "revenue": revenue,
         "cumulative_revenue": cumulative},
        f"cohort {cohort} k={k}",
    )


# --------------------------------------------------------------------------------------------
# mart_clv (trailing 365 days ending on period_end; annual churn with W = 365)
# --------------------------------------------------------------------------------------------

CLV_COLUMNS = (
    "orders_365d", "revenue_365d", "purchasing_customers_365d", "customers_year_before",
    "churned_customers_year", "avg_order_value", "purchase_frequency", "customer_value",
    "annual_churn_rate", "avg_lifespan_years", "clv",
)

# Window [p_end - 364, p_end]; S = base at the end of p_end - 365; churned = S not in the base
# at the end of p_end; clv = customer_value * (1 / annual_churn_rate) * 1.0.
# p_end 2024-03-15: window 2023-03-17 .. 2024-03-15 (2024 is a leap year: 2024-03-15 - 365 =
#   2023-03-16). Orders: all valid ones but c1 01-10, c6 01-20 + 02-14, c9 03-02, c5 03-15:
#   19 - 5 = 14, revenue 1850 - (100 + 500 + 150 + 10 + 200) = 890, buyers c9 c7 c4 c5 c2 c3 c1.
#   S = base at end of 2023-03-16 = {c1, c6, c9, c5}; at the end of 2024-03-15 c6 is out -> 1.
CLV_AS_OF = (14, 890, 7, 4, 1, 890 / 14, 14 / 7, 890 / 7, 1 / 4, 4.0, 890 / 7 * 4)
CLV = {
    ("month", "2024-03-01", "all"): CLV_AS_OF,
    ("quarter", "2024-01-01", "all"): CLV_AS_OF,  # same p_end, so the same trailing year
    ("year", "2024-01-01", "all"): CLV_AS_OF,
    # p_end 2024-02-29: window 2023-03-02 .. 2024-02-29 (starts exactly on c9's first order);
    # all valid orders but c1 01-10 + 03-05, c6 01-20 + 02-14, c9 2024-03-01: 19 - 5 = 14,
    # revenue 1850 - (100 + 50 + 500 + 150 + 10) = 1040; buyers c9 c5 c7 c4 c2 c3.
    # S = base at end of 2023-03-01 = {c1, c6} (c9 joins one day later); both out at the end
    # of 2024-02-29 -> churn 2/2, lifespan 1.
    ("month", "2024-02-01", "all"): (
        14, 1040, 6, 2, 2, 1040 / 14, 14 / 6, 1040 / 6, 2 / 2, 1.0, 1040 / 6 * 1,
    ),
    # p_end 2024-01-31: window 2023-02-01 .. 2024-01-31: 12 orders (c6 150, c9 10 + 10 + 10,
    # c5 200 + 300, c7 80 + 120, c4 25 + 35, c2 40 + 60) = 1040; buyers c6 c9 c5 c7 c4 c2.
    # S = base at end of 2023-01-31 = {c1, c6}; c1 out at the end of 2024-01-31 -> 1/2.
    ("month", "2024-01-01", "all"): (
        12, 1040, 6, 2, 1, 1040 / 12, 12 / 6, 1040 / 6, 1 / 2, 2.0, 1040 / 6 * 2,
    ),
    # p_end 2023-12-31: window = the year 2023: 12 orders, 1460, 7 buyers; S = base at the end
    # of 2022-12-31 = {} (c8's cancelled order does not count) -> churn, lifespan, clv NULL.
    ("month", "2023-12-01", "all"): (
        12, 1460, 7, 0, 0, 1460 / 12, 12 / 7, 1460 / 7, None, None, None,
    ),
    ("quarter", "2023-10-01", "all"): (
        12, 1460, 7, 0, 0, 1460 / 12, 12 / 7, 1460 / 7, None, None, None,
    ),
    ("year", "2023-01-01", "all"): (
        12, 1460, 7, 0, 0, 1460 / 12, 12 / 7, 1460 / 7, None, None, None,
    ),
    # p_end 2023-01-31: window 2022-02-01 .. 2023-01-31: c1 100, c6 500
    ("month", "2023-01-01", "all"): (2, 600, 2, 0, 0, 600 / 2, 2 / 2, 600 / 2, None, None, None),
    # nothing of 'unknown' (c7) before May 2023: every ratio NULL
    ("month", "2023-01-01", "unknown"): (0, 0, 0, 0, 0, None, None, None, None, None, None),
    # Mar 2024 by segment (window 2023-03-17 .. 2024-03-15, S at the end of 2023-03-16):
    # B2C: c9 10 + 10 + 10, c4 25 + 35, c2 40 + 60, c3 30 + 20, c1 50 = 10 orders, 290;
    #      S = {c1, c9}, both in the base at the end of 2024-03-15 -> churn 0, lifespan NULL
    ("month", "2024-03-01", "B2C"): (
        10, 290, 5, 2, 0, 290 / 10, 10 / 5, 290 / 5, 0 / 2, None, None,
    ),
    # B2B: c5 300 + 100; S = {c6, c5}, c6 out -> 1/2
    ("month", "2024-03-01", "B2B"): (
        2, 400, 1, 2, 1, 400 / 2, 2 / 1, 400 / 1, 1 / 2, 2.0, 400 / 1 * 2,
    ),
    # unknown: c7 80 + 120; S = {} (c7's first order is 2023-05-05)
    ("month", "2024-03-01", "unknown"): (
        2, 200, 1, 0, 0, 200 / 2, 2 / 1, 200 / 1, None, None, None,
    ),
}


@pytest.mark.parametrize("key", list(CLV), ids=lambda k: "-".join(k))
def test_mart_clv(marts, key):
    grain, start, segment = key
    expected = dict(zip(CLV_COLUMNS, CLV[key], strict=True))
    assert_row(marts["mart_clv"].get((grain, d(start), segment)), expected, str(key))


# --------------------------------------------------------------------------------------------
# dim_customers
# --------------------------------------------------------------------------------------------

# segment, is_in_customers, first, second, last order date, cohort_month, lifetime orders, revenue
DIM = {
    "c1": ("B2C", True, "2023-01-10", "2024-03-05", "2024-03-05", "2023-01-01", 2, 100 + 50),
    # year boundary: 2023-12-31 23:30 and 2024-01-01 00:15 UTC
    "c2": ("B2C", True, "2023-12-31", "2024-01-01", "2024-01-01", "2023-12-01", 2, 40 + 60),
    # two orders on the leap day: the second order date is the same day
    "c3": ("B2C", True, "2024-02-29", "2024-02-29", "2024-02-29", "2024-02-01", 2, 30 + 20),
    # refunded 999 (Sep 2023) and pending 80 (Mar 2024) do not count
    "c4": ("B2C", True, "2023-06-10", "2023-06-20", "2023-06-20", "2023-06-01", 2, 25 + 35),
    "c5": ("B2B", True, "2023-03-15", "2023-11-20", "2024-02-10", "2023-03-01", 3,
           200 + 300 + 100),
    # the cancelled 70 of 2023-01-25 does not count
    "c6": ("B2B", True, "2023-01-20", "2023-02-14", "2023-02-14", "2023-01-01", 2, 500 + 150),
    # not in raw.customers
    "c7": ("unknown", False, "2023-05-05", "2024-01-15", "2024-01-15", "2023-05-01", 2,
           80 + 120),
    "c9": ("B2C", True, "2023-03-02", "2023-04-02", "2024-03-01", "2023-03-01", 4,
           10 + 10 + 10 + 10),
}
DIM_COLUMNS = (
    "segment", "is_in_customers", "first_order_date", "second_order_date", "last_order_date",
    "cohort_month", "lifetime_orders", "lifetime_revenue",
)


@pytest.mark.parametrize("customer_id", list(DIM))
def test_dim_customers(marts, customer_id):
    expected = {
        column: d(value) if column.endswith(("_date", "_month")) else value
        for column, value in zip(DIM_COLUMNS, DIM[customer_id], strict=True)
    }
    assert_row(marts["dim_customers"].get(customer_id), expected, customer_id)


def test_dim_customers_unknown_buyer_has_no_customer_attributes(marts):
    assert_row(marts["dim_customers"].get("c7"), {"country": None, "created_at": None}, "c7")


def test_dim_customers_totals(marts):
    buyers = [row for row in marts["dim_customers"].values() if row["lifetime_orders"]]
    # 2 + 2 + 2 + 2 + 3 + 2 + 2 + 4 = 19 valid orders; revenue 1460 (2023) + 390 (2024)
    assert sum(row["lifetime_orders"] for row in buyers) == 19
    assert sum(num(row["lifetime_revenue"]) for row in buyers) == pytest.approx(1460 + 390)


def test_customer_with_only_a_cancelled_order_never_counts(marts):
    # c8 has no valid order: no first order, no cohort, no period rows. (Whether dim_customers
    # lists c8 with empty order attributes or leaves it out, the spec does not say.)
    row = marts["dim_customers"].get("c8")
    if row is not None:
        assert_row(row, {"first_order_date": None, "cohort_month": None}, "c8")
        assert row["lifetime_orders"] in (0, None)
    assert not [r for r in marts["fct_customer_periods"] if r["customer_id"] == "c8"]


# --------------------------------------------------------------------------------------------
# fct_customer_periods
# --------------------------------------------------------------------------------------------

FLAG_COLUMNS = (
    "orders", "revenue", "is_active", "is_new", "is_in_base_start", "is_in_base_end",
    "is_retained", "is_churned", "is_reactivated",
)
T, F = True, False
IN_BASE_IDLE = (0, 0, F, F, T, T, T, F, F)  # in the base all period, no valid order

# c1, months: new in Jan 2023, in the base (idle) Feb-Dec 2023, churned in Jan 2024 (out after
# 2024-01-09), no row in Feb 2024 (lapsed: neither active nor in the base), back in Mar 2024.
C1_MONTHS = {
    "2023-01-01": (1, 100, T, T, F, T, F, F, F),
    **{dt.date(2023, m, 1).isoformat(): IN_BASE_IDLE for m in range(2, 13)},
    "2024-01-01": (0, 0, F, F, T, F, F, T, F),
    "2024-03-01": (1, 50, T, F, F, T, F, F, T),
}
# c1, quarters: in the base at the start and at the end of Q1 2024 -> retained there
C1_QUARTERS = {
    "2023-01-01": (1, 100, T, T, F, T, F, F, F),
    "2023-04-01": IN_BASE_IDLE,
    "2023-07-01": IN_BASE_IDLE,
    "2023-10-01": IN_BASE_IDLE,
    "2024-01-01": (1, 50, T, F, T, T, T, F, F),
}
C1_YEARS = {
    "2023-01-01": (1, 100, T, T, F, T, F, F, F),
    "2024-01-01": (1, 50, T, F, T, T, T, F, F),
}
# c6, months: 500 in Jan 2023 (not the cancelled 70), 150 in Feb 2023, idle in the base to
# Jan 2024, churned in Feb 2024 (out after 2024-02-13), then no row in Mar 2024.
C6_MONTHS = {
    "2023-01-01": (1, 500, T, T, F, T, F, F, F),
    "2023-02-01": (1, 150, T, F, T, T, T, F, F),
    **{dt.date(2023, m, 1).isoformat(): IN_BASE_IDLE for m in range(3, 13)},
    "2024-01-01": IN_BASE_IDLE,
    "2024-02-01": (0, 0, F, F, T, F, F, T, F),
}


@pytest.mark.parametrize(
    ("customer_id", "grain", "expected"),
    [
        ("c1", "month", C1_MONTHS),
        ("c1", "quarter", C1_QUARTERS),
        ("c1", "year", C1_YEARS),
        ("c6", "month", C6_MONTHS),
    ],
    ids=["c1-month", "c1-quarter", "c1-year", "c6-month"],
)
def test_fct_customer_periods_flags(marts, customer_id, grain, expected):
    rows = customer_rows(marts["fct_customer_periods"], customer_id, grain)
    assert sorted(rows) == sorted(d(start) for start in expected)  # no row while lapsed
    for start, values in expected.items():
        assert_row(
            rows[d(start)], dict(zip(FLAG_COLUMNS, values, strict=True)),
            f"{customer_id} {grain} {start}",
        )


@pytest.mark.parametrize(
    ("customer_id", "start", "expected"),
    [
        # one order with items of two categories
        ("c5", "2023-03-01", {"orders": 1, "revenue": 200, "distinct_categories": 2,
                              "segment": "B2B", "is_new": True}),
        # two orders of two categories in one month
        ("c4", "2023-06-01", {"orders": 2, "revenue": 25 + 35, "distinct_categories": 2}),
        # in the base, only a pending order: not active
        ("c4", "2024-03-01", {"orders": 0, "is_active": False, "is_retained": True}),
        # two orders on the leap day, one category
        ("c3", "2024-02-01", {"orders": 2, "revenue": 30 + 20, "distinct_categories": 1,
                              "is_new": True, "period_end": d("2024-02-29")}),
        # year boundary in UTC
        ("c2", "2023-12-01", {"orders": 1, "revenue": 40, "is_new": True}),
        ("c2", "2024-01-01", {"orders": 1, "revenue": 60, "is_new": False, "is_retained": True}),
        ("c7", "2024-01-01", {"orders": 1, "revenue": 120, "segment": "unknown"}),
        # last period ends at the as-of date
        ("c9", "2024-03-01", {"orders": 1, "revenue": 10, "period_end": d(AS_OF_DATE)}),
    ],
)
def test_fct_customer_periods_month_rows(marts, customer_id, start, expected):
    rows = customer_rows(marts["fct_customer_periods"], customer_id, "month")
    assert_row(rows.get(d(start)), expected, f"{customer_id} month {start}")


def test_fct_periods_of_c7_run_from_its_first_order_to_the_as_of_month(marts):
    # c7 first buys on 2023-05-05 and stays in the base (W = 365) to the as-of date:
    # May 2023 .. Mar 2024 = 8 + 3 = 11 months, nothing before its first order
    rows = customer_rows(marts["fct_customer_periods"], "c7", "month")
    assert sorted(rows) == EXPECTED_PERIOD_STARTS["month"][4:]
    assert len(rows) == 8 + 3
