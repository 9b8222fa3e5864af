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


def print_kpis(warehouse: str | Path, grain: str = "month", segment: str = "all",
               schema: str = "analytics") -> None:
    path = Path(warehouse)
    if not path.exists():
        raise SystemExit(f"loyalty kpis: no warehouse at {path}: run `make demo` first")
    try:
        print(kpi_table(path, grain=grain, segment=segment, schema=schema))
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
