"""The loyalty program in the semantic layer (models/semantic/_semantic__program.yml): the
saved query "members vs non-members, last 12 months" answers through MetricFlow's `mf` CLI on
the demo warehouse, with the months and the figures of mart_program_impact."""

from __future__ import annotations

import csv
import math

from .test_metricflow import mf

SAVED_QUERY = "members_vs_non_members_last_12_months"
# MetricFlow metric -> column of mart_program_impact
METRICS = {
    "program_repeat_purchase_rate": "repeat_purchase_rate",
    "program_avg_order_value": "avg_order_value",
    "program_nps": "nps",
    "program_churn_rate": "churn_rate",
    "program_customers_end": "customers_end",
}


def test_saved_query_members_vs_non_members_answers_with_the_mart(demo, tmp_path):
    out = tmp_path / "saved.csv"
    mf(demo, "query", "--saved-query", SAVED_QUERY, "--csv", str(out))
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    mart = {
        (str(r["period_start"]), r["member_status"]): r
        for r in demo.query(
            "select * from analytics.mart_program_impact where period_grain = 'month' "
            "and segment = 'all' and program = 'any' and periods_before_as_of < 12")
    }
    assert len(mart) == 24  # the twelve months up to the as-of date, members and non-members
    assert {(r["metric_time__month"][:10], r["program_period__member_status"])
            for r in rows} == set(mart)
    mismatches = []
    for row in rows:
        expected = mart[(row["metric_time__month"][:10], row["program_period__member_status"])]
        for metric, column in METRICS.items():
            got = float(row[metric]) if row[metric] != "" else None
            want = float(expected[column]) if expected[column] is not None else None
            if not ((got is None and want is None) or (
                    got is not None and want is not None
                    and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9))):
                mismatches.append(f"{row['metric_time__month']} {metric}: {got} != {want}")
    assert not mismatches, "\n".join(mismatches[:20])
    # the sample data's members buy again more often than its non-members, month after month
    rpr = {(r["metric_time__month"], r["program_period__member_status"]):
           float(r["program_repeat_purchase_rate"]) for r in rows}
    months = {month for month, _ in rpr}
    above = sum(rpr[(m, "member")] > rpr[(m, "non_member")] for m in months)
    assert above >= 10, f"members' RPR above non-members' in only {above} of 12 months"
