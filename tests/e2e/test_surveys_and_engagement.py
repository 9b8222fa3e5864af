"""End to end, surveys and engagement: a small hand-made raw data set of its own (built like
dataset.py), as_of_date 2024-03-31, and mart_survey_scores, mart_engagement and
mart_loyalty_kpis compared with values computed by hand from docs/metrics.md.

Customers: c1 B2C, c2 B2B, c4 B2C (in `customers`); c3 is missing from `customers` ->
segment 'unknown'. Valid orders c1 2024-01-05, c2 2024-02-10, c3 2024-03-03 (plus a cancelled
one of c4) -> periods Jan, Feb, Mar 2024 (month), Q1 2024, 2024; segments all/B2B/B2C/unknown.

Survey answers (anon = customer_id NULL: counted in 'all' only):
               recommend            repurchase      try_new          satisfaction
    2024-01    c1 10, c1 9, c4 3,   c1 9, c2 0,     c4 8, c3 10,     c1 5, c1 4, c4 3,
               c2 7, c3 6, anon 9   anon 10         anon 2           c2 1, c3 2, anon 5, anon 4
    2024-02    (no answer at all)
    2024-03    c2 9, anon 0         c1 7            (none)           c2 4
    2024-04-02 anon recommend 0: after the as-of date, in no period.

Engagement events:
    c1  2024-01-03 10:00 session 600, 18:00 session 300, 18:05 key_action (one day);
        2024-01-10 key_action; 2024-03-31 key_action; 2024-04-01 session 999 (after as-of)
    c2  2024-01-04 session 900; 2024-01-20 key_action; 2024-02-14 session 60
    c3  2024-01-15 key_action carrying a duration of 50 (ignored: not a session)
    c4  2024-01-25 session 100
"""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import Dbt

from e2e.checks import assert_row, read
from e2e.dataset import as_date, d, index_by_period
from loyalty_analytics.contract import RAW_TABLES, create_table_sql

AS_OF_DATE = "2024-03-31"
VARS = {"as_of_date": AS_OF_DATE}
# its parents include mart_survey_scores and mart_engagement; every staging and quarantine
# model too (the loyalty program's included), for the raw = staged + quarantined
# reconciliation tests
MODELS = ("+mart_loyalty_kpis", "+path:models/staging", "path:models/quarantine")

CUSTOMERS = [
    # customer_id, created_at, segment, country
    ("c1", "2023-12-01 08:00:00", "B2C", "SE"),
    ("c2", "2023-12-01 08:00:00", "B2B", "SE"),
    ("c4", "2023-12-01 08:00:00", "B2C", "NO"),
    # c3: missing on purpose -> 'unknown'
]

ORDERS = [
    # order_id, customer_id, ordered_at, status, order_total, (category, qty, price)
    ("o1", "c1", "2024-01-05 10:00:00", "completed", "50.00", ("books", 1, "50.00")),
    ("o2", "c2", "2024-02-10 10:00:00", "completed", "80.00", ("office", 1, "80.00")),
    ("o3", "c3", "2024-03-03 10:00:00", "completed", "20.00", ("toys", 1, "20.00")),
    ("o4", "c4", "2024-01-07 10:00:00", "cancelled", "10.00", ("toys", 1, "10.00")),
]

SURVEY_RESPONSES = [
    # response_id, customer_id, responded_at, question, score
    # January 2024
    ("s01", "c1", "2024-01-02 09:00:00", "recommend", 10),
    ("s02", "c1", "2024-01-20 09:00:00", "recommend", 9),  # same customer again: counts too
    ("s03", "c4", "2024-01-05 09:00:00", "recommend", 3),
    ("s04", "c2", "2024-01-06 09:00:00", "recommend", 7),
    ("s05", "c3", "2024-01-07 09:00:00", "recommend", 6),
    ("s06", None, "2024-01-08 09:00:00", "recommend", 9),
    ("s07", "c1", "2024-01-09 09:00:00", "repurchase", 9),
    ("s08", "c2", "2024-01-10 09:00:00", "repurchase", 0),
    ("s09", None, "2024-01-11 09:00:00", "repurchase", 10),
    ("s10", "c4", "2024-01-12 09:00:00", "try_new", 8),
    ("s11", "c3", "2024-01-13 09:00:00", "try_new", 10),
    ("s12", None, "2024-01-14 09:00:00", "try_new", 2),
    ("s13", "c1", "2024-01-15 09:00:00", "satisfaction", 5),
    ("s14", "c1", "2024-01-16 09:00:00", "satisfaction", 4),
    ("s15", "c4", "2024-01-17 09:00:00", "satisfaction", 3),
    ("s16", "c2", "2024-01-18 09:00:00", "satisfaction", 1),
    ("s17", "c3", "2024-01-19 09:00:00", "satisfaction", 2),
    ("s18", None, "2024-01-21 09:00:00", "satisfaction", 5),
    ("s19", None, "2024-01-31 23:59:00", "satisfaction", 4),
    # February 2024: nothing
    # March 2024: no try_new answer
    ("s20", "c2", "2024-03-04 09:00:00", "recommend", 9),
    ("s21", None, "2024-03-05 09:00:00", "recommend", 0),
    ("s22", "c1", "2024-03-06 09:00:00", "repurchase", 7),
    ("s23", "c2", "2024-03-07 09:00:00", "satisfaction", 4),
    # after the as-of date: in no period
    ("s24", None, "2024-04-02 09:00:00", "recommend", 0),
]

ENGAGEMENT_EVENTS = [
    # event_id, customer_id, occurred_at, event_type, duration_seconds
    ("e01", "c1", "2024-01-03 10:00:00", "session", 600),
    ("e02", "c1", "2024-01-03 18:00:00", "session", 300),
    ("e03", "c1", "2024-01-03 18:05:00", "key_action", None),
    ("e04", "c1", "2024-01-10 12:00:00", "key_action", None),
    ("e05", "c1", "2024-03-31 23:00:00", "key_action", None),
    ("e06", "c1", "2024-04-01 09:00:00", "session", 999),
    ("e07", "c2", "2024-01-04 12:00:00", "session", 900),
    ("e08", "c2", "2024-01-20 12:00:00", "key_action", None),
    ("e09", "c2", "2024-02-14 12:00:00", "session", 60),
    ("e10", "c3", "2024-01-15 12:00:00", "key_action", 50),
    ("e11", "c4", "2024-01-25 12:00:00", "session", 100),
]


def load_raw(warehouse) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists raw")
        for table in RAW_TABLES:
            con.execute(create_table_sql(table))
        con.executemany("insert into raw.customers values (?, ?, ?, ?, ?)",
                        [(*row, row[1]) for row in CUSTOMERS])
        con.executemany(
            "insert into raw.orders values (?, ?, ?, ?, ?, ?)",
            [(oid, cid, at, status, total, at) for oid, cid, at, status, total, _ in ORDERS],
        )
        con.executemany(
            "insert into raw.order_items values (?, ?, ?, ?, ?, ?)",
            [(oid, 1, f"p-{cat}", cat, qty, price)
             for oid, _, _, _, _, (cat, qty, price) in ORDERS],
        )
        con.executemany("insert into raw.survey_responses values (?, ?, ?, ?, ?)",
                        SURVEY_RESPONSES)
        con.executemany("insert into raw.engagement_events values (?, ?, ?, ?, ?)",
                        ENGAGEMENT_EVENTS)


@pytest.fixture(scope="module")
def marts(dbt_dirs, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("e2e_surveys_engagement") / "warehouse.duckdb"
    load_raw(warehouse)
    Dbt(dbt_dirs, warehouse).invoke("build", "--select", *MODELS, "--vars", json.dumps(VARS))
    return {
        "mart_survey_scores": index_by_period(
            read(warehouse, "select * from analytics.mart_survey_scores")),
        "mart_loyalty_kpis": index_by_period(
            read(warehouse, "select * from analytics.mart_loyalty_kpis")),
        "mart_engagement": {
            (row["customer_id"], row["period_grain"], as_date(row["period_start"])): row
            for row in read(warehouse, "select * from analytics.mart_engagement")
        },
    }


JAN, FEB, MAR = d("2024-01-01"), d("2024-02-01"), d("2024-03-01")

# --------------------------------------------------------------------------------------------
# mart_survey_scores
# --------------------------------------------------------------------------------------------

EMPTY_SURVEY = {
    "nps": None, "promoters": 0, "passives": 0, "detractors": 0, "nps_responses": 0,
    "csat_pct": None, "csat_mean": None, "csat_responses": 0,
    "csat_1": 0, "csat_2": 0, "csat_3": 0, "csat_4": 0, "csat_5": 0, "cli": None,
}

SURVEY_EXPECTED = [
    # (grain, start, segment, expected columns)
    # all, Jan: recommend 10 9 3 7 6 9(anon): P 10,9,9 = 3; passive 7 = 1; D 3,6 = 2; n 6
    #   nps 100 x (3 - 2) / 6 = 16.666..; repurchase 9, 0, 10: P 2 D 1 n 3 -> 100/3 = 33.33..;
    #   try_new 8, 10, 2: P 1 D 1 n 3 -> 0; cli (100/6 + 100/3 + 0) / 3 = 50 / 3 = 16.666..
    #   satisfaction 5 4 3 1 2 5 4: n 7, satisfied (5,4,5,4) 4 -> 4/7; sum 24 -> 24/7
    ("month", JAN, "all", {
        "nps": 100 / 6, "promoters": 3, "passives": 1, "detractors": 2, "nps_responses": 6,
        "csat_pct": 4 / 7, "csat_mean": 24 / 7, "csat_responses": 7,
        "csat_1": 1, "csat_2": 1, "csat_3": 1, "csat_4": 2, "csat_5": 2, "cli": 50 / 3,
    }),
    # B2C (c1, c4), Jan: recommend 10, 9, 3: P 2 D 1 n 3 -> 100/3; repurchase c1 9 -> 100;
    #   try_new c4 8 (passive) -> 0; cli (100/3 + 100 + 0) / 3 = 400/9 = 44.44..
    #   satisfaction 5, 4, 3: 2/3, mean 12/3 = 4
    ("month", JAN, "B2C", {
        "nps": 100 / 3, "promoters": 2, "passives": 0, "detractors": 1, "nps_responses": 3,
        "csat_pct": 2 / 3, "csat_mean": 4.0, "csat_responses": 3,
        "csat_1": 0, "csat_2": 0, "csat_3": 1, "csat_4": 1, "csat_5": 1, "cli": 400 / 9,
    }),
    # B2B (c2), Jan: recommend 7 -> passive, nps 0; repurchase 0 -> -100; no try_new -> cli NULL
    #   satisfaction 1: 0 / 1 = 0, mean 1
    ("month", JAN, "B2B", {
        "nps": 0.0, "promoters": 0, "passives": 1, "detractors": 0, "nps_responses": 1,
        "csat_pct": 0.0, "csat_mean": 1.0, "csat_responses": 1,
        "csat_1": 1, "csat_2": 0, "csat_3": 0, "csat_4": 0, "csat_5": 0, "cli": None,
    }),
    # unknown (c3), Jan: recommend 6 -> detractor, -100; no repurchase -> cli NULL;
    #   satisfaction 2: 0 / 1, mean 2
    ("month", JAN, "unknown", {
        "nps": -100.0, "promoters": 0, "passives": 0, "detractors": 1, "nps_responses": 1,
        "csat_pct": 0.0, "csat_mean": 2.0, "csat_responses": 1,
        "csat_1": 0, "csat_2": 1, "csat_3": 0, "csat_4": 0, "csat_5": 0, "cli": None,
    }),
    # Feb: no answer at all -> zero counts, NULL scores, for every segment
    ("month", FEB, "all", EMPTY_SURVEY),
    ("month", FEB, "B2C", EMPTY_SURVEY),
    ("month", FEB, "B2B", EMPTY_SURVEY),
    ("month", FEB, "unknown", EMPTY_SURVEY),
    # all, Mar: recommend 9, 0(anon): P 1 D 1 n 2 -> 0; repurchase 7 -> 0; no try_new
    #   -> cli NULL although two of the three questions were answered; satisfaction 4 -> 1, 4
    #   (the anon recommend 0 of 2024-04-02 is after the as-of date: not counted)
    ("month", MAR, "all", {
        "nps": 0.0, "promoters": 1, "passives": 0, "detractors": 1, "nps_responses": 2,
        "csat_pct": 1.0, "csat_mean": 4.0, "csat_responses": 1,
        "csat_1": 0, "csat_2": 0, "csat_3": 0, "csat_4": 1, "csat_5": 0, "cli": None,
    }),
    # B2B, Mar: recommend 9 -> 100; satisfaction 4 -> 1, 4; no repurchase/try_new -> cli NULL
    ("month", MAR, "B2B", {
        "nps": 100.0, "promoters": 1, "passives": 0, "detractors": 0, "nps_responses": 1,
        "csat_pct": 1.0, "csat_mean": 4.0, "csat_responses": 1,
        "csat_1": 0, "csat_2": 0, "csat_3": 0, "csat_4": 1, "csat_5": 0, "cli": None,
    }),
    # B2C, Mar: only c1's repurchase 7: no recommend -> nps NULL, zero counts, cli NULL
    ("month", MAR, "B2C", EMPTY_SURVEY),
    # all, Q1 2024 = Jan + Mar: recommend P 3+1 = 4, passive 1, D 2+1 = 3, n 6+2 = 8
    #   -> 100 x (4 - 3) / 8 = 12.5; repurchase P 2, D 1, n 3+1 = 4 -> 100 x 1/4 = 25;
    #   try_new P 1 D 1 n 3 -> 0; cli (12.5 + 25 + 0) / 3 = 12.5
    #   satisfaction n 7+1 = 8, satisfied 4+1 = 5 -> 0.625; sum 24+4 = 28 -> 3.5
    ("quarter", JAN, "all", {
        "nps": 12.5, "promoters": 4, "passives": 1, "detractors": 3, "nps_responses": 8,
        "csat_pct": 0.625, "csat_mean": 3.5, "csat_responses": 8,
        "csat_1": 1, "csat_2": 1, "csat_3": 1, "csat_4": 3, "csat_5": 2, "cli": 12.5,
    }),
]


def test_survey_scores_grid_is_dense(marts):
    # 3 months + 1 quarter + 1 year = 5 periods x 4 segments (all, B2B, B2C, unknown) = 20;
    # no 'anonymous' segment row (anonymous answers count in 'all' only)
    keys = set(marts["mart_survey_scores"])
    assert len(keys) == 20
    assert {segment for _, _, segment in keys} == {"all", "B2B", "B2C", "unknown"}


@pytest.mark.parametrize(
    ("grain", "start", "segment", "expected"),
    SURVEY_EXPECTED,
    ids=[f"{g}-{s.isoformat()}-{seg}" for g, s, seg, _ in SURVEY_EXPECTED],
)
def test_survey_scores(marts, grain, start, segment, expected):
    assert_row(marts["mart_survey_scores"].get((grain, start, segment)), expected,
               f"mart_survey_scores {grain} {start} {segment}")


def test_anonymous_answers_count_in_all_only(marts):
    # Jan recommend: segments B2C 3 + B2B 1 + unknown 1 = 5 < all 6 (the anon 9);
    # satisfaction: 3 + 1 + 1 = 5 < all 7 (anon 5 and 4)
    rows = marts["mart_survey_scores"]
    segments = [rows[("month", JAN, s)] for s in ("B2C", "B2B", "unknown")]
    assert sum(r["nps_responses"] for r in segments) == 5
    assert rows[("month", JAN, "all")]["nps_responses"] == 6
    assert sum(r["csat_responses"] for r in segments) == 5
    assert rows[("month", JAN, "all")]["csat_responses"] == 7


# --------------------------------------------------------------------------------------------
# mart_engagement
# --------------------------------------------------------------------------------------------

# January 2024, four customers with an event:
#   c1  days {01-03, 01-10} = 2 (three events on 01-03 are one day); time 600 + 300 = 900;
#       key actions 2
#   c2  days {01-04, 01-20} = 2; time 900; key 1
#   c3  days {01-15} = 1; time 0 (a key_action's duration is not time spent); key 1
#   c4  days {01-25} = 1; time 100; key 0
# cume_dist over 4, ascending, ties share the higher value:
#   active_days  c3 1, c4 1 -> 2/4;  c1 2, c2 2 -> 4/4
#   time         c3 0 -> 1/4;  c4 100 -> 2/4;  c1 900, c2 900 (tie) -> 4/4
#   key_actions  c4 0 -> 1/4;  c2 1, c3 1 (tie) -> 3/4;  c1 2 -> 4/4
# score = 100 x (cd_f + cd_t + cd_k) / 3, rounded to 2 decimals
# Q1 2024 (c1 adds 03-31; c2 adds 02-14 with 60 s):
#   c1 days 3, time 900, key 3;  c2 days 3, time 960, key 1;  c3 1, 0, 1;  c4 1, 100, 0
#   active_days  c3, c4 -> 2/4;  c1, c2 -> 4/4
#   time         c3 0 -> 1/4;  c4 100 -> 2/4;  c1 900 -> 3/4;  c2 960 -> 4/4
#   key_actions  c4 0 -> 1/4;  c2 1, c3 1 -> 3/4;  c1 3 -> 4/4
ENGAGEMENT_EXPECTED = [
    # customer, grain, start, segment, active_days, time, key_actions, score
    ("c1", "month", JAN, "B2C", 2, 900, 2, 100.0),  # 100 x (1 + 1 + 1) / 3 = 100.00
    ("c2", "month", JAN, "B2B", 2, 900, 1, 91.67),  # 100 x (1 + 1 + 0.75) / 3 = 91.666.. -> 91.67
    ("c3", "month", JAN, "unknown", 1, 0, 1, 50.0),  # 100 x (0.5 + 0.25 + 0.75) / 3 = 50.00
    ("c4", "month", JAN, "B2C", 1, 100, 0, 41.67),  # 100 x (0.5 + 0.5 + 0.25) / 3 -> 41.67
    ("c2", "month", FEB, "B2B", 1, 60, 0, 100.0),  # alone in Feb: 100 x (1 + 1 + 1) / 3 = 100
    ("c1", "month", MAR, "B2C", 1, 0, 1, 100.0),  # alone in Mar (04-01 session after as-of)
    ("c1", "quarter", JAN, "B2C", 3, 900, 3, 91.67),  # 100 x (1 + 0.75 + 1) / 3 = 91.666.. -> 91.67
    ("c2", "quarter", JAN, "B2B", 3, 960, 1, 91.67),  # 100 x (1 + 1 + 0.75) / 3 -> 91.67
    ("c3", "quarter", JAN, "unknown", 1, 0, 1, 50.0),  # 100 x (0.5 + 0.25 + 0.75) / 3 = 50
    ("c4", "quarter", JAN, "B2C", 1, 100, 0, 41.67),  # 100 x (0.5 + 0.5 + 0.25) / 3 -> 41.67
]


def test_engagement_rows_exist_only_for_customers_with_an_event(marts):
    # month: Jan c1..c4, Feb c2, Mar c1 = 6 rows; quarter Q1: 4; year 2024: 4 -> 14.
    # No April row: the 2024-04-01 session is after the as-of date.
    got = sorted((c, g, s.isoformat()) for c, g, s in marts["mart_engagement"])
    want = sorted(
        [(c, "month", "2024-01-01") for c in ("c1", "c2", "c3", "c4")]
        + [("c2", "month", "2024-02-01"), ("c1", "month", "2024-03-01")]
        + [(c, g, "2024-01-01") for c in ("c1", "c2", "c3", "c4") for g in ("quarter", "year")]
    )
    assert got == want


@pytest.mark.parametrize(
    ("customer", "grain", "start", "segment", "days", "seconds", "keys", "score"),
    ENGAGEMENT_EXPECTED,
    ids=[f"{c}-{g}-{s.isoformat()}" for c, g, s, *_ in ENGAGEMENT_EXPECTED],
)
def test_engagement(marts, customer, grain, start, segment, days, seconds, keys, score):
    assert_row(
        marts["mart_engagement"].get((customer, grain, start)),
        {"segment": segment, "active_days": days, "time_spent_seconds": seconds,
         "key_actions": keys, "engagement_score": score},
        f"mart_engagement {customer} {grain} {start}",
    )


# --------------------------------------------------------------------------------------------
# mart_loyalty_kpis
# --------------------------------------------------------------------------------------------

KPI_EXPECTED = [
    # all, Jan: scores as in mart_survey_scores; mean engagement over c1..c4:
    #   (100 + 91.67 + 50 + 41.67) / 4 = 283.34 / 4 = 70.835
    ("month", JAN, "all", {"nps": 100 / 6, "csat_pct": 4 / 7, "cli": 50 / 3,
                           "engaged_customers": 4, "mean_engagement_score": 70.835}),
    # B2C, Jan: c1 100, c4 41.67 -> 141.67 / 2 = 70.835
    ("month", JAN, "B2C", {"nps": 100 / 3, "csat_pct": 2 / 3, "cli": 400 / 9,
                           "engaged_customers": 2, "mean_engagement_score": 70.835}),
    # B2B, Jan: c2 alone -> 91.67
    ("month", JAN, "B2B", {"nps": 0.0, "csat_pct": 0.0, "cli": None,
                           "engaged_customers": 1, "mean_engagement_score": 91.67}),
    # all, Feb: no survey answers -> NULL; c2 alone engaged -> 100
    ("month", FEB, "all", {"nps": None, "csat_pct": None, "cli": None,
                           "engaged_customers": 1, "mean_engagement_score": 100.0}),
    # B2C, Feb: nobody engaged -> 0 customers, mean NULL (empty denominator)
    ("month", FEB, "B2C", {"nps": None, "csat_pct": None, "cli": None,
                           "engaged_customers": 0, "mean_engagement_score": None}),
    # all, Mar: nps 0, csat 1, cli NULL (no try_new), c1 alone engaged -> 100
    ("month", MAR, "all", {"nps": 0.0, "csat_pct": 1.0, "cli": None,
                           "engaged_customers": 1, "mean_engagement_score": 100.0}),
]


@pytest.mark.parametrize(
    ("grain", "start", "segment", "expected"),
    KPI_EXPECTED,
    ids=[f"{g}-{s.isoformat()}-{seg}" for g, s, seg, _ in KPI_EXPECTED],
)
def test_loyalty_kpis(marts, grain, start, segment, expected):
    assert_row(marts["mart_loyalty_kpis"].get((grain, start, segment)), expected,
               f"mart_loyalty_kpis {grain} {start} {segment}")
