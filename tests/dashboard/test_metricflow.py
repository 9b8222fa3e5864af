"""The semantic layer (models/semantic) queried with MetricFlow's `mf` CLI, as a user would,
on the demo warehouse: every metric, at every grain, must equal the marts.

The marts hold rows of every grain (month, quarter, year), of every segment beside `all` and,
for the program, of every program beside `any`. A query without a filter must still answer
with the rows it asks for: `metric_time__month` reads the month rows of `all` (and `any`),
`metric_time__quarter` the quarter rows, `metric_time__year` the year rows; grouping by the
segment gives each segment's rows. The rates are ratios of sums or derived metrics over sums,
the marts compute the same formulas through the macros of macros/metrics: they agree to
floating-point rounding.

Each query asks for every metric it can. The module's `mf` commands run once, all in one
Python process (`MfCommands`): each is a separate call of the `mf` command line with its own
arguments, but a new `mf` process spends about 3 s importing MetricFlow and loading the
manifest before it plans anything (the warehouse is built once per session, conftest.py).
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
from pathlib import Path

import pytest

from .conftest import BIN, Demo

GRAINS = ("month", "quarter", "year")

# MetricFlow metric -> SQL over the KPI marts joined on (period_grain, period_start, segment):
# k = mart_loyalty_kpis, r = mart_retention, p = mart_purchases, s = mart_survey_scores,
# c = mart_clv. Each is the mart's own column.
KPI = {
    "customers_start": "r.customers_start",
    "customers_end": "r.customers_end",
    "new_customers": "r.new_customers",
    "retained_customers": "r.retained_customers",
    "churned_customers": "r.churned_customers",
    "reactivated_customers": "r.reactivated_customers",
    "returning_customers": "r.returning_customers",
    "active_customers": "p.active_customers",
    "repeat_customers": "p.repeat_customers",
    "multi_category_customers": "p.multi_category_customers",
    "single_category_customers": "p.single_category_customers",
    "orders": "p.orders",
    "revenue": "p.revenue",
    "promoters": "s.promoters",
    "detractors": "s.detractors",
    "nps_responses": "s.nps_responses",
    "repurchase_promoters": "s.repurchase_promoters",
    "repurchase_detractors": "s.repurchase_detractors",
    "repurchase_responses": "s.repurchase_responses",
    "try_new_promoters": "s.try_new_promoters",
    "try_new_detractors": "s.try_new_detractors",
    "try_new_responses": "s.try_new_responses",
    "csat_responses": "s.csat_responses",
    "csat_satisfied_responses": "s.csat_satisfied_responses",
    "csat_score_sum": "s.csat_score_sum",
    "orders_365d": "c.orders_365d",
    "revenue_365d": "c.revenue_365d",
    "purchasing_customers_365d": "c.purchasing_customers_365d",
    "customers_year_before": "c.customers_year_before",
    "churned_customers_year": "c.churned_customers_year",
    "churn_rate": "k.churn_rate",
    "customer_retention_rate": "k.customer_retention_rate",
    "returning_customer_rate": "k.returning_customer_rate",
    "repeat_purchase_rate": "k.repeat_purchase_rate",
    "upsell_ratio": "k.upsell_ratio",
    "avg_order_value": "k.avg_order_value",
    "csat_pct": "k.csat_pct",
    "csat_mean": "k.csat_mean",
    "nps": "k.nps",
    "repurchase_net_score": "s.repurchase_net_score",
    "try_new_net_score": "s.try_new_net_score",
    "cli": "k.cli",
    "clv": "k.clv",
}
KPI_FROM = """
    from analytics.mart_loyalty_kpis as k
    inner join analytics.mart_retention as r using (period_grain, period_start, segment)
    inner join analytics.mart_purchases as p using (period_grain, period_start, segment)
    inner join analytics.mart_survey_scores as s using (period_grain, period_start, segment)
    inner join analytics.mart_clv as c using (period_grain, period_start, segment)
"""

# The program metrics without a member_status: members plus non-members of `any` program,
# whole base (segment `all`): the sums of the two rows, the rates as ratios of those sums.
PROGRAM = {
    "program_customers_start": "sum(customers_start)",
    "program_customers_end": "sum(customers_end)",
    "program_churned_customers": "sum(churned_customers)",
    "program_active_customers": "sum(active_customers)",
    "program_repeat_customers": "sum(repeat_customers)",
    "program_orders": "sum(orders)",
    "program_revenue": "sum(revenue)",
    "program_promoters": "sum(promoters)",
    "program_detractors": "sum(detractors)",
    "program_nps_responses": "sum(nps_responses)",
    "program_repeat_purchase_rate": "sum(repeat_customers) / nullif(sum(active_customers), 0)",
    "program_avg_order_value": "sum(revenue) / nullif(sum(orders), 0)",
    "program_churn_rate": "sum(churned_customers) / nullif(sum(customers_start), 0)",
    "program_nps": "100.0 * (sum(promoters) - sum(detractors)) / nullif(sum(nps_responses), 0)",
}
# The points ledger of every program (no `any` row: the programs' points add up).
POINTS = {
    "points_earned": "sum(points_earned)",
    "points_redeemed": "sum(points_redeemed)",
    "points_expired": "sum(points_expired)",
    "points_earned_365d": "sum(points_earned_365d)",
    "points_expired_365d": "sum(points_expired_365d)",
    "points_outstanding": "sum(points_outstanding)",
    "program_members_end": "sum(members_end)",
    "redemption_rate": "sum(points_redeemed) / nullif(sum(points_earned), 0)",
    "breakage_rate": "sum(points_expired_365d) / nullif(sum(points_earned_365d), 0)",
}
# mart_returning_aov, segment `all`: its own columns.
RETURNING = {
    "returning_orders": "returning_orders",
    "returning_revenue": "returning_revenue",
    "new_orders": "new_orders",
    "new_revenue": "new_revenue",
    "returning_avg_order_value": "returning_avg_order_value",
    "new_avg_order_value": "new_avg_order_value",
    "returning_aov_uplift": "returning_aov_uplift",
}
# The join effect has no grain: join months, added up over the programs and the metric_time
# period (joins are flows).
JOIN_EFFECT = {
    "members_joined": "sum(members_joined)",
    "members_with_year_after": "sum(members_with_year_after)",
    "orders_after_365d": "sum(orders_after_365d)",
    "members_in_base_year_after": "sum(members_in_base_year_after)",
    "orders_after_per_member": "sum(orders_after_365d) / nullif(sum(members_with_year_after), 0)",
    "share_in_base_year_after":
        "sum(members_in_base_year_after) / nullif(sum(members_with_year_after), 0)",
    # the mart keeps orders before joining per member: times the members, the orders
    "orders_before_per_member":
        "sum(orders_before_per_member_with_year_after * members_with_year_after)"
        " / nullif(sum(members_with_year_after), 0)",
}
EVERY_METRIC = {**KPI, **PROGRAM, **POINTS, **RETURNING, **JOIN_EFFECT}


def mf(demo: Demo, *args: str) -> subprocess.CompletedProcess:
    """The `mf` command itself, in its own process (test_metricflow_program.py)."""
    done = subprocess.run([str(BIN / "mf"), *args], cwd=demo.project, env=demo.env(),
                          capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, f"mf {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done


# The `mf` console script calls `dbt_metricflow.cli.main:cli`. This runs that command line once
# per command, with one CLIConfiguration (the click object `mf` creates on each start). Each
# command's output is captured on its own at the file descriptors (the spinners of `mf`,
# which print the validation's result, hold the terminal's stream); one exit code and output
# per command go to the file named by the second argument.
MF_COMMANDS_SCRIPT = """
import json, os, sys, tempfile
from dbt_metricflow.cli.cli_configuration import CLIConfiguration
from dbt_metricflow.cli.main import cli

config, done = CLIConfiguration(), []
for args in json.loads(sys.argv[1]):
    with tempfile.TemporaryFile("w+") as output:
        sys.stdout.flush(), sys.stderr.flush()
        terminal = os.dup(1), os.dup(2)
        os.dup2(output.fileno(), 1), os.dup2(output.fileno(), 2)
        try:
            cli.main(args, prog_name="mf", obj=config, standalone_mode=False)
            code = 0
        except SystemExit as stop:  # exit() and exit(0) are a success, as in a shell
            code = (stop.code or 0) if isinstance(stop.code, (int, type(None))) else 1
        except Exception as error:  # click's own errors (a bad option) and anything else
            code = 1
            print(f"{type(error).__name__}: {error}")
        finally:
            sys.stdout.flush(), sys.stderr.flush()
            os.dup2(terminal[0], 1), os.dup2(terminal[1], 2)
        output.seek(0)
        done.append({"code": code, "output": output.read()})
with open(sys.argv[2], "w") as results:
    json.dump(done, results)
"""

# The module's queries: name -> (metrics, group by).
QUERIES = {
    **{f"all_{grain}": (EVERY_METRIC, [f"metric_time__{grain}"]) for grain in GRAINS},
    "segment_month": (KPI, ["metric_time__month", "period_segment__segment"]),
    "program_quarter": (PROGRAM, ["metric_time__quarter", "program_period__program",
                                  "program_period__member_status"]),
    "rfm_segment": (("customers", "at_risk_customers", "value_at_risk"),
                    ["customer__rfm_segment"]),
}


class MfCommands:
    """``validate-configs`` and every query of ``QUERIES`` (to a CSV file each), run by the
    `mf` command line in one process: their exit codes, outputs and answers. All of them run
    when the module's first test asks, even when only one test was selected."""

    def __init__(self, demo: Demo, folder: Path):
        self.folder = folder
        self.commands = {"validate": ["validate-configs", "--skip-dw"]}
        for name, (metrics, group_by) in QUERIES.items():
            self.commands[name] = [
                "query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by),
                "--order", ",".join(group_by), "--csv", str(folder / f"{name}.csv")]
        commands, results = json.dumps(list(self.commands.values())), folder / "results.json"
        ran = subprocess.run(
            [str(BIN / "python"), "-c", MF_COMMANDS_SCRIPT, commands, str(results)],
            cwd=demo.project, env=demo.env(), capture_output=True, text=True, check=False,
            timeout=900)
        assert ran.returncode == 0, f"mf commands:\n{ran.stdout[-3000:]}{ran.stderr[-3000:]}"
        self.done = dict(zip(self.commands, json.loads(results.read_text()), strict=True))

    def output(self, name: str) -> str:
        """The output of the command ``name``, which must have succeeded."""
        done = self.done[name]
        assert done["code"] == 0, f"mf {' '.join(self.commands[name])}:\n{done['output'][-3000:]}"
        return done["output"]

    def get(self, name: str) -> list[dict]:
        """The answer of the query ``name``: its CSV file's rows."""
        self.output(name)
        with (self.folder / f"{name}.csv").open(newline="") as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def answers(demo, tmp_path_factory) -> MfCommands:
    return MfCommands(demo, tmp_path_factory.mktemp("mf_answers"))


def number(value) -> float | None:
    return None if value in ("", None) else float(value)


def same(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)


def compare(rows: list[dict], expected: dict[tuple, dict], key_columns: list[str],
            metrics) -> list[str]:
    """Every metric of every mart row equals the MetricFlow row of the same key; a MetricFlow
    row without a mart row (a year that starts before the first month of the data) is empty."""
    got = {tuple(r[c][:10] if c.startswith("metric_time") else r[c] for c in key_columns): r
           for r in rows}
    assert len(got) == len(rows), "one MetricFlow row per key"
    mismatches = []
    for key in sorted(set(got) | set(expected)):
        for metric in metrics:
            have = number(got[key][metric]) if key in got else None
            want = expected.get(key, {}).get(metric)
            want = None if want is None else float(want)
            if not same(have, want):
                mismatches.append(f"{key} {metric}: mf {have} != mart {want}")
    return mismatches


def mart_rows(demo: Demo, sql: str, params: list) -> dict[tuple, dict]:
    return {(str(r.pop("period_start")),): r for r in demo.query(sql, params)}


def expected_ungrouped(demo: Demo, grain: str) -> dict[tuple, dict]:
    """The marts' figures per period of one grain, for the whole base."""
    kpi = mart_rows(demo, f"""
        select k.period_start, {', '.join(f'{sql} as {m}' for m, sql in KPI.items())}
        {KPI_FROM} where k.period_grain = ? and k.segment = 'all'""", [grain])
    program = mart_rows(demo, f"""
        select period_start, {', '.join(f'{sql} as {m}' for m, sql in PROGRAM.items())}
        from analytics.mart_program_impact
        where period_grain = ? and segment = 'all' and program = 'any'
        group by period_start""", [grain])
    points = mart_rows(demo, f"""
        select period_start, {', '.join(f'{sql} as {m}' for m, sql in POINTS.items())}
        from analytics.mart_program_points where period_grain = ?
        group by period_start""", [grain])
    returning = mart_rows(demo, f"""
        select period_start, {', '.join(f'{sql} as {m}' for m, sql in RETURNING.items())}
        from analytics.mart_returning_aov where period_grain = ? and segment = 'all'""",
        [grain])
    join_effect = mart_rows(demo, f"""
        select cast(date_trunc('{grain}', join_month) as date) as period_start,
            {', '.join(f'{sql} as {m}' for m, sql in JOIN_EFFECT.items())}
        from analytics.mart_program_join_effect group by 1""", [])
    expected: dict[tuple, dict] = {}
    for part in (kpi, program, points, returning, join_effect):
        for key, values in part.items():
            expected.setdefault(key, {}).update(values)
    return expected


def test_semantic_manifest_is_valid(answers):
    assert "ERRORS: 0" in answers.output("validate")


@pytest.mark.parametrize("grain", GRAINS)
def test_every_metric_without_a_filter_equals_the_marts(demo, answers, grain):
    # No --where: the grain of metric_time alone picks the rows, `all` and `any` are the
    # default segment and program.
    rows = answers.get(f"all_{grain}")
    expected = expected_ungrouped(demo, grain)
    periods = {"month": 24, "quarter": 8, "year": 2}[grain]  # 2 years of data, at least
    assert len([k for k, v in expected.items() if v.get("customers_end") is not None]) >= periods
    mismatches = compare(rows, expected, [f"metric_time__{grain}"], EVERY_METRIC)
    assert not mismatches, "\n".join(mismatches[:20])
    # Not vacuous: the rates are defined for most periods.
    for metric in ("churn_rate", "nps", "program_churn_rate", "redemption_rate",
                   "returning_avg_order_value"):
        assert sum(r[metric] != "" for r in rows) > len(expected) / 2, metric


def test_october_churn_is_the_month_rows_churn(demo, answers):
    # The failure this layer guards against: by month, without a filter, the churn of a
    # quarter's first month summed the quarter's row (and the year's, in January) into it.
    rows = answers.get("all_month")
    month = {r["metric_time__month"][:10]: r for r in rows}
    [october] = demo.query("""
        select cast(period_start as varchar) as period_start, churned_customers,
            customers_start
        from analytics.mart_retention
        where period_grain = 'month' and segment = 'all' and month(period_start) = 10
        order by period_start desc limit 1""")
    got = month[october["period_start"]]
    assert int(float(got["churned_customers"])) == october["churned_customers"]
    assert int(float(got["customers_start"])) == october["customers_start"]
    assert same(float(got["churn_rate"]),
                october["churned_customers"] / october["customers_start"])


def test_headline_metrics_by_month_and_segment_equal_the_marts(demo, answers):
    # Grouped by the segment, each segment's rows (`all` among them), still without a filter.
    rows = answers.get("segment_month")
    mart = {
        (str(r.pop("period_start")), r.pop("segment")): r
        for r in demo.query(f"""
            select k.period_start, k.segment,
                {', '.join(f'{sql} as {m}' for m, sql in KPI.items())}
            {KPI_FROM} where k.period_grain = 'month'""")
    }
    # 2 years of months, 4 segments (all, B2C, B2B, unknown) or fewer where one is missing.
    assert len(mart) >= 24 * 3
    assert {r["period_segment__segment"] for r in rows} >= {"all", "B2C", "B2B"}
    mismatches = compare(rows, mart, ["metric_time__month", "period_segment__segment"], KPI)
    assert not mismatches, "\n".join(mismatches[:20])
    # Not vacuous: the rates are defined for most rows.
    assert sum(r["churn_rate"] != "" for r in rows) > len(mart) / 2
    assert sum(r["nps"] != "" for r in rows) > len(mart) / 2


def test_program_metrics_by_program_and_member_status_equal_the_mart(demo, answers):
    # Grouped by program and member_status, each program's own rows; segment `all`.
    group_by = QUERIES["program_quarter"][1]
    rows = answers.get("program_quarter")
    # each row's own columns: the counts (sum(x) -> x) and the mart's rates
    columns = {m: sql[len("sum("):-1] for m, sql in PROGRAM.items() if "/" not in sql} | {
        "program_repeat_purchase_rate": "repeat_purchase_rate",
        "program_avg_order_value": "avg_order_value",
        "program_churn_rate": "churn_rate",
        "program_nps": "nps",
    }
    mart = {
        (str(r.pop("period_start")), r.pop("program"), r.pop("member_status")): r
        for r in demo.query(f"""
            select period_start, program, member_status,
                {', '.join(f'{sql} as {m}' for m, sql in columns.items())}
            from analytics.mart_program_impact
            where period_grain = 'quarter' and segment = 'all'""")
    }
    assert {key[1] for key in mart} >= {"any", "points", "vip_club"}
    mismatches = compare(rows, mart, group_by, PROGRAM)
    assert not mismatches, "\n".join(mismatches[:20])


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


def test_win_back_metrics_by_segment_equal_the_marts(demo, answers):
    # customers (mart_customer_segments) and the win-back list's customers and value at risk
    # (mart_customers_at_risk), joined through the entity customer, by the customer's segment.
    rows = {r["customer__rfm_segment"]: r for r in answers.get("rfm_segment")}
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
