"""End to end, the loyalty program: a small hand-made raw data set (four customers, five
memberships, ten points entries, bad rows of every staging rule of the two program tables),
as_of_date 2024-12-31, period_grains [year], and every column of mart_program_impact,
mart_program_join_effect, mart_program_points and mart_returning_aov compared with values
computed by hand from the definitions in the README ("The loyalty program").

Customers a, b, c, d, all B2C (so segment 'B2C' rows equal the 'all' rows). Valid orders:
    a  2023-03-01 100 books   2024-02-01 50 books   2024-06-01 150 toys
    b  2023-05-01  80 books   2024-03-01 40 books
    c  2024-04-01  60 toys    2024-04-20 30 toys
    d  2023-02-01 200 books   (in the base to 2023-02-01 + 364 = 2024-01-31: churns in 2024)
Memberships (staged):
    m1 a points  silver  joined 2023-06-01                      (open at both year ends)
    m2 b points  bronze  joined 2023-06-15  left 2024-02-15     (member at the end of 2023 only)
    m3 c points  gold    joined 2024-12-20  left 2024-12-30     (never open at a year end)
    m4 a vip_club NULL   joined 2024-01-01  left 2024-03-01     (never open at a year end)
    m5 d: its latest version is invalid (left before joined): d is a member of nothing.
So at the end of 2023 the points (and 'any') members are {a, b}, at the end of 2024 {a};
vip_club has no member at either end.
Survey answers (2024): a recommend 10, repurchase 9, try_new 8; b recommend 7; c recommend
10; one anonymous recommend 0 (counts nowhere here). Engagement (2024): a session 600 s and a
key action on 2024-05-01; c a session of 100 s on 2024-04-01.
Engagement scores 2024 (cume_dist over a and c): a 100 x (1/3 + 1/3 + 1/3) = 100.00;
c 100 x (1/3 x 1 + 1/3 x 0.5 + 1/3 x 0.5) = 66.67.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import WITHOUT_UNIT_TESTS, Dbt

from e2e.checks import assert_row, read
from e2e.dataset import as_date, d
from loyalty_analytics.contract import RAW_TABLES, create_table_sql
from loyalty_analytics.report import program_table

VARS = {"as_of_date": "2024-12-31", "period_grains": ["year"]}
MODELS = ("+mart_program_impact", "+mart_program_join_effect", "+mart_program_points",
          "+mart_returning_aov", "path:models/quarantine",
          "loyalty_benchmarks")  # the seed: the KPI block prints its 0.31 beside the uplift

CUSTOMERS = [(c, "2023-01-01 08:00:00", "B2C", "SE") for c in ("a", "b", "c", "d")]

ORDERS = [
    # order_id, customer_id, ordered_at, order_total, category
    ("o1", "a", "2023-03-01 10:00:00", "100.00", "books"),
    ("o2", "a", "2024-02-01 10:00:00", "50.00", "books"),
    ("o3", "a", "2024-06-01 10:00:00", "150.00", "toys"),
    ("o4", "b", "2023-05-01 10:00:00", "80.00", "books"),
    ("o5", "b", "2024-03-01 10:00:00", "40.00", "books"),
    ("o6", "c", "2024-04-01 10:00:00", "60.00", "toys"),
    ("o7", "c", "2024-04-20 10:00:00", "30.00", "toys"),
    ("o8", "d", "2023-02-01 10:00:00", "200.00", "books"),
]

MEMBERSHIPS = [
    # membership_id, customer_id, program, tier, joined_at, left_at, updated_at
    ("m1", "a", "points", "silver", "2023-06-01 10:00:00", None, "2024-06-01 10:00:00"),
    ("m2", "b", "points", "bronze", "2023-06-15 10:00:00", "2024-02-15 18:00:00",
     "2024-02-15 18:00:00"),
    ("m3", "c", "points", "gold", "2024-12-20 10:00:00", "2024-12-30 10:00:00",
     "2024-12-30 10:00:00"),
    ("m4", "a", "vip_club", None, "2024-01-01 10:00:00", "2024-03-01 10:00:00",
     "2024-03-01 10:00:00"),
]
BAD_MEMBERSHIPS = [
    # (row, expected reason)
    ((None, "a", "points", "gold", "2023-01-01 00:00:00", None, "2023-01-01 00:00:00"),
     "missing_membership_id"),
    (MEMBERSHIPS[1], "exact_duplicate"),
    (("m1", "a", "points", "bronze", "2023-06-01 10:00:00", None, "2023-06-01 10:00:00"),
     "superseded"),
    (("mx1", "a", "points", None, None, None, "2024-01-01 00:00:00"), "missing_joined_at"),
    (("mx2", "a", "points", None, "1989-01-01 00:00:00", None, "2024-01-01 00:00:00"),
     "timestamp_out_of_range"),
    (("mx3", "a", "points", None, "2024-01-01 00:00:00", "2099-01-01 00:00:00",
      "2024-01-01 00:00:00"), "timestamp_out_of_range"),
    (("mx4", None, "points", None, "2024-01-01 00:00:00", None, "2024-01-01 00:00:00"),
     "missing_customer_id"),
    (("mx5", "a", "  ", None, "2024-01-01 00:00:00", None, "2024-01-01 00:00:00"),
     "missing_program"),
    (("mx6", "a", "points", None, "2024-02-01 00:00:00", "2024-01-01 00:00:00",
      "2024-02-01 00:00:00"), "left_before_joined"),
    # m5: a valid older version and an invalid latest one: the key counts nowhere
    (("m5", "d", "points", "bronze", "2023-03-01 00:00:00", None, "2023-03-01 00:00:00"),
     "superseded"),
    (("m5", "d", "points", "bronze", "2023-03-01 00:00:00", "2023-01-01 00:00:00",
      "2023-04-01 00:00:00"), "left_before_joined"),
]

POINTS = [
    # entry_id, customer_id, occurred_at, entry_type, points, order_id
    ("p1", "a", "2023-03-01 10:01:00", "earn", 100, "o1"),  # before m1: program 'none'
    ("p9", "a", "2023-09-01 10:00:00", "earn", 80, None),  # points
    ("p3", "b", "2024-01-10 10:00:00", "earn", 30, None),  # points (m2)
    ("p2", "a", "2024-02-01 10:01:00", "earn", 50, "o2"),  # m1 and m4 open: m1 joined first
    ("p6", "b", "2024-02-15 12:00:00", "expire", -30, None),  # m2 still open (left 18:00)
    ("p4", "a", "2024-06-01 10:00:30", "redeem", -100, "o3"),
    ("p5", "a", "2024-06-01 10:01:00", "earn", 150, "o3"),
    ("p7", "a", "2024-07-01 10:00:00", "adjust", 20, None),
    ("p8", "c", "2024-12-25 10:00:00", "adjust", -5, None),  # points (m3)
    ("p10", "a", "2025-01-05 10:00:00", "earn", 10, None),  # after the as-of date
]
BAD_POINTS = [
    ((None, "a", "2024-01-01 00:00:00", "earn", 5, None), "missing_entry_id"),
    (POINTS[3], "exact_duplicate"),
    (("px1", "a", None, "earn", 5, None), "missing_occurred_at"),
    (("px2", "a", "2099-01-01 00:00:00", "earn", 5, None), "timestamp_out_of_range"),
    (("p3", "b", "2024-01-09 10:00:00", "earn", 999, None), "duplicate_key"),
    (("px3", "", "2024-01-01 00:00:00", "earn", 5, None), "missing_customer_id"),
    (("px4", "a", "2024-01-01 00:00:00", "bonus", 5, None), "unknown_entry_type"),
    (("px5", "a", "2024-01-01 00:00:00", "earn", None, None), "missing_points"),
    (("px6", "a", "2024-01-01 00:00:00", "earn", -5, None), "points_sign_mismatch"),
    (("px7", "a", "2024-01-01 00:00:00", "redeem", 5, None), "points_sign_mismatch"),
    (("px8", "a", "2024-01-01 00:00:00", "expire", 0, None), "points_sign_mismatch"),
]

SURVEYS = [
    ("s1", "a", "2024-05-02 09:00:00", "recommend", 10),
    ("s2", "a", "2024-05-02 09:00:00", "repurchase", 9),
    ("s3", "a", "2024-05-02 09:00:00", "try_new", 8),
    ("s4", "b", "2024-03-02 09:00:00", "recommend", 7),
    ("s5", "c", "2024-04-02 09:00:00", "recommend", 10),
    ("s6", None, "2024-04-03 09:00:00", "recommend", 0),
]
EVENTS = [
    ("e1", "a", "2024-05-01 10:00:00", "session", 600),
    ("e2", "a", "2024-05-01 10:05:00", "key_action", None),
    ("e3", "c", "2024-04-01 09:00:00", "session", 100),
]


def load_raw(warehouse) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists raw")
        for table in RAW_TABLES:
            con.execute(create_table_sql(table))
        con.executemany("insert into raw.customers values (?, ?, ?, ?, ?)",
                        [(*row, row[1]) for row in CUSTOMERS])  # updated_at = created_at
        con.executemany("insert into raw.orders values (?, ?, ?, 'completed', ?, ?)",
                        [(o, c, at, total, at) for o, c, at, total, _ in ORDERS])
        con.executemany("insert into raw.order_items values (?, 1, ?, ?, 1, ?)",
                        [(o, f"p-{cat}", cat, total) for o, _, _, total, cat in ORDERS])
        con.executemany("insert into raw.survey_responses values (?, ?, ?, ?, ?)", SURVEYS)
        con.executemany("insert into raw.engagement_events values (?, ?, ?, ?, ?)", EVENTS)
        con.executemany("insert into raw.loyalty_memberships values (?, ?, ?, ?, ?, ?, ?)",
                        MEMBERSHIPS + [row for row, _ in BAD_MEMBERSHIPS])
        con.executemany("insert into raw.loyalty_points values (?, ?, ?, ?, ?, ?)",
                        POINTS + [row for row, _ in BAD_POINTS])


@pytest.fixture(scope="module")
def built(dbt_dirs, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("e2e_program") / "warehouse.duckdb"
    load_raw(warehouse)
    result = Dbt(dbt_dirs, warehouse).invoke(
        "build", "--select", *MODELS, "--vars", json.dumps(VARS),
        *WITHOUT_UNIT_TESTS)
    statuses = [(r.node.unique_id, str(r.status)) for r in result.result.results]
    return warehouse, statuses


def rows_of(warehouse, relation: str) -> list[dict]:
    return read(warehouse, f"select * from analytics.{relation}")


def assert_every_column(row: dict, expected: dict, label: str) -> None:
    # _loaded_at is the run's stamp on an incremental mart's rows, not a value to compute
    row = {column: value for column, value in row.items() if column != "_loaded_at"}
    assert set(row) == set(expected), f"{label}: columns {sorted(set(row) ^ set(expected))}"
    assert_row(row, expected, label)


def test_every_data_test_passes_and_both_tables_reconcile(built):
    _, statuses = built
    failed = [(node, status) for node, status in statuses
              if status not in {"success", "pass"}]
    assert failed == []
    reconciled = [node for node, _ in statuses if "rows_reconcile_raw_loyalty" in node]
    assert len(reconciled) == 2


@pytest.mark.parametrize(("table", "key", "bad"), [
    ("loyalty_memberships", "membership_id", BAD_MEMBERSHIPS),
    ("loyalty_points", "entry_id", BAD_POINTS),
])
def test_bad_rows_are_quarantined_with_their_reason_and_nothing_is_lost(built, table, key, bad):
    warehouse, _ = built
    names = [name for name, _ in RAW_TABLES[table]]
    quarantined = read(warehouse, f"select {', '.join(names)}, reject_reason "
                                  f"from analytics.quarantine_{table}")
    got = sorted((tuple(str(v) if v is not None else None for v in row.values())
                  for row in quarantined), key=repr)
    want = sorted((tuple(str(v) if v is not None else None for v in row) + (reason,)
                   for row, reason in bad), key=repr)
    # the typed timestamps come back as datetimes: compare their text without the "T"
    assert [tuple(v.replace("T", " ") if isinstance(v, str) else v for v in r) for r in got] \
        == want
    staged = read(warehouse, f"select {key} from analytics.stg_{table} order by 1")
    good = MEMBERSHIPS if table == "loyalty_memberships" else POINTS
    assert [r[key] for r in staged] == sorted(row[0] for row in good)
    raw = read(warehouse, f"select count(*) as n from raw.{table}")[0]["n"]
    assert raw == len(staged) + len(quarantined) == len(good) + len(bad)


# --- mart_program_impact -------------------------------------------------------------------

PERIOD_2023 = {"period_grain": "year", "period_start": d("2023-01-01"),
               "period_end": d("2023-12-31"), "is_period_complete": True}
PERIOD_2024 = {"period_grain": "year", "period_start": d("2024-01-01"),
               "period_end": d("2024-12-31"), "is_period_complete": True}
# 2024 holds the as-of date: 0 periods before it; 2023 is one before
LAST = {2023: {"periods_before_as_of": 1}, 2024: {"periods_before_as_of": 0}}

IMPACT = {
    # 2023, points members {a, b}: both new (first orders 2023-03-01, 2023-05-01), in the base
    # at the end, one order each (books)
    (2023, "points", "member"): {
        **PERIOD_2023, "customers_start": 0, "customers_end": 2, "new_customers": 2,
        "churned_customers": 0, "active_customers": 2, "repeat_customers": 0, "orders": 2,
        "revenue": 180.0,  # 100 + 80
        "customer_retention_rate": None,  # S = 0
        "churn_rate": None,
        "repeat_purchase_rate": 0.0,  # 0 / 2
        "upsell_ratio": 0.0,  # 0 multi-category / 2 single
        "avg_order_value": 90.0,  # 180 / 2
        "orders_per_active_customer": 1.0,  # 2 / 2
        "promoters": 0, "detractors": 0, "nps_responses": 0, "nps": None, "cli": None,
        "engaged_customers": 0, "mean_engagement_score": None,
        "clv": None,  # no one in the base at the end of 2022-12-31: annual churn NULL
        "repeat_purchase_rate_ratio": None,  # 0.0 / 0.0
        "avg_order_value_ratio": 0.45,  # 90 / 200
        "nps_ratio": None,
    },
    # 2023, non-members {d} (c has no order yet)
    (2023, "points", "non_member"): {
        **PERIOD_2023, "customers_start": 0, "customers_end": 1, "new_customers": 1,
        "churned_customers": 0, "active_customers": 1, "repeat_customers": 0, "orders": 1,
        "revenue": 200.0, "customer_retention_rate": None, "churn_rate": None,
        "repeat_purchase_rate": 0.0, "upsell_ratio": 0.0,  # 0 / 1
        "avg_order_value": 200.0, "orders_per_active_customer": 1.0,
        "promoters": 0, "detractors": 0, "nps_responses": 0, "nps": None, "cli": None,
        "engaged_customers": 0, "mean_engagement_score": None, "clv": None,
        "repeat_purchase_rate_ratio": None, "avg_order_value_ratio": None, "nps_ratio": None,
    },
    # 2024, points members {a}: in the base at both ends, orders 50 (books) + 150 (toys)
    (2024, "points", "member"): {
        **PERIOD_2024, "customers_start": 1, "customers_end": 1, "new_customers": 0,
        "churned_customers": 0, "active_customers": 1, "repeat_customers": 1, "orders": 2,
        "revenue": 200.0,
        "customer_retention_rate": 1.0,  # (1 - 0) / 1
        "churn_rate": 0.0,  # 0 / 1
        "repeat_purchase_rate": 1.0,  # 1 / 1
        "upsell_ratio": None,  # 1 multi-category / 0 single
        "avg_order_value": 100.0,  # 200 / 2
        "orders_per_active_customer": 2.0,
        "promoters": 1, "detractors": 0, "nps_responses": 1,
        "nps": 100.0,  # 100 x (1 - 0) / 1
        "cli": 200.0 / 3,  # (recommend 100 + repurchase 100 + try_new 0 (an 8)) / 3
        "engaged_customers": 1, "mean_engagement_score": 100.0,
        # trailing year 2024-01-02..2024-12-31: AOV 100 x frequency 2 / 1 = 200 per year, but
        # a, in the base at the end of 2024-01-01, is still in it: churn 0, lifespan NULL
        "clv": None,
        "repeat_purchase_rate_ratio": 2.0,  # 1.0 / 0.5
        "avg_order_value_ratio": 100.0 / (130.0 / 3),  # 100 / 43.33 = 2.3077
        "nps_ratio": 2.0,  # 100 / 50
    },
    # 2024, non-members {b, c, d}: S = {b, d}, E = {b, c}, N = {c}, churned {d}; active b (1
    # order, books) and c (2 orders, toys)
    (2024, "points", "non_member"): {
        **PERIOD_2024, "customers_start": 2, "customers_end": 2, "new_customers": 1,
        "churned_customers": 1, "active_customers": 2, "repeat_customers": 1, "orders": 3,
        "revenue": 130.0,  # 40 + 60 + 30
        "customer_retention_rate": 0.5,  # (2 - 1) / 2
        "churn_rate": 0.5,  # 1 / 2
        "repeat_purchase_rate": 0.5,  # 1 / 2
        "upsell_ratio": 0.0,  # 0 / 2
        "avg_order_value": 130.0 / 3,  # 43.33
        "orders_per_active_customer": 1.5,  # 3 / 2
        "promoters": 1, "detractors": 0, "nps_responses": 2,
        "nps": 50.0,  # b 7 passive, c 10 promoter: 100 x (1 - 0) / 2
        "cli": None,  # no repurchase or try_new answer
        "engaged_customers": 1, "mean_engagement_score": 66.67,  # c
        # trailing year: 3 orders, 130, 2 purchasers (b, c): AOV 43.33 x frequency 1.5 = 65;
        # base at the end of 2024-01-01 {b, d}, d churned: 1 / 2 -> lifespan 2; 65 x 2 = 130
        "clv": 130.0,
        "repeat_purchase_rate_ratio": None, "avg_order_value_ratio": None, "nps_ratio": None,
    },
    # vip_club: no member at the end of 2024 (m4 left 2024-03-01)
    (2024, "vip_club", "member"): {
        **PERIOD_2024, "customers_start": 0, "customers_end": 0, "new_customers": 0,
        "churned_customers": 0, "active_customers": 0, "repeat_customers": 0, "orders": 0,
        "revenue": 0.0, "customer_retention_rate": None, "churn_rate": None,
        "repeat_purchase_rate": None, "upsell_ratio": None, "avg_order_value": None,
        "orders_per_active_customer": None, "promoters": 0, "detractors": 0,
        "nps_responses": 0, "nps": None, "cli": None,
        "engaged_customers": 0, "mean_engagement_score": None, "clv": None,
        "repeat_purchase_rate_ratio": None, "avg_order_value_ratio": None, "nps_ratio": None,
    },
    # ... so the vip_club non-members are the whole base: S {a, b, d}, E {a, b, c}, N {c},
    # churned {d}; active a, b, c; repeat a, c; multi-category a; single b, c
    (2024, "vip_club", "non_member"): {
        **PERIOD_2024, "customers_start": 3, "customers_end": 3, "new_customers": 1,
        "churned_customers": 1, "active_customers": 3, "repeat_customers": 2, "orders": 5,
        "revenue": 330.0,  # 200 + 40 + 90
        "customer_retention_rate": 2.0 / 3,  # (3 - 1) / 3
        "churn_rate": 1.0 / 3,
        "repeat_purchase_rate": 2.0 / 3,
        "upsell_ratio": 0.5,  # 1 / 2
        "avg_order_value": 66.0,  # 330 / 5
        "orders_per_active_customer": 5.0 / 3,
        "promoters": 2, "detractors": 0, "nps_responses": 3,
        "nps": 200.0 / 3,  # promoters a, c; passive b: 100 x 2 / 3
        "cli": (200.0 / 3 + 100.0 + 0.0) / 3,  # 55.56
        "engaged_customers": 2,
        "mean_engagement_score": (100.0 + 66.67) / 2,  # 83.335
        # 5 orders, 330, 3 purchasers: AOV 66 x frequency 5/3 = 110; base at the end of
        # 2024-01-01 {a, b, d}, d churned: 1/3 -> lifespan 3; 110 x 3 = 330
        "clv": 330.0,
        "repeat_purchase_rate_ratio": None, "avg_order_value_ratio": None, "nps_ratio": None,
    },
}


@pytest.fixture(scope="module")
def impact(built):
    warehouse, _ = built
    keyed = {}
    for row in rows_of(warehouse, "mart_program_impact"):
        key = (as_date(row["period_start"]).year, row["segment"], row["program"],
               row["member_status"])
        assert key not in keyed
        keyed[key] = row
    return keyed


def test_impact_has_every_period_segment_program_and_status(impact):
    # 2 years x segments (all, B2C) x programs (points, vip_club, any) x 2 statuses
    assert len(impact) == 2 * 2 * 3 * 2


@pytest.mark.parametrize("key", list(IMPACT), ids=lambda k: "-".join(map(str, k)))
def test_impact_rows_match_the_hand_computed_ones(impact, key):
    year, program, status = key
    expected = {**IMPACT[key], **LAST[year], "segment": "all", "program": program,
                "member_status": status}
    assert_every_column(impact[(year, "all", program, status)], expected, f"all {key}")
    # every customer is B2C, so the B2C row equals the 'all' row
    assert_every_column(impact[(year, "B2C", program, status)],
                        {**expected, "segment": "B2C"}, f"B2C {key}")


@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.parametrize("status", ["member", "non_member"])
def test_any_program_equals_points_where_vip_club_has_no_member(impact, year, status):
    # vip_club has no member at either year end, so 'any' members are the points members
    expected = {**IMPACT[(year, "points", status)], **LAST[year], "segment": "all",
                "program": "any", "member_status": status}
    assert_every_column(impact[(year, "all", "any", status)], expected, f"any {year}")


# --- mart_program_join_effect --------------------------------------------------------------

JOIN_EFFECT = {
    # m1 (a, joined 2023-06-01) and m2 (b, joined 2023-06-15), both with a year after
    # (2023-06-01 + 365 = 2024-05-31 and 2024-06-14 <= 2024-12-31).
    # before: a 2023-03-01 100 in [2022-06-01, 2023-05-31]; b 2023-05-01 80 in
    # [2022-06-15, 2023-06-14]; after: a 2024-02-01 50 in [2023-06-01, 2024-05-30]
    # (2024-06-01 is one day late), b 2024-03-01 40 in [2023-06-15, 2024-06-13]
    (d("2023-06-01"), "points"): {
        "members_joined": 2, "members_with_year_after": 2,
        "orders_before_365d": 2, "revenue_before_365d": 180.0,
        "orders_before_per_member": 1.0, "revenue_before_per_member": 90.0,
        "orders_before_per_member_with_year_after": 1.0,
        "revenue_before_per_member_with_year_after": 90.0,
        "orders_after_365d": 2, "revenue_after_365d": 90.0,
        "orders_after_per_member": 1.0, "revenue_after_per_member": 45.0,  # 90 / 2
        "members_in_base_year_after": 2,  # a and b in the base on 2024-05-31 / 2024-06-14
        "share_in_base_year_after": 1.0,
    },
    # m4 (a, vip_club, joined 2024-01-01): 2024-01-01 + 365 = 2024-12-31 <= as-of: a year
    # after. before [2023-01-01, 2023-12-31]: 100; after [2024-01-01, 2024-12-30]: 50 + 150
    (d("2024-01-01"), "vip_club"): {
        "members_joined": 1, "members_with_year_after": 1,
        "orders_before_365d": 1, "revenue_before_365d": 100.0,
        "orders_before_per_member": 1.0, "revenue_before_per_member": 100.0,
        "orders_before_per_member_with_year_after": 1.0,
        "revenue_before_per_member_with_year_after": 100.0,
        "orders_after_365d": 2, "revenue_after_365d": 200.0,
        "orders_after_per_member": 2.0, "revenue_after_per_member": 200.0,
        "members_in_base_year_after": 1, "share_in_base_year_after": 1.0,
    },
    # m3 (c, joined 2024-12-20): no year after. before [2023-12-21, 2024-12-19]: 60 + 30
    (d("2024-12-01"), "points"): {
        "members_joined": 1, "members_with_year_after": 0,
        "orders_before_365d": 2, "revenue_before_365d": 90.0,
        "orders_before_per_member": 2.0, "revenue_before_per_member": 90.0,
        "orders_before_per_member_with_year_after": None,  # 0 / 0
        "revenue_before_per_member_with_year_after": None,
        "orders_after_365d": 0, "revenue_after_365d": 0.0,
        "orders_after_per_member": None, "revenue_after_per_member": None,
        "members_in_base_year_after": 0, "share_in_base_year_after": None,
    },
}


def test_join_effect_matches_the_hand_computed_rows(built):
    warehouse, _ = built
    rows = {(as_date(r["join_month"]), r["program"]): r
            for r in rows_of(warehouse, "mart_program_join_effect")}
    assert set(rows) == set(JOIN_EFFECT)  # m5 (d) is quarantined: no row of its own
    for key, expected in JOIN_EFFECT.items():
        assert_every_column(rows[key], {"join_month": key[0], "program": key[1], **expected},
                            str(key))


# --- mart_program_points -------------------------------------------------------------------

ZERO_LEDGER = {"points_earned": 0, "points_redeemed": 0, "points_expired": 0,
               "points_adjusted": 0, "points_outstanding": 0, "redemption_rate": None,
               "points_earned_365d": 0, "points_expired_365d": 0, "breakage_rate": None,
               "active_redeemers": 0}
NO_MEMBERS = {"members_end": 0, "members_end_bronze": 0, "members_end_silver": 0,
              "members_end_gold": 0, "members_end_other_tier": 0, "members_joined": 0,
              "members_left": 0}

POINTS_ROWS = {
    # p1 (a, 2023-03-01, before m1 opened): 'none'
    (2023, "none"): {**PERIOD_2023, **NO_MEMBERS, **ZERO_LEDGER,
                     "points_earned": 100, "points_outstanding": 100,
                     "redemption_rate": 0.0,  # 0 / 100
                     "points_earned_365d": 100, "breakage_rate": 0.0},
    # p9 earn 80; members at the end: a (silver), b (bronze); joined m1, m2
    (2023, "points"): {**PERIOD_2023, **ZERO_LEDGER,
                       "points_earned": 80, "points_outstanding": 80, "redemption_rate": 0.0,
                       "points_earned_365d": 80, "breakage_rate": 0.0,
                       "members_end": 2, "members_end_bronze": 1, "members_end_silver": 1,
                       "members_end_gold": 0, "members_end_other_tier": 0,
                       "members_joined": 2, "members_left": 0},
    (2023, "vip_club"): {**PERIOD_2023, **ZERO_LEDGER, **NO_MEMBERS},
    # nothing new for 'none'; p1 still outstanding; the 365 days from 2024-01-02 hold no earn
    (2024, "none"): {**PERIOD_2024, **NO_MEMBERS, **ZERO_LEDGER, "points_outstanding": 100},
    # earn p3 30 + p2 50 + p5 150 = 230; redeem p4 100; expire p6 30; adjust p7 +20, p8 -5
    (2024, "points"): {
        **PERIOD_2024,
        "points_earned": 230, "points_redeemed": 100, "points_expired": 30,
        "points_adjusted": 15,  # 20 - 5
        "points_outstanding": 195,  # 80 + 230 - 100 - 30 + 15
        "redemption_rate": 100 / 230,  # 0.4348
        "points_earned_365d": 230,  # all of 2024's entries are in [2024-01-02, 2024-12-31]
        "points_expired_365d": 30,
        "breakage_rate": 30 / 230,  # 0.1304
        "active_redeemers": 1,  # a
        "members_end": 1, "members_end_bronze": 0, "members_end_silver": 1,  # a (m1)
        "members_end_gold": 0, "members_end_other_tier": 0,
        "members_joined": 1,  # m3
        "members_left": 2,  # m2, m3
    },
    # m4 joined and left in 2024; no entry is booked to it (p2: m1 joined first)
    (2024, "vip_club"): {**PERIOD_2024, **ZERO_LEDGER, **NO_MEMBERS,
                         "members_joined": 1, "members_left": 1},
}


def test_points_match_the_hand_computed_rows(built):
    warehouse, _ = built
    rows = {(as_date(r["period_start"]).year, r["program"]): r
            for r in rows_of(warehouse, "mart_program_points")}
    assert set(rows) == set(POINTS_ROWS)  # p10 (2025) falls in no period
    for key, expected in POINTS_ROWS.items():
        assert_every_column(rows[key], {"program": key[1], **expected}, str(key))


# --- mart_returning_aov --------------------------------------------------------------------

RETURNING_AOV = {
    # 2023: a, b, d are all new: 3 orders, 380
    2023: {**PERIOD_2023, "returning_customers": 0, "returning_orders": 0,
           "returning_revenue": 0.0, "returning_avg_order_value": None,
           "new_customers": 3, "new_orders": 3, "new_revenue": 380.0,
           "new_avg_order_value": 380.0 / 3, "returning_aov_uplift": None},
    # 2024: returning a (50 + 150), b (40): 240 / 3 = 80; new c (60 + 30): 90 / 2 = 45
    2024: {**PERIOD_2024, "returning_customers": 2, "returning_orders": 3,
           "returning_revenue": 240.0, "returning_avg_order_value": 80.0,
           "new_customers": 1, "new_orders": 2, "new_revenue": 90.0,
           "new_avg_order_value": 45.0,
           "returning_aov_uplift": 80.0 / 45.0 - 1},  # 0.7778
}


@pytest.mark.parametrize("segment", ["all", "B2C"])
def test_returning_aov_matches_the_hand_computed_rows(built, segment):
    warehouse, _ = built
    rows = {(as_date(r["period_start"]).year, r["segment"]): r
            for r in rows_of(warehouse, "mart_returning_aov")}
    assert len(rows) == 4
    for year, expected in RETURNING_AOV.items():
        assert_every_column(rows[(year, segment)], {"segment": segment, **expected},
                            f"{year} {segment}")


# --- the program block of `loyalty kpis` ---------------------------------------------------


def test_the_kpi_printout_shows_the_program_block(built):
    warehouse, _ = built
    text = program_table(warehouse, grain="year", read_only=False)
    lines = {line.split("  ")[0]: line.split() for line in text.splitlines() if "  " in line}
    # columns 2023, 2024 (program 'any', segment 'all'), the values of IMPACT and POINTS_ROWS
    assert lines["Members in the base at end"][-2:] == ["2", "1"]  # {a, b}, then {a}
    assert lines["Repeat purchase rate, members"][-4:] == ["0.0", "%", "100.0", "%"]
    assert lines["Repeat purchase rate, non-members"][-4:] == ["0.0", "%", "50.0", "%"]
    assert lines["RPR members / non-members"][-2:] == ["–", "2.00"]
    assert lines["NPS, members"][-2:] == ["–", "+100.0"]
    # every program: 2023 none 100 + points 80; 2024 none 100 + points 195
    assert lines["Points outstanding (liability)"][-2:] == ["180", "295"]
    assert lines["Points redemption rate"][-4:] == ["0.0", "%", "43.5", "%"]  # 100 / 230
    assert lines["Returning vs new AOV uplift"][-3:] == ["–", "77.8", "%"]  # 80 / 45 - 1
    assert text.splitlines()[-1].endswith("benchmark is 31.0 %")
