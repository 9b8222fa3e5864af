"""The semantic layer (models/semantic) queried with MetricFlow's `mf` CLI, as a user would,
on the demo warehouse: every headline metric by month and segment must equal the marts.

The metrics are ratios of sums or derived metrics over sums, the marts compute the same
formulas through the macros of macros/metrics: they agree to floating-point rounding.
"""

from __future__ import annotations

import csv
import math
import subprocess
from pathlib import Path

from .conftest import BIN, Demo

# MetricFlow metric -> column of mart_loyalty_kpis.
HEADLINE = {
    "customer_retention_rate": "customer_retention_rate",
    "churn_rate": "churn_rate",
    "returning_customer_rate": "returning_customer_rate",
    "repeat_purchase_rate": "repeat_purchase_rate",
    "upsell_ratio": "upsell_ratio",
    "avg_order_value": "avg_order_value",
    "nps": "nps",
    "csat_pct": "csat_pct",
    "csat_mean": "csat_mean",
    "cli": "cli",
    "clv": "clv",
    "customers_end": "customers_end",
    "new_customers": "new_customers",
    "active_customers": "active_customers",
    "revenue": "revenue",
}


def mf(demo: Demo, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(BIN / "mf"), *args], cwd=demo.project, env=demo.env(),
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, f"mf {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done


def mf_query(demo: Demo, tmp_path: Path, grain: str, metrics: list[str]) -> list[dict]:
    out = tmp_path / f"mf_{grain}.csv"
    mf(demo, "query",
       "--metrics", ",".join(metrics),
       "--group-by", f"metric_time__{grain},period_segment__segment",
       "--where", f"{{{{ Dimension('period_segment__period_grain') }}}} = '{grain}'",
       "--order", f"metric_time__{grain},period_segment__segment",
       "--csv", str(out))
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def compare(mf_rows: list[dict], mart_rows: list[dict], grain: str, metrics: dict[str, str]):
    mart = {(str(r["period_start"]), r["segment"]): r for r in mart_rows}
    assert len(mf_rows) == len(mart), "one MetricFlow row per period and segment of the mart"
    mismatches = []
    for row in mf_rows:
        key = (row[f"metric_time__{grain}"][:10], row["period_segment__segment"])
        expected_row = mart[key]
        for metric, column in metrics.items():
            got = float(row[metric]) if row[metric] != "" else None
            expected = expected_row[column]
            expected = float(expected) if expected is not None else None
            same = (got is None and expected is None) or (
                got is not None and expected is not None
                and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9))
            if not same:
                mismatches.append(f"{key} {metric}: mf {got} != mart {expected}")
    assert not mismatches, "\n".join(mismatches[:20])


def test_semantic_manifest_is_valid(demo):
    done = mf(demo, "validate-configs", "--skip-dw")
    assert "ERRORS: 0" in done.stdout


def test_headline_metrics_by_month_and_segment_equal_the_marts(demo, tmp_path):
    rows = mf_query(demo, tmp_path, "month", list(HEADLINE))
    mart = demo.query(
        f"select period_start, segment, {', '.join(HEADLINE.values())} "
        "from analytics.mart_loyalty_kpis where period_grain = 'month'")
    # 2 years of months, 4 segments (all, B2C, B2B, unknown) or fewer where one is missing.
    assert len(mart) >= 24 * 3
    assert {r["period_segment__segment"] for r in rows} >= {"all", "B2C", "B2B"}
    compare(rows, mart, "month", HEADLINE)
    # Not vacuous: the rates are defined for most rows.
    assert sum(r["churn_rate"] != "" for r in rows) > len(rows) / 2
    assert sum(r["nps"] != "" for r in rows) > len(rows) / 2


def test_rates_by_quarter_equal_the_marts(demo, tmp_path):
    metrics = {m: m for m in ("customer_retention_rate", "churn_rate", "repeat_purchase_rate",
                              "nps", "cli", "clv")}
    rows = mf_query(demo, tmp_path, "quarter", list(metrics))
    mart = demo.query(
        f"select period_start, segment, {', '.join(metrics)} "
        "from analytics.mart_loyalty_kpis where period_grain = 'quarter'")
    compare(rows, mart, "quarter", metrics)


def test_time_spine_covers_every_period_day_by_day(demo):
    [spine] = demo.query("""
        select min(date_day) as first_day, max(date_day) as last_day,
               count(*) as days, count(distinct date_day) as distinct_days
        from analytics.metricflow_time_spine""")
    [periods] = demo.query(
        "select min(period_start) as first_day, max(period_end) as last_day "
        "from analytics.mart_loyalty_kpis")
    assert spine["first_day"] <= periods["first_day"]
    assert spine["last_day"] >= periods["last_day"]
    assert spine["days"] == spine["distinct_days"] == (
        spine["last_day"] - spine["first_day"]).days + 1


def test_win_back_metrics_by_segment_equal_the_marts(demo, tmp_path):
    # customers (mart_customer_segments) and the win-back list's customers and value at risk
    # (mart_customers_at_risk), joined through the entity customer, by the customer's segment.
    out = tmp_path / "mf_segments.csv"
    mf(demo, "query", "--metrics", "customers,at_risk_customers,value_at_risk",
       "--group-by", "customer__rfm_segment", "--order", "customer__rfm_segment",
       "--csv", str(out))
    with out.open(newline="") as handle:
        rows = {r["customer__rfm_segment"]: r for r in csv.DictReader(handle)}
    mart = {r["rfm_segment"]: r for r in demo.query("""
        select s.rfm_segment, count(*) as customers, count(a.customer_id) as at_risk,
            sum(a.value_at_risk) as value_at_risk
        from analytics.mart_customer_segments as s
        left join analytics.mart_customers_at_risk as a on a.customer_id = s.customer_id
        group by 1""")}
    assert set(rows) == set(mart) and len(mart) >= 5
    for segment, expected in mart.items():
        got = rows[segment]
        assert int(got["customers"]) == expected["customers"], segment
        assert int(got["at_risk_customers"] or 0) == expected["at_risk"], segment
        if expected["value_at_risk"] is None:
            assert got["value_at_risk"] == "", segment
        else:
            assert math.isclose(float(got["value_at_risk"]), expected["value_at_risk"],
                                rel_tol=1e-9), segment
    assert sum(e["at_risk"] for e in mart.values()) > 0, "not vacuous: someone is at risk"
