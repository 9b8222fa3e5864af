"""Print the headline KPIs of the built marts as an aligned terminal table."""

from __future__ import annotations

import sys
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


def render_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])
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
