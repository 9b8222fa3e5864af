"""The printing module: every table the ``loyalty`` command prints is made here.

The headline KPIs of the built marts (loyalty kpis), the rows a dirty copy added (loyalty
dirty), the quarantine report of a warehouse (loyalty dirty-report) and the findings of
loyalty check-project, as aligned terminal tables or lines.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

PERIODS_SHOWN = 4


@dataclass(frozen=True)
class Kpi:
    label: str
    column: str
    kind: str  # count | rate | ratio | money | score | mean


KPIS: tuple[Kpi, ...] = (
    Kpi("Customers at end (E)", "customers_end", "count"),
    Kpi("New customers (N)", "new_customers", "count"),
    Kpi("Churned customers", "churned_customers", "count"),
    Kpi("Reactivated customers", "reactivated_customers", "count"),
    Kpi("Customer retention rate", "customer_retention_rate", "rate"),
    Kpi("Churn rate", "churn_rate", "rate"),
    Kpi("Returning customer rate", "returning_customer_rate", "rate"),
    Kpi("Active customers", "active_customers", "count"),
    Kpi("Repeat purchase rate", "repeat_purchase_rate", "rate"),
    Kpi("Upsell ratio", "upsell_ratio", "ratio"),
    Kpi("Orders", "orders", "count"),
    Kpi("Revenue", "revenue", "money"),
    Kpi("Average order value", "avg_order_value", "money"),
    Kpi("CLV (trailing year)", "clv", "money"),
    Kpi("NPS", "nps", "score"),
    Kpi("CSAT (share 4-5)", "csat_pct", "rate"),
    Kpi("CSAT mean (1-5)", "csat_mean", "mean"),
    Kpi("Customer Loyalty Index", "cli", "score"),
    Kpi("Mean engagement score", "mean_engagement_score", "mean"),
)

KPI_QUERY = """
select *
from {schema}.mart_loyalty_kpis
where period_grain = ? and segment = ?
order by period_start desc
limit ?
"""


def format_value(value, kind: str) -> str:
    """A KPI as shown in the table and on the dashboard's tiles: counts with thousands
    separators, rates in %, net scores signed, money and means with 2 decimals."""
    if value is None or value != value:  # NULL, or NaN from pandas
        return "–"
    if kind == "count":
        return f"{int(round(float(value))):,}"
    if kind == "rate":
        return f"{float(value) * 100:.1f} %"
    if kind == "money":
        return f"{float(value):,.2f}"
    if kind == "score":
        return f"{float(value):+.1f}"
    return f"{float(value):.2f}"  # ratio, mean


def period_label(period_start, grain: str, complete: bool = True) -> str:
    """2025-06, 2025-Q2 or 2025, with * when the period is cut at the as-of date."""
    if grain == "year":
        label = f"{period_start.year}"
    elif grain == "quarter":
        label = f"{period_start.year}-Q{(period_start.month - 1) // 3 + 1}"
    else:
        label = f"{period_start:%Y-%m}"
    return label if complete else f"{label}*"


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """An aligned text table: the first ``left`` columns left-aligned (text), the others
    right-aligned (numbers), two spaces between columns."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        text = [cell.ljust(width) for cell, width in zip(cells[:left], widths, strict=False)]
        numbers = [cell.rjust(width)
                   for cell, width in zip(cells[left:], widths[left:], strict=True)]
        return "  ".join([*text, *numbers]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def kpi_table(warehouse: str | Path, grain: str = "month", segment: str = "all",
              schema: str = "analytics", periods: int = PERIODS_SHOWN,
              read_only: bool = True) -> str:
    """The KPI table as text. read_only=False where this process holds the file open already
    (DuckDB refuses a second connection to it with another configuration)."""
    with duckdb.connect(str(warehouse), read_only=read_only) as con:
        cursor = con.execute(KPI_QUERY.format(schema=schema), [grain, segment, periods])
        names = [d[0] for d in cursor.description]
        records = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if not records:
        return f"No {grain} periods for segment '{segment}': are there completed orders?"
    records.reverse()
    as_of = records[-1]["period_end"]
    header = ["KPI", *(period_label(r["period_start"], grain, r["is_period_complete"])
                       for r in records)]
    rows = [[kpi.label, *(format_value(r[kpi.column], kpi.kind) for r in records)]
            for kpi in KPIS]
    title = f"Loyalty KPIs by {grain}, segment {segment}, as of {as_of:%Y-%m-%d}"
    note = "* period still running at the as-of date"
    body = render_table(header, rows)
    if all(r["is_period_complete"] for r in records):
        return f"{title}\n\n{body}"
    return f"{title}\n\n{body}\n{note}"


PROGRAM_KPIS: tuple[Kpi, ...] = (
    Kpi("Members in the base at end", "members_end", "count"),
    Kpi("Repeat purchase rate, members", "member_rpr", "rate"),
    Kpi("Repeat purchase rate, non-members", "non_member_rpr", "rate"),
    Kpi("RPR members / non-members", "rpr_ratio", "ratio"),
    Kpi("AOV members / non-members", "aov_ratio", "ratio"),
    Kpi("NPS, members", "member_nps", "score"),
    Kpi("NPS, non-members", "non_member_nps", "score"),
    Kpi("Points outstanding (liability)", "points_outstanding", "count"),
    Kpi("Points redemption rate", "redemption_rate", "rate"),
    Kpi("Points breakage (trailing year)", "breakage_rate", "rate"),
    Kpi("Returning vs new AOV uplift", "returning_aov_uplift", "rate"),
)

# The member and non-member rows of program 'any', the points ledger over every program, and
# the returning-customer AOV uplift, one row per period.
PROGRAM_QUERY = """
with
impact as (
    select
        period_start,
        max(is_period_complete) as is_period_complete,
        max(case when member_status = 'member' then customers_end end) as members_end,
        max(case when member_status = 'member' then repeat_purchase_rate end) as member_rpr,
        max(case when member_status = 'non_member' then repeat_purchase_rate end)
            as non_member_rpr,
        max(repeat_purchase_rate_ratio) as rpr_ratio,
        max(avg_order_value_ratio) as aov_ratio,
        max(case when member_status = 'member' then nps end) as member_nps,
        max(case when member_status = 'non_member' then nps end) as non_member_nps
    from {schema}.mart_program_impact
    where period_grain = ? and segment = ? and program = 'any'
    group by period_start
),
points as (
    select
        period_start,
        sum(points_outstanding) as points_outstanding,
        sum(points_redeemed) / nullif(sum(points_earned), 0) as redemption_rate,
        sum(points_expired_365d) / nullif(sum(points_earned_365d), 0) as breakage_rate
    from {schema}.mart_program_points
    where period_grain = ?
    group by period_start
)
select impact.*, points.points_outstanding, points.redemption_rate, points.breakage_rate,
    returning_aov.returning_aov_uplift
from impact
left join points on impact.period_start = points.period_start
left join {schema}.mart_returning_aov as returning_aov
    on returning_aov.period_grain = ? and returning_aov.segment = ?
    and impact.period_start = returning_aov.period_start
order by impact.period_start desc
limit ?
"""


def program_table(warehouse: str | Path, grain: str = "month", segment: str = "all",
                  schema: str = "analytics", periods: int = PERIODS_SHOWN,
                  read_only: bool = True) -> str | None:
    """The loyalty program block as text; None when the program marts are not built (var
    loyalty_program_enabled false)."""
    with duckdb.connect(str(warehouse), read_only=read_only) as con:
        present = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name in ('mart_program_impact', 'mart_program_points')", [schema],
        ).fetchone()[0]
        if present < 2:
            return None
        cursor = con.execute(PROGRAM_QUERY.format(schema=schema),
                             [grain, segment, grain, grain, segment, periods])
        names = [d[0] for d in cursor.description]
        records = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        benchmark = _returning_aov_benchmark(con)
    if not records:
        return None
    records.reverse()
    header = ["Program KPI", *(period_label(r["period_start"], grain, r["is_period_complete"])
                               for r in records)]
    rows = [[kpi.label, *(format_value(r[kpi.column], kpi.kind) for r in records)]
            for kpi in PROGRAM_KPIS]
    title = (f"Loyalty program by {grain}, segment {segment}: members (of any program at the "
             "period's end) against non-members")
    body = f"{title}\n\n{render_table(header, rows)}"
    if benchmark is None:
        return body
    shown = format_value(benchmark, "rate")
    return f"{body}\nReturning vs new AOV uplift: the article's benchmark is {shown}"


def _returning_aov_benchmark(con: duckdb.DuckDBPyConnection) -> float | None:
    """The seed loyalty_benchmarks' returning_aov_uplift (0.31), or None without the seed."""
    schemas = [row[0] for row in con.execute(
        "select table_schema from information_schema.tables "
        "where table_name = 'loyalty_benchmarks' order by table_schema").fetchall()]
    if not schemas:
        return None
    value = con.execute(
        f'select max(rate_low) from "{schemas[0]}".loyalty_benchmarks '
        "where metric_column = 'returning_aov_uplift'").fetchone()[0]
    return None if value is None else float(value)


def print_kpis(warehouse: str | Path, grain: str = "month", segment: str = "all",
               schema: str = "analytics") -> None:
    path = Path(warehouse)
    if not path.exists():
        raise SystemExit(f"loyalty kpis: no warehouse at {path}: run `make demo` first")
    try:
        print(kpi_table(path, grain=grain, segment=segment, schema=schema))
        program = program_table(path, grain=grain, segment=segment, schema=schema)
        if program is not None:
            print()
            print(program)
    except duckdb.CatalogException as error:
        print(f"loyalty kpis: the marts are not built in {path} ({error}); run `dbt build`",
              file=sys.stderr)
        raise SystemExit(2) from error


# --- loyalty check-project ---------------------------------------------------------------------


def format_project_check(result) -> str:
    """The findings of loyalty_analytics.project_checks, one line per node and rule, and the
    dbt-score verdict against the thresholds of pyproject.toml."""
    verdict = (f"dbt-score: {result.items} items, project score {result.project_score:.1f} "
               f"(fail under {result.fail_project_under:.1f}; any item under "
               f"{result.fail_any_item_under:.1f})")
    if result.passed:
        return f"{verdict}: every rule holds."
    lines = [f"{verdict}: {len(result.findings)} broken rules", ""]
    lines += [str(finding) for finding in result.findings]
    return "\n".join(lines)


# --- loyalty dirty and loyalty dirty-report ----------------------------------------------------


def format_added(manifest: dict) -> str:
    """The rows a dirty copy added per table and reason (manifest of dirty.make_dirty)."""
    rows = [[table, reason, f"{count:,}"]
            for table, reasons in manifest["added"].items()
            for reason, count in reasons.items()]
    total = sum(manifest["added_rows"].values())
    return render_table(["table", "reason", "rows added"],
                        [*rows, ["total", "", f"{total:,}"]], left=2)


def format_dirty_copy(manifest: dict, out: str | os.PathLike) -> str:
    """What loyalty dirty wrote: the rows added, then each file with its clean and bad rows."""
    from loyalty_analytics.dirty import MANIFEST_NAME

    lines = [format_added(manifest)]
    for table, rows in manifest["dirty_rows"].items():
        lines.append(f"{Path(out) / (table + '.parquet')}: {rows:,} rows "
                     f"({manifest['clean_rows'][table]:,} clean + "
                     f"{manifest['added_rows'][table]:,} bad)")
    lines.append(f"{Path(out) / MANIFEST_NAME}: the rows added, by table and reason")
    return "\n".join(lines)


def quarantine_report(warehouse: str | os.PathLike, schema: str = "analytics",
                      read_only: bool = True) -> str:
    """The quarantine report: rejected rows of mart_data_quality summed by source table and
    reason, aligned, the raw tables in the data contract's order."""
    from loyalty_analytics.contract import RAW_TABLES
    from loyalty_analytics.dirty import quarantine_counts

    counts = quarantine_counts(warehouse, schema=schema, read_only=read_only)
    title = "Quarantined raw rows by table and reason (mart_data_quality)"
    if not counts:
        return f"{title}\n\nNo raw row was quarantined."
    order = {table: k for k, table in enumerate(RAW_TABLES)}
    keys = sorted(counts, key=lambda key: (order.get(key[0], len(order)), key[0], key[1]))
    rows = [[table, reason, f"{counts[(table, reason)]:,}"] for table, reason in keys]
    total = sum(counts.values())
    body = render_table(["source_table", "reject_reason", "rows"],
                        [*rows, ["total", "", f"{total:,}"]], left=2)
    return f"{title}\n\n{body}"


def print_quarantine_report(warehouse: str | os.PathLike, schema: str = "analytics") -> None:
    print()  # apart from the KPI table that make demo-dirty prints before it
    print(quarantine_report(warehouse, schema=schema))


# --------------------------------------------------------------------------------------------
# Predictive CLV: the holdout validation and the win-back list


def _number(value, digits: int = 2) -> str:
    if value is None or value != value:
        return "–"
    return f"{float(value):,.{digits}f}"


def btyd_parameter_table(parameters: list[dict], tolerance: float, symbol=str) -> str:
    """Fitted vs published model parameters (``loyalty cdnow-proof``): rows with model,
    parameter, published, fitted and relative_difference; ``symbol`` names a parameter."""
    header = ["model", "parameter", "published", "fitted", "relative difference",
              f"within {tolerance * 100:g} %"]
    rows = [[p["model"], symbol(p["parameter"]), f"{p['published']:g}",
             f"{p['fitted']:.4f}" if p["fitted"] is not None else "–",
             f"{p['relative_difference'] * 100:+.2f} %",
             "yes" if abs(p["relative_difference"]) <= tolerance else "NO"]
            for p in parameters]
    return render_table(header, rows)


def weekly_purchases_table(weeks: list[dict]) -> str:
    """Repeat purchases per holdout week, actual vs predicted, with the running totals: rows
    with week, week_start, actual, predicted and predicted_unconditional."""
    header = ["week", "starts", "actual", "predicted", "difference", "unconditional",
              "cum. actual", "cum. predicted"]
    rows = []
    cumulative_actual = cumulative_predicted = 0.0
    for w in weeks:
        cumulative_actual += w["actual"]
        cumulative_predicted += w["predicted"]
        rows.append([str(w["week"]), f"{w['week_start']:%Y-%m-%d}", f"{w['actual']:,}",
                     f"{w['predicted']:.1f}", f"{w['predicted'] - w['actual']:+.1f}",
                     f"{w['predicted_unconditional']:.1f}",
                     f"{cumulative_actual:,.0f}", f"{cumulative_predicted:,.1f}"])
    return render_table(header, rows)


def clv_holdout_table(rows: list[dict], bucket_label: str = "frequency (calibration)") -> str:
    """mart_clv_holdout as text: per bucket customers, actual vs predicted mean and total
    purchase days in the holdout and the relative difference of the totals; MAE and RMSE of
    the 'all' row below the table."""
    header = [bucket_label, "customers", "actual mean", "predicted mean", "actual total",
              "predicted total", "difference"]
    body = []
    for r in rows:
        actual, predicted = r["actual_total"], r["predicted_total"]
        difference = ("–" if predicted is None or not actual
                      else f"{(predicted - actual) / actual * 100:+.1f} %")
        body.append([r["frequency_bucket"], f"{r['customers']:,}", _number(r["actual_mean"]),
                     _number(r["predicted_mean"]), f"{actual:,}", _number(predicted, 1),
                     difference])
    table = render_table(header, body)
    total = next((r for r in rows if r["frequency_bucket"] == "all"), None)
    if total is not None and total.get("mae") is not None:
        table += (f"\nper customer: MAE {total['mae']:.3f}, RMSE {total['rmse']:.3f} "
                  "purchase days")
    return table


def clv_holdout_rows(con, schema: str = "analytics") -> list[dict]:
    """The rows of mart_clv_holdout in bucket order."""
    cursor = con.execute(f"select * from {schema}.mart_clv_holdout order by bucket_order")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Columns of the win-back list, in the order of the table and of the CSV export.
AT_RISK_COLUMNS = (
    "risk_rank", "customer_id", "reason", "rfm_segment", "last_order_date", "recency_days",
    "median_gap_days", "p_alive", "predicted_clv_if_alive", "value_at_risk",
    "predicted_clv_365d", "lifetime_orders", "lifetime_revenue", "is_in_base",
    "r_score", "f_score", "m_score", "as_of_date",
)


def at_risk_rows(con, top: int | None = None, schema: str = "analytics") -> list[dict]:
    """mart_customers_at_risk in rank order (``top``: the first n only)."""
    limit = "" if top is None else f" limit {int(top)}"
    cursor = con.execute(
        f"select {', '.join(AT_RISK_COLUMNS)} from {schema}.mart_customers_at_risk "
        f"order by risk_rank{limit}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def at_risk_summary(con, schema: str = "analytics") -> dict:
    [row] = con.execute(
        f"select count(*), sum(value_at_risk), max(as_of_date) "
        f"from {schema}.mart_customers_at_risk").fetchall()
    return {"customers": row[0], "value_at_risk": row[1], "as_of_date": row[2]}


def at_risk_table(rows: list[dict], summary: dict) -> str:
    """The win-back list as text: the customers ranked by value at risk."""
    as_of = summary["as_of_date"]
    title = (f"Who to win back, as of {as_of:%Y-%m-%d}: {summary['customers']:,} customers, "
             f"value at risk {_number(summary['value_at_risk'])}"
             if as_of is not None else "Who to win back: nobody is overdue or at risk")
    if not rows:
        return title
    header = ["rank", "customer", "reason", "segment", "last order", "days since",
              "median gap", "P(alive)", "CLV if alive", "value at risk", "lifetime revenue"]
    body = [[str(r["risk_rank"]), r["customer_id"], r["reason"], r["rfm_segment"] or "–",
             f"{r['last_order_date']:%Y-%m-%d}", f"{r['recency_days']:,}",
             _number(r["median_gap_days"], 1), _number(r["p_alive"]),
             _number(r["predicted_clv_if_alive"]), _number(r["value_at_risk"]),
             _number(r["lifetime_revenue"])] for r in rows]
    return f"{title}\n\n{render_table(header, body)}"


def write_at_risk_csv(rows: list[dict], path: str | Path) -> int:
    """Write the win-back list as CSV for a marketing tool: UTF-8, comma-separated, a header
    row, ISO dates, '.' decimals, empty cells for NULL. Returns the rows written."""
    import csv

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(AT_RISK_COLUMNS)
        for r in rows:
            writer.writerow(["" if r[c] is None else
                             (str(r[c]).lower() if isinstance(r[c], bool) else r[c])
                             for c in AT_RISK_COLUMNS])
    return len(rows)


def print_at_risk(warehouse: str | Path, top: int | None = 20, csv_path: str | Path | None = None,
                  schema: str = "analytics", read_only: bool = True) -> None:
    """``loyalty at-risk``: print the first ``top`` of the win-back list, and with ``csv_path``
    write the whole list there. read_only=False where this process holds the file open
    already (dbt in-process)."""
    path = Path(warehouse)
    if not path.is_file():
        raise SystemExit(f"loyalty at-risk: no warehouse at {path}: run `make demo` first")
    try:
        with duckdb.connect(str(path), read_only=read_only) as con:
            summary = at_risk_summary(con, schema)
            shown = at_risk_rows(con, top, schema) if top else []
            everyone = at_risk_rows(con, None, schema) if csv_path else []
    except duckdb.CatalogException as error:
        print(f"loyalty at-risk: mart_customers_at_risk is not built in {path} ({error}); "
              "run `dbt build`", file=sys.stderr)
        raise SystemExit(2) from error
    if top:
        print(at_risk_table(shown, summary))
    if csv_path:
        written = write_at_risk_csv(everyone, csv_path)
        print(f"wrote {written:,} customers to {csv_path}")
