"""Invariants of the marts on small random raw data, bad rows included (hypothesis).

Each example writes 2–12 customers and up to 30 orders (with their lines), survey answers and
engagement events into a fresh DuckDB file, some of the values broken (unknown statuses,
negative amounts, scores out of range, timestamps before 1990 or in 2099, duplicate keys,
older versions of orders, lines of unknown orders), runs one `dbt build` of the contract's
marts with their data tests, and checks what must hold whatever the data:

- every raw row is staged or quarantined (raw = staged + quarantined, per table);
- rates are fractions in [0, 1], net scores in [-100, 100], the upsell ratio >= 0, and a
  rate is NULL exactly when its denominator is 0;
- CRR = 1 - churn_rate + reactivated / customers_start wherever every new customer is still
  in the base at the period's end (always, for months and quarters with W = 365 days);
- the segment rows add up to the 'all' row, for every count and amount;
- the cohorts hold every customer with a valid order exactly once.

Shrinking is off (each step would be a dbt build); a failure prints its example. 3 examples
by default, drawn anew each run, about 8 s each; LOYALTY_ATTACK_EXAMPLES sets the number
(`make test-properties` runs 30).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from decimal import Decimal

import duckdb
from conftest import Dbt
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from attack.support import MART_SELECTION, QUARANTINED, STAGED, read_table, write_raw

FIRST_DAY = dt.datetime(2023, 1, 1)
DAYS = 900  # to mid-June 2025: long enough for gaps beyond the 365-day window

ID_POOL = ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12",
           "kund-åäö-😀", "клиент", "o'q", "顧客"]
STATUSES = ["completed"] * 6 + ["cancelled", "refunded", "pending", "shipped", None]
SEGMENTS = ["B2C", "B2C", "B2B", "b2b ", "B2G", None]
QUESTIONS = ["recommend", "recommend", "repurchase", "try_new", "satisfaction",
             "satisfaction", "nps", None]
CATEGORIES = ["books", "toys", "garden", None]
ODD_TIMES = [None, dt.datetime(1985, 6, 1), dt.datetime(2099, 1, 1)]

RATES = {
    "mart_retention": ["churn_rate", "returning_customer_rate"],
    "mart_purchases": ["repeat_purchase_rate"],
    "mart_cohorts": ["retention_share", "cohort_repeat_rate"],
    "mart_survey_scores": ["csat_pct"],
    "mart_clv": ["annual_churn_rate"],
    "mart_loyalty_kpis": ["churn_rate", "returning_customer_rate", "repeat_purchase_rate",
                          "csat_pct"],
}
NET_SCORES = {
    "mart_survey_scores": ["nps", "cli", "repurchase_net_score", "try_new_net_score"],
    "mart_loyalty_kpis": ["nps", "cli"],
}
# rate -> its denominator: NULL exactly when the denominator is 0.
DENOMINATORS = {
    "mart_retention": {"churn_rate": "customers_start",
                       "customer_retention_rate": "customers_start",
                       "returning_customer_rate": "active_customers"},
    "mart_purchases": {"repeat_purchase_rate": "active_customers",
                       "upsell_ratio": "single_category_customers",
                       "avg_order_value": "orders"},
    "mart_survey_scores": {"nps": "nps_responses", "csat_pct": "csat_responses",
                           "csat_mean": "csat_responses"},
    "mart_cohorts": {"retention_share": "cohort_size", "cohort_repeat_rate": "cohort_size"},
}
SEGMENTED = ("mart_retention", "mart_purchases", "mart_clv", "mart_survey_scores",
             "mart_loyalty_kpis")
ADDITIVE_TYPES = ("BIGINT", "INTEGER", "HUGEINT", "DECIMAL")


def at(day: int, second: int) -> dt.datetime:
    return FIRST_DAY + dt.timedelta(days=day, seconds=second)


timestamps = st.builds(at, st.integers(0, DAYS), st.integers(0, 86_399))
odd_or_ts = st.one_of(timestamps, timestamps, timestamps, timestamps, st.sampled_from(ODD_TIMES))
amounts = st.integers(-500, 200_000).map(lambda cents: Decimal(cents) / 100)


@st.composite
def raw_data(draw) -> dict[str, list[tuple]]:
    ids = draw(st.lists(st.sampled_from(ID_POOL), min_size=2, max_size=12, unique=True))
    # Some buyers have no customers row (segment 'unknown').
    listed = [i for i in ids if draw(st.integers(0, 4)) > 0]
    customers = [(i, draw(odd_or_ts), draw(st.sampled_from(SEGMENTS)),
                  draw(st.sampled_from(["SE", "NO", None]))) for i in listed]

    orders, items = [], []
    for n in range(draw(st.integers(0, 30))):
        order_id = f"o{n}"
        ordered_at = draw(odd_or_ts)
        updated_at = ordered_at + dt.timedelta(hours=1) if ordered_at else None
        row = (order_id, draw(st.sampled_from([*ids, None])), ordered_at,
               draw(st.sampled_from(STATUSES)), draw(amounts), updated_at)
        orders.append(row)
        if updated_at is not None and draw(st.integers(0, 7)) == 0:
            # An older version: other status and amount, updated earlier.
            orders.append((order_id, row[1], ordered_at, draw(st.sampled_from(STATUSES)),
                           draw(amounts), updated_at - dt.timedelta(minutes=30)))
        if draw(st.integers(0, 9)) == 0:
            orders.append(row)  # an exact copy
        for line in range(1, draw(st.integers(0, 3)) + 1):
            items.append((order_id, line, f"p{line}", draw(st.sampled_from(CATEGORIES)),
                          draw(st.integers(-1, 4)), draw(amounts)))
    if items and draw(st.booleans()):
        items.append(items[0])  # an exact copy of a line
    if draw(st.booleans()):
        items.append(("o-ghost", 1, "p1", "books", 1, Decimal("5.00")))

    responses = []
    for n in range(draw(st.integers(0, 12))):
        question = draw(st.sampled_from(QUESTIONS))
        responses.append((f"r{n}", draw(st.sampled_from([*ids, None])), draw(odd_or_ts),
                          question, draw(st.integers(-1, 11))))
    events = []
    for n in range(draw(st.integers(0, 12))):
        event_type = draw(st.sampled_from(["session", "session", "key_action", "click"]))
        duration = (draw(st.one_of(st.integers(0, 3_600), st.just(-5), st.none()))
                    if event_type == "session" else None)
        events.append((f"e{n % 9}", draw(st.sampled_from([*ids, None])), draw(odd_or_ts),
                       event_type, duration))
    return {"customers": customers, "orders": orders, "order_items": items,
            "survey_responses": responses, "engagement_events": events}


EXAMPLES = int(os.environ.get("LOYALTY_ATTACK_EXAMPLES", "3"))


@settings(max_examples=EXAMPLES, deadline=None,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(raw=raw_data())
def test_mart_invariants_hold_on_random_raw_data(dbt_dirs, tmp_path_factory, raw):
    warehouse = tmp_path_factory.mktemp("property") / "warehouse.duckdb"
    write_raw(warehouse, raw)
    Dbt(dbt_dirs, warehouse).invoke("build", *MART_SELECTION, "--quiet")
    with duckdb.connect(str(warehouse)) as con:
        check_rows_reconcile(con)
        marts = {name: read_table(warehouse, f"analytics.{name}", con).records()
                 for name in {*RATES, *NET_SCORES, *SEGMENTED, "mart_engagement",
                              "fct_customer_periods", "dim_customers"}}
        anonymous = con.execute("select count(*) from analytics.stg_survey_responses "
                                "where customer_id is null").fetchone()[0]
        buyers = con.execute("select count(distinct customer_id) from analytics.stg_orders "
                             "where is_completed").fetchone()[0]
    check_ranges(marts)
    check_null_iff_empty_denominator(marts)
    check_retention_identity(marts)
    check_segments_add_up(marts, anonymous_answers=anonymous)
    check_cohorts_hold_every_buyer_once(marts, buyers)


def check_rows_reconcile(con: duckdb.DuckDBPyConnection) -> None:
    # the five required tables: the examples hold no loyalty program row
    for table in STAGED:
        raw, staged, quarantined = con.execute(
            f"select (select count(*) from raw.{table}), "
            f"(select count(*) from analytics.{STAGED[table]}), "
            f"(select count(*) from analytics.{QUARANTINED[table]})").fetchone()
        assert raw == staged + quarantined, (table, raw, staged, quarantined)


def check_ranges(marts: dict[str, list[dict]]) -> None:
    for mart, columns in RATES.items():
        for row in marts[mart]:
            for column in columns:
                value = row[column]
                assert value is None or 0 <= value <= 1, (mart, column, row)
    for mart, columns in NET_SCORES.items():
        for row in marts[mart]:
            for column in columns:
                value = row[column]
                assert value is None or -100 <= value <= 100, (mart, column, row)
    for mart in ("mart_purchases", "mart_loyalty_kpis"):
        for row in marts[mart]:
            assert row["upsell_ratio"] is None or row["upsell_ratio"] >= 0, (mart, row)
    for row in marts["mart_survey_scores"]:
        assert row["csat_mean"] is None or 1 <= row["csat_mean"] <= 5, row
    for row in marts["mart_engagement"]:
        assert row["engagement_score"] is None or 0 <= row["engagement_score"] <= 100, row
    for row in marts["mart_clv"]:
        rate, lifespan = row["annual_churn_rate"], row["avg_lifespan_years"]
        if rate:
            assert abs(lifespan - 1 / rate) <= 1e-9 * max(1.0, lifespan), row
        else:
            assert lifespan is None, row


def check_null_iff_empty_denominator(marts: dict[str, list[dict]]) -> None:
    for mart, rates in DENOMINATORS.items():
        for row in marts[mart]:
            for rate, denominator in rates.items():
                assert (row[rate] is None) == (row[denominator] == 0), (mart, rate, row)
    for row in marts["mart_purchases"]:
        if row["orders"]:
            expected = float(row["revenue"]) / row["orders"]
            assert abs(row["avg_order_value"] - expected) <= 1e-9 * max(1.0, abs(expected)), row


def check_retention_identity(marts: dict[str, list[dict]]) -> None:
    """CRR = 1 - churn + reactivated / S where every new customer is in the base at the
    end; with W = 365 days that is every month and quarter."""
    new_in_base = defaultdict(int)
    for fact in marts["fct_customer_periods"]:
        if fact["is_new"] and fact["is_in_base_end"]:
            for segment in (fact["segment"], "all"):
                new_in_base[(fact["period_grain"], fact["period_start"], segment)] += 1
    for row in marts["mart_retention"]:
        key = (row["period_grain"], row["period_start"], row["segment"])
        holds = row["new_customers"] == new_in_base[key]
        if row["period_grain"] in ("month", "quarter"):
            assert holds, ("a new customer left the base within a month or quarter", row)
        if not holds or row["customers_start"] == 0:
            continue
        expected = (1 - row["churn_rate"]
                    + row["reactivated_customers"] / row["customers_start"])
        assert abs(row["customer_retention_rate"] - expected) <= 1e-9, row


def check_segments_add_up(marts: dict[str, list[dict]], anonymous_answers: int) -> None:
    """Every count and amount of a segmented mart: 'all' = the sum of the segments (survey
    answers, in mart_survey_scores and mart_loyalty_kpis: plus the anonymous ones, which
    count in 'all' only)."""
    survey_columns = set(marts["mart_survey_scores"][0]) if marts["mart_survey_scores"] else set()
    survey_columns -= {"period_grain", "period_start", "period_end", "segment"}
    for mart in SEGMENTED:
        rows = marts[mart]
        if not rows:
            continue
        columns = [c for c in rows[0] if c not in ("period_grain", "period_start",
                                                    "period_end", "segment")
                   and isinstance(rows[0][c], int | Decimal)
                   and not isinstance(rows[0][c], bool)]
        totals: dict[tuple, dict[str, list]] = defaultdict(lambda: {"all": [], "sum": []})
        for row in rows:
            key = (row["period_grain"], row["period_start"])
            totals[key]["all" if row["segment"] == "all" else "sum"].append(row)
        for key, parts in totals.items():
            (whole,) = parts["all"]
            for column in columns:
                summed = sum(r[column] for r in parts["sum"] if r[column] is not None)
                if column in survey_columns and anonymous_answers:
                    assert summed <= whole[column], (mart, key, column)
                else:
                    assert summed == whole[column], (mart, key, column, whole[column], summed)


def check_cohorts_hold_every_buyer_once(marts: dict[str, list[dict]], buyers: int) -> None:
    cohorts = {(r["cohort_month"], r["cohort_size"]) for r in marts["mart_cohorts"]
               if r["months_since_first_order"] == 0}
    assert sum(size for _, size in cohorts) == buyers
    first_orders = sum(1 for c in marts["dim_customers"] if c["first_order_date"] is not None)
    assert first_orders == buyers
    for row in marts["mart_cohorts"]:
        if row["months_since_first_order"] == 0:
            assert row["active_customers"] == row["cohort_size"], row
