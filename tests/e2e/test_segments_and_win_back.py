"""End to end: RFM segments (mart_customer_segments, mart_segment_periods) and the win-back
list (mart_customers_at_risk) on a tiny hand-made data set, every expected value computed by
hand from metrics.md ("Customer segments and who to win back"); then `loyalty at-risk`.

As-of date 2024-03-31, W = churn_window_days = 30, overdue_factor 2 (default). Seven buyers,
five of them repeat buyers: fewer than clv_min_repeat_customers = 10, so BG/NBD is not fitted
and P(alive) and the predicted CLV are NULL: only the overdue rule can put a customer on the
list, and the value at risk is NULL (the ranking falls back to lifetime revenue).
test_p_alive_rule_and_value_at_risk checks the P(alive) side on simulated customers.

Valid orders (date: amount); D = days from the last order day to 2024-03-31:
    a1  2024-03-01: 10, 03-11: 10, 03-21: 10 (+ a cancelled 03-30: 999)   D = 10
    a2  2024-01-20: 50, 02-02: 25, 02-02: 25 (two orders, one order day)    D = 29 + 29 = 58
    a3  2024-03-21: 40 (one-time buyer, ties a1's last order date)          D = 10
    a4  2023-12-01: 500 (one-time buyer)                       D = 30 + 31 + 29 + 31 = 121
    a5  2024-01-12: 20, 01-22: 20, 02-01: 20                                D = 28 + 31 = 59
    a6  2024-01-01, 01-03, 01-09, 01-19, 02-28: 30 each                     D = 1 + 31 = 32
    a7  2024-03-25: 15, 03-27: 15                                           D = 4
    a8  a cancelled order only: never a customer.
"""

from __future__ import annotations

import csv
import datetime as dt
import json

import duckdb
import pytest
from conftest import Dbt
from test_predictive_models import load_raw as load_simulated
from test_predictive_models import simulated_orders

from e2e.checks import assert_row, read
from loyalty_analytics.cli import main
from loyalty_analytics.contract import RAW_TABLES, create_table_sql
from loyalty_analytics.report import print_at_risk

VARS = {"as_of_date": "2024-03-31", "churn_window_days": 30}
# mart_customer_clv too: the tests compare the list's P(alive) and CLV with it
SELECT = ["--select", "+mart_customers_at_risk", "+mart_segment_periods", "mart_customer_clv",
          "--indirect-selection", "cautious"]

ORDERS = [
    # order_id, customer_id, ordered_at (UTC), status, order_total
    ("a1-1", "a1", "2024-03-01 10:00:00", "completed", "10.00"),
    ("a1-2", "a1", "2024-03-11 10:00:00", "completed", "10.00"),
    ("a1-3", "a1", "2024-03-21 10:00:00", "completed", "10.00"),
    ("a1-4", "a1", "2024-03-30 10:00:00", "cancelled", "999.00"),
    ("a2-1", "a2", "2024-01-20 10:00:00", "completed", "50.00"),
    ("a2-2", "a2", "2024-02-02 09:00:00", "completed", "25.00"),
    ("a2-3", "a2", "2024-02-02 18:00:00", "completed", "25.00"),
    ("a3-1", "a3", "2024-03-21 12:00:00", "completed", "40.00"),
    ("a4-1", "a4", "2023-12-01 10:00:00", "completed", "500.00"),
    ("a5-1", "a5", "2024-01-12 10:00:00", "completed", "20.00"),
    ("a5-2", "a5", "2024-01-22 10:00:00", "completed", "20.00"),
    ("a5-3", "a5", "2024-02-01 10:00:00", "completed", "20.00"),
    ("a6-1", "a6", "2024-01-01 10:00:00", "completed", "30.00"),
    ("a6-2", "a6", "2024-01-03 10:00:00", "completed", "30.00"),
    ("a6-3", "a6", "2024-01-09 10:00:00", "completed", "30.00"),
    ("a6-4", "a6", "2024-01-19 10:00:00", "completed", "30.00"),
    ("a6-5", "a6", "2024-02-28 10:00:00", "completed", "30.00"),
    ("a7-1", "a7", "2024-03-25 10:00:00", "completed", "15.00"),
    ("a7-2", "a7", "2024-03-27 10:00:00", "completed", "15.00"),
    ("a8-1", "a8", "2024-02-10 10:00:00", "cancelled", "70.00"),
]


def load_raw(warehouse) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists raw")
        for table in RAW_TABLES:
            con.execute(create_table_sql(table))
        con.executemany("insert into raw.customers values (?, ?, ?, ?, ?)",
                        [(f"a{i}", "2023-11-01 00:00:00", "B2C", "SE", "2023-11-01 00:00:00")
                         for i in range(1, 9)])
        con.executemany("insert into raw.orders values (?, ?, ?, ?, ?, ?)",
                        [(o, c, at, s, total, at) for o, c, at, s, total in ORDERS])
        con.executemany("insert into raw.order_items values (?, ?, ?, ?, ?, ?)",
                        [(o, 1, "p1", "books", 1, total) for o, _, _, _, total in ORDERS])


@pytest.fixture(scope="module")
def built(dbt_dirs, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("segments") / "warehouse.duckdb"
    load_raw(warehouse)
    Dbt(dbt_dirs, warehouse).invoke("build", *SELECT, "--vars", json.dumps(VARS))
    return warehouse


# n = 7 customers. Score = ceil(5 k / 7), k = customers with a value <= this one's (ties
# share k): k = 1..7 -> ceil(0.71) 1, ceil(1.43) 2, ceil(2.14) 3, ceil(2.86) 3, ceil(3.57) 4,
# ceil(4.29) 5, ceil(5) 5.
# r (ascending by last order date): a4 12-01 k=1 -> 1; a5 02-01 k=2 -> 2; a2 02-02 k=3 -> 3;
#   a6 02-28 k=4 -> 3; a1 and a3 03-21 tie, k=6 -> 5; a7 03-27 k=7 -> 5.
# f (orders): a3, a4 = 1 -> k=2 -> 2; a7 = 2 -> k=3 -> 3; a1, a2, a5 = 3 -> k=6 -> 5;
#   a6 = 5 -> k=7 -> 5.
# m (revenue): a1, a7 = 30 -> k=2 -> 2; a3 40 k=3 -> 3; a5 60 k=4 -> 3; a2 100 k=5 -> 4;
#   a6 150 k=6 -> 5; a4 500 k=7 -> 5.
# Segments (r, f): R 5 with F 4-5 champions, F 2-3 potential_loyalist; R 3 with F 4-5 loyal;
# R 1-2 with F 1-2 hibernating, F 5 cant_lose_them.
SEGMENTS = {
    # customer: recency_days, frequency, monetary, r, f, m, segment
    "a1": (10, 3, 30, 5, 5, 2, "champions"),
    "a2": (58, 3, 100, 3, 5, 4, "loyal"),
    "a3": (10, 1, 40, 5, 2, 3, "potential_loyalist"),
    "a4": (121, 1, 500, 1, 2, 5, "hibernating"),
    "a5": (59, 3, 60, 2, 5, 3, "cant_lose_them"),
    "a6": (32, 5, 150, 3, 5, 5, "loyal"),
    "a7": (4, 2, 30, 5, 3, 2, "potential_loyalist"),
}
SEGMENT_COLUMNS = ("recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                   "rfm_segment")


def test_every_buyer_is_scored_and_a8_is_not(built):
    rows = read(built, "select customer_id from analytics.mart_customer_segments")
    assert sorted(r["customer_id"] for r in rows) == sorted(SEGMENTS)


@pytest.mark.parametrize("customer", list(SEGMENTS))
def test_rfm_scores_and_segments(built, customer):
    [row] = read(built, "select * from analytics.mart_customer_segments "
                        f"where customer_id = '{customer}'")
    assert_row(row, dict(zip(SEGMENT_COLUMNS, SEGMENTS[customer], strict=True)), customer)
    assert row["as_of_date"] == dt.date(2024, 3, 31)
    # Not fitted (5 repeat customers < 10): no P(alive), no predicted CLV.
    assert row["p_alive"] is None and row["predicted_clv_365d"] is None


# Win-back (W = 30): eligible when D <= 2W - 2 = 58 (in the base while D <= 29, then out for
# D - 29 days, fewer than 30). Overdue when D > 2 x the median gap between order days:
#   a1 gaps 10, 10 -> median 10: 10 > 20? no.        a3, a4: one order day, no gap: never.
#   a2 order days 01-20, 02-02: gap 13: 58 > 26 yes; out of the base for 58 - 29 = 29 days.
#   a5 gaps 10, 10: 59 > 20 yes, but D = 59 > 58: out for 30 days, off the list.
#   a6 gaps 2, 6, 10, 40 -> median (6 + 10) / 2 = 8: 32 > 16 yes; out for 32 - 29 = 3 days.
#   a7 gap 2: 4 > 2 x 2 = 4? no (strictly above).
# No P(alive): value_at_risk NULL for both, ranked by lifetime revenue: a6 150, a2 100.
AT_RISK = {
    "a6": {"risk_rank": 1, "reason": "overdue", "recency_days": 32, "median_gap_days": 8.0,
           "overdue_after_days": 16.0, "is_in_base": False, "days_out_of_base": 3,
           "is_overdue": True, "is_low_p_alive": False, "p_alive": None,
           "value_at_risk": None, "lifetime_orders": 5, "lifetime_revenue": 150.0,
           "rfm_segment": "loyal", "last_order_date": dt.date(2024, 2, 28)},
    "a2": {"risk_rank": 2, "reason": "overdue", "recency_days": 58, "median_gap_days": 13.0,
           "overdue_after_days": 26.0, "is_in_base": False, "days_out_of_base": 29,
           "is_overdue": True, "is_low_p_alive": False, "p_alive": None,
           "value_at_risk": None, "lifetime_orders": 3, "lifetime_revenue": 100.0,
           "rfm_segment": "loyal", "last_order_date": dt.date(2024, 2, 2)},
}


def test_win_back_list(built):
    rows = {r["customer_id"]: r for r in read(
        built, "select * from analytics.mart_customers_at_risk")}
    assert sorted(rows) == sorted(AT_RISK)
    for customer, expected in AT_RISK.items():
        assert_row(rows[customer], expected, customer)


def test_segment_revenue_per_period(built):
    rows = {(r["period_grain"], r["period_start"], r["rfm_segment"]): r for r in read(
        built, "select * from analytics.mart_segment_periods")}
    expected = {
        # March 2024: a1 (champions) 3 orders, 30; a3 + a7 (potential_loyalist) 1 + 2 orders,
        # 40 + 30 = 70. The cancelled 999 of a1 does not count.
        ("month", dt.date(2024, 3, 1), "champions"): (1, 3, 30),
        ("month", dt.date(2024, 3, 1), "potential_loyalist"): (2, 3, 70),
        # February 2024: a2 (02-02, two orders, 50) and a6 (02-28, 30) are loyal: 2, 3, 80;
        # a5 (02-01, 20) cant_lose_them.
        ("month", dt.date(2024, 2, 1), "loyal"): (2, 3, 80),
        ("month", dt.date(2024, 2, 1), "cant_lose_them"): (1, 1, 20),
        # Q1 2024, loyal: a2 3 orders 100 + a6 5 orders 150.
        ("quarter", dt.date(2024, 1, 1), "loyal"): (2, 8, 250),
        # 2023: a4 alone (hibernating), 500.
        ("year", dt.date(2023, 1, 1), "hibernating"): (1, 1, 500),
    }
    for key, (customers, orders, revenue) in expected.items():
        assert_row(rows.get(key), {"active_customers": customers, "orders": orders,
                                   "revenue": revenue}, str(key))
    assert ("month", dt.date(2024, 3, 1), "loyal") not in rows, "no loyal buyer in March"
    assert rows[("month", dt.date(2024, 3, 1), "champions")]["is_period_complete"] is True


def test_loyalty_at_risk_prints_and_writes_csv(built, tmp_path, capsys):
    # What `loyalty at-risk --top 1 --csv FILE` runs (read-write here: dbt in this process
    # holds the file open, and DuckDB refuses a read-only second connection).
    out = tmp_path / "win_back.csv"
    print_at_risk(built, top=1, csv_path=out, read_only=False)
    printed = capsys.readouterr().out
    assert printed.startswith("Who to win back, as of 2024-03-31: 2 customers")
    lines = printed.splitlines()
    # title, blank, header, rule, one row, the CSV line
    assert lines[4].split()[:3] == ["1", "a6", "overdue"] and len(lines) == 6
    assert lines[-1] == f"wrote 2 customers to {out}"
    with out.open(newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert [r["customer_id"] for r in exported] == ["a6", "a2"]
    assert exported[0]["p_alive"] == "" and exported[0]["is_in_base"] == "false"
    assert exported[0]["lifetime_revenue"] == "150.00"
    assert exported[1]["last_order_date"] == "2024-02-02"


def test_loyalty_at_risk_without_a_warehouse(tmp_path, capsys):
    assert main(["at-risk", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "warehouse not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["at-risk", "--top", "-1"])  # argparse: must not be negative


def test_p_alive_rule_and_value_at_risk(dbt_dirs, tmp_path):
    # 200 simulated customers (BG/NBD fitted): every customer with P(alive) < 0.5 who is still
    # eligible is on the list, value_at_risk = predicted_clv_365d / p_alive x (1 - p_alive),
    # ranked by it.
    warehouse = tmp_path / "simulated.duckdb"
    load_simulated(warehouse, simulated_orders(200, seed=7))
    dbt = Dbt(dbt_dirs, warehouse)
    dbt.invoke("build", *SELECT)
    listed = {r["customer_id"]: r for r in dbt.query(
        "select * from analytics.mart_customers_at_risk")}
    clv = {r["customer_id"]: r for r in dbt.query(
        "select customer_id, p_alive, predicted_clv_365d from analytics.mart_customer_clv")}
    segments = {r["customer_id"]: r for r in dbt.query(
        "select customer_id, recency_days from analytics.mart_customer_segments")}
    low = {c for c, r in clv.items() if r["p_alive"] < 0.5 and segments[c]["recency_days"]
           <= 2 * 365 - 2}
    assert low, "the simulation has customers who are probably gone"
    assert low <= set(listed)
    for customer, row in listed.items():
        p, value = clv[customer]["p_alive"], clv[customer]["predicted_clv_365d"]
        assert row["p_alive"] == p and row["is_low_p_alive"] == (p < 0.5)
        assert row["value_at_risk"] == pytest.approx(value / p * (1 - p))
    ranked = sorted(listed.values(), key=lambda r: r["risk_rank"])
    assert [r["risk_rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    values = [r["value_at_risk"] for r in ranked]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("variables, message", [
    ({"overdue_factor": 0}, "var('overdue_factor') must be a number > 0, got 0"),
    ({"p_alive_threshold": 1.5}, "var('p_alive_threshold') must be a number in [0, 1], got 1.5"),
    ({"clv_holdout_days": 2.5}, "var('clv_holdout_days') must be a whole number >= 1, got 2.5"),
])
def test_bad_vars_stop_dbt_with_their_name(dbt_dirs, tmp_path, variables, message):
    # mart_customers_at_risk and int_customer_rfm_calibrated call the validating macros when
    # dbt parses them: the parse fails with the message.
    result = Dbt(dbt_dirs, tmp_path / "unused.duckdb").invoke(
        "parse", "--vars", json.dumps(variables), expect_success=False)
    assert not result.success
    chain, error = [], result.exception
    while error is not None:
        chain.append(str(error))
        error = error.__context__
    assert any(message in text for text in chain), chain
