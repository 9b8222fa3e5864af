"""Data access of the loyalty dashboard: every SQL query it runs, and nothing about layout.

Each function takes an open DuckDB connection and returns a pandas DataFrame (or a plain
value), so it can be tested on a hand-made in-memory database as well as on a built
warehouse. The dashboard opens the warehouse read-only and only for the time of one load
(``read_all``), so that a ``dbt build`` can take the file's write lock between two reloads.

Tables are looked up by name in ``information_schema``: the marts are in the profile's schema
(``analytics`` by default) and the benchmarks seed in ``<schema>_reference``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from loyalty_analytics import report

DEFAULT_WAREHOUSE = "warehouse/loyalty.duckdb"

GRAIN_ORDER = ("month", "quarter", "year")
SEGMENT_ORDER = ("all", "B2C", "B2B", "unknown")


@dataclass(frozen=True)
class Kpi:
    """A headline figure of mart_loyalty_kpis as the dashboard shows it."""

    column: str
    label: str
    kind: str  # rate | score | money | count | mean | ratio
    higher_is_better: bool = True


# The tiles, in the order shown. Every value is the mart's own; the dashboard computes none.
KPI_TILES: tuple[Kpi, ...] = (
    Kpi("customer_retention_rate", "Customer retention rate", "rate"),
    Kpi("churn_rate", "Churn rate", "rate", higher_is_better=False),
    Kpi("repeat_purchase_rate", "Repeat purchase rate", "rate"),
    Kpi("returning_customer_rate", "Returning customer rate", "rate"),
    Kpi("nps", "NPS", "score"),
    Kpi("csat_pct", "CSAT (share 4–5)", "rate"),
    Kpi("cli", "Customer Loyalty Index", "score"),
    Kpi("clv", "Historical CLV", "money"),
    Kpi("customers_end", "Customers in the base", "count"),
    Kpi("active_customers", "Active customers", "count"),
    Kpi("revenue", "Revenue", "money"),
    Kpi("mean_engagement_score", "Mean engagement score", "mean"),
)

# The trend charts: metric column of mart_loyalty_kpis, title, kind.
TRENDS: tuple[Kpi, ...] = (
    Kpi("customer_retention_rate", "Customer retention rate (CRR)", "rate"),
    Kpi("churn_rate", "Churn rate", "rate", higher_is_better=False),
    Kpi("repeat_purchase_rate", "Repeat purchase rate (RPR)", "rate"),
    Kpi("nps", "Net Promoter Score", "score"),
    Kpi("csat_pct", "CSAT (share 4–5)", "rate"),
    Kpi("cli", "Customer Loyalty Index", "score"),
    Kpi("clv", "Historical CLV (trailing year)", "money"),
)

# Columns of mart_customer_clv shown in the top-customers table, in that order, when present.
CLV_COLUMNS = (
    "customer_id",
    "predicted_clv_365d",
    "predicted_clv_decile",
    "p_alive",
    "expected_purchases_90d",
    "expected_purchases_365d",
    "expected_avg_order_value",
    "frequency",
    "last_purchase_date",
)


def warehouse_path() -> Path:
    """The DuckDB file: $DBT_DUCKDB_PATH, else warehouse/loyalty.duckdb."""
    return Path(os.environ.get("DBT_DUCKDB_PATH") or DEFAULT_WAREHOUSE)


@contextmanager
def connect(path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only; the file must exist (DuckDB would create an empty one)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no warehouse at {path}: run `make demo` first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def find_table(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The quoted ``schema.table`` of a table or view called ``name``, or None.

    With several, the profile's schema (``analytics``) wins, then the alphabetical first.
    """
    rows = con.execute(
        """
        select table_schema
        from information_schema.tables
        where table_name = ?
        order by table_schema = 'analytics' desc, table_schema
        """,
        [name],
    ).fetchall()
    if not rows:
        return None
    return f'"{rows[0][0]}"."{name}"'


def require_table(con: duckdb.DuckDBPyConnection, name: str) -> str:
    table = find_table(con, name)
    if table is None:
        raise LookupError(f"table {name} is not in the warehouse: run `dbt build`")
    return table


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def grains(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The period grains built, month first."""
    table = require_table(con, "mart_loyalty_kpis")
    found = {row[0] for row in con.execute(f"select distinct period_grain from {table}").fetchall()}
    return [g for g in GRAIN_ORDER if g in found] + sorted(found - set(GRAIN_ORDER))


def segments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The segments in the marts, `all` first."""
    table = require_table(con, "mart_loyalty_kpis")
    found = {row[0] for row in con.execute(f"select distinct segment from {table}").fetchall()}
    return [s for s in SEGMENT_ORDER if s in found] + sorted(found - set(SEGMENT_ORDER))


def kpis(con: duckdb.DuckDBPyConnection, grain: str) -> pd.DataFrame:
    """Every row of mart_loyalty_kpis for a grain, all segments, by period."""
    table = require_table(con, "mart_loyalty_kpis")
    return _df(
        con,
        f"""
        select *
        from {table}
        where period_grain = ?
        order by period_start, segment
        """,
        [grain],
    )


def as_of(con: duckdb.DuckDBPyConnection):
    """The as-of date: the end of the latest period (metrics.md, "As-of date"); None if empty."""
    table = require_table(con, "mart_loyalty_kpis")
    return con.execute(f"select max(period_end) from {table}").fetchone()[0]


def last_period(frame: pd.DataFrame) -> tuple[object, bool] | None:
    """(start, is complete) of the latest period of a ``kpis`` frame, or None if it is empty.

    The last period is complete only when the as-of date is its calendar end.
    """
    if frame.empty:
        return None
    row = frame.sort_values("period_start").iloc[-1]
    return row["period_start"], bool(row["is_period_complete"])


def tile_values(
    frame: pd.DataFrame, segment: str, period_start
) -> tuple[pd.Series, pd.Series | None]:
    """The selected period's row of one segment and the row of the period before it (or None).

    ``frame`` is the result of ``kpis`` for one grain.
    """
    rows = frame[frame["segment"] == segment].sort_values("period_start").reset_index(drop=True)
    matches = rows.index[rows["period_start"] == pd.Timestamp(period_start)]
    if len(matches) == 0:
        raise LookupError(f"no row for segment {segment} and period {period_start}")
    position = int(matches[0])
    previous = rows.iloc[position - 1] if position > 0 else None
    return rows.iloc[position], previous


def benchmarks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The churn and repeat-purchase benchmarks of the loyalty_benchmarks seed (empty if absent)."""
    table = find_table(con, "loyalty_benchmarks")
    if table is None:
        return pd.DataFrame(
            columns=["metric_column", "benchmark", "rate_low", "rate_high", "rate_mid"])
    return _df(
        con,
        f"""
        select
            metric_column,
            dimension_value as benchmark,
            rate_low,
            rate_high,
            (rate_low + rate_high) / 2 as rate_mid,
            is_approximate
        from {table}
        where metric_column in ('churn_rate', 'repeat_purchase_rate')
        order by metric_column, rate_mid
        """,
    )


def cohorts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """mart_cohorts: cohort month × months since the first order, with the retention share."""
    table = require_table(con, "mart_cohorts")
    return _df(
        con,
        f"""
        select
            cohort_month,
            months_since_first_order,
            cohort_size,
            active_customers,
            retention_share,
            cohort_repeat_rate
        from {table}
        order by cohort_month, months_since_first_order
        """,
    )


def customer_clv(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The predicted-CLV columns of mart_customer_clv, best first; None without the table."""
    table = find_table(con, "mart_customer_clv")
    if table is None:
        return None
    present = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_name = ?",
            ["mart_customer_clv"],
        ).fetchall()
    }
    if "predicted_clv_365d" not in present:
        return None
    columns = ", ".join(f'"{c}"' for c in CLV_COLUMNS if c in present)
    return _df(
        con,
        f"""
        select {columns}
        from {table}
        order by predicted_clv_365d desc nulls last, customer_id
        """,
    )


def segment_grid(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """Customers per (r_score, f_score) of mart_customer_segments, with the segment name, the
    revenue and the win-back list's customers and value at risk; None without the mart."""
    segments_table = find_table(con, "mart_customer_segments")
    if segments_table is None:
        return None
    at_risk_table = find_table(con, "mart_customers_at_risk")
    at_risk_join = (f"left join {at_risk_table} as a on a.customer_id = s.customer_id"
                    if at_risk_table else "left join (select null as customer_id, "
                    "null as value_at_risk) as a on false")
    return _df(
        con,
        f"""
        select
            s.r_score,
            s.f_score,
            min(s.rfm_segment) as rfm_segment,
            count(*) as customers,
            sum(s.monetary) as revenue,
            count(a.customer_id) as at_risk_customers,
            sum(a.value_at_risk) as value_at_risk
        from {segments_table} as s
        {at_risk_join}
        group by 1, 2
        order by 1, 2
        """,
    )


# Columns of mart_customers_at_risk shown in the win-back table, in that order.
AT_RISK_COLUMNS = (
    "risk_rank", "customer_id", "reason", "rfm_segment", "last_order_date", "recency_days",
    "median_gap_days", "p_alive", "predicted_clv_if_alive", "value_at_risk", "lifetime_revenue",
)


def customers_at_risk(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The win-back list in rank order; None without the mart."""
    table = find_table(con, "mart_customers_at_risk")
    if table is None:
        return None
    return _df(con, f"select {', '.join(AT_RISK_COLUMNS)} from {table} order by risk_rank")


def engagement_scores(
    con: duckdb.DuckDBPyConnection, grain: str, period_start, segment: str
) -> pd.DataFrame:
    """Engagement scores of the customers engaged in one period; segment `all` takes every one."""
    table = require_table(con, "mart_engagement")
    return _df(
        con,
        f"""
        select customer_id, segment, engagement_score, active_days, time_spent_seconds, key_actions
        from {table}
        where period_grain = ?
          and period_start = ?
          and (? = 'all' or segment = ?)
        order by engagement_score, customer_id
        """,
        [grain, pd.Timestamp(period_start).date(), segment, segment],
    )


def data_quality(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Quarantined raw rows by source table and reject reason, most first."""
    table = find_table(con, "mart_data_quality")
    if table is None:
        return pd.DataFrame(columns=["source_table", "reject_reason", "rejected_rows"])
    return _df(
        con,
        f"""
        select source_table, reject_reason, sum(rejected_rows) as rejected_rows
        from {table}
        group by 1, 2
        order by 3 desc, 1, 2
        """,
    )


@dataclass
class DashboardData:
    """Everything one page view shows, read in one short read-only session."""

    path: Path
    grains: list[str]
    segments: list[str]
    kpis: dict[str, pd.DataFrame]
    as_of: object
    benchmarks: pd.DataFrame
    cohorts: pd.DataFrame
    customer_clv: pd.DataFrame | None
    data_quality: pd.DataFrame
    segment_grid: pd.DataFrame | None = None
    customers_at_risk: pd.DataFrame | None = None


def read_all(path: Path | str) -> DashboardData:
    """Read every table the dashboard shows but the per-period engagement scores."""
    with connect(path) as con:
        found_grains = grains(con)
        return DashboardData(
            path=Path(path),
            grains=found_grains,
            segments=segments(con),
            kpis={grain: kpis(con, grain) for grain in found_grains},
            as_of=as_of(con),
            benchmarks=benchmarks(con),
            cohorts=cohorts(con),
            customer_clv=customer_clv(con),
            data_quality=data_quality(con),
            segment_grid=segment_grid(con),
            customers_at_risk=customers_at_risk(con),
        )


def read_engagement(path: Path | str, grain: str, period_start, segment: str) -> pd.DataFrame:
    with connect(path) as con:
        return engagement_scores(con, grain, period_start, segment)


def period_label(period_start, grain: str, complete: bool = True) -> str:
    """2025-06, 2025-Q2 or 2025, with * when the period is cut at the as-of date."""
    return report.period_label(pd.Timestamp(period_start), grain, complete)


# The terminal KPI table and the tiles format values alike.
format_value = report.format_value


def format_delta(current, previous, kind: str) -> str | None:
    """The change from the previous period: percentage points for rates; None if unknown."""
    if current is None or previous is None or pd.isna(current) or pd.isna(previous):
        return None
    change = float(current) - float(previous)
    if kind == "rate":
        return f"{change * 100:+.1f} pp"
    if kind == "score":
        return f"{change:+.1f}"
    if kind == "money":
        return f"{change:+,.2f}"
    if kind == "count":
        return f"{int(round(change)):+,}"
    return f"{change:+.2f}"
