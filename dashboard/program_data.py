"""Data access of the dashboard's "Loyalty program" page (pages/1_Loyalty_program.py): the
queries on the program marts, and nothing about layout. Like dashboard_data, each function
takes an open DuckDB connection and returns a pandas DataFrame; a warehouse built with
var('loyalty_program_enabled') false has no program marts, and ``available`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dashboard_data as data
import duckdb
import pandas as pd

PROGRAM_MARTS = ("mart_program_impact", "mart_program_join_effect", "mart_program_points")
STATUS_ORDER = ("member", "non_member")

# The member-against-non-member charts: column of mart_program_impact, title, kind.
IMPACT_CHARTS: tuple[data.Kpi, ...] = (
    data.Kpi("repeat_purchase_rate", "Repeat purchase rate (RPR)", "rate"),
    data.Kpi("avg_order_value", "Average order value", "money"),
    data.Kpi("nps", "Net Promoter Score", "score"),
    data.Kpi("clv", "Historical CLV (trailing year)", "money"),
)

# The tiles of the selected period: (label, column of the member row, kind).
IMPACT_TILES: tuple[tuple[str, str, str], ...] = (
    ("RPR, members", "repeat_purchase_rate", "rate"),
    ("RPR, non-members", "non_member_repeat_purchase_rate", "rate"),
    ("RPR members ÷ non-members", "repeat_purchase_rate_ratio", "ratio"),
    ("AOV members ÷ non-members", "avg_order_value_ratio", "ratio"),
)


def available(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse holds the three program marts."""
    return all(data.find_table(con, name) is not None for name in PROGRAM_MARTS)


def programs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The programs of mart_program_impact, `any` first."""
    table = data.require_table(con, "mart_program_impact")
    found = {row[0] for row in con.execute(f"select distinct program from {table}").fetchall()}
    return ["any", *sorted(found - {"any"})] if "any" in found else sorted(found)


def impact(con: duckdb.DuckDBPyConnection, grain: str, segment: str,
           program: str) -> pd.DataFrame:
    """Members and non-members of one program by period; the member rows also carry the
    non-members' RPR (for the tiles)."""
    table = data.require_table(con, "mart_program_impact")
    return data._df(
        con,
        f"""
        select
            impact.*,
            non_members.repeat_purchase_rate as non_member_repeat_purchase_rate
        from {table} as impact
        inner join {table} as non_members
            on impact.period_grain = non_members.period_grain
            and impact.period_start = non_members.period_start
            and impact.segment = non_members.segment
            and impact.program = non_members.program
            and non_members.member_status = 'non_member'
        where impact.period_grain = ? and impact.segment = ? and impact.program = ?
        order by impact.period_start, impact.member_status
        """,
        [grain, segment, program],
    )


def join_effect(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Orders per member in the year before and after joining, by join month and program,
    for the members with a whole year after joining."""
    table = data.require_table(con, "mart_program_join_effect")
    return data._df(
        con,
        f"""
        select
            join_month,
            program,
            members_joined,
            members_with_year_after,
            orders_before_per_member_with_year_after as orders_before,
            orders_after_per_member as orders_after,
            revenue_before_per_member_with_year_after as revenue_before,
            revenue_after_per_member as revenue_after,
            share_in_base_year_after
        from {table}
        order by join_month, program
        """,
    )


def points(con: duckdb.DuckDBPyConnection, grain: str) -> pd.DataFrame:
    """The points ledger of every program by period."""
    table = data.require_table(con, "mart_program_points")
    return data._df(
        con,
        f"""
        select *
        from {table}
        where period_grain = ?
        order by period_start, program
        """,
        [grain],
    )


def returning_aov(con: duckdb.DuckDBPyConnection, grain: str, segment: str) -> pd.DataFrame:
    """AOV of returning against new customers by period (mart_returning_aov)."""
    table = data.require_table(con, "mart_returning_aov")
    return data._df(
        con,
        f"""
        select period_start, is_period_complete, returning_avg_order_value,
            new_avg_order_value, returning_aov_uplift
        from {table}
        where period_grain = ? and segment = ?
        order by period_start
        """,
        [grain, segment],
    )


def returning_aov_benchmark(con: duckdb.DuckDBPyConnection) -> float | None:
    """The seed's norm for returning_aov_uplift (0.31), None without the seed."""
    table = data.find_table(con, "loyalty_benchmarks")
    if table is None:
        return None
    value = con.execute(f"select max(rate_low) from {table} "
                        "where metric_column = 'returning_aov_uplift'").fetchone()[0]
    return None if value is None else float(value)


@dataclass
class ProgramData:
    path: Path
    grains: list[str]
    segments: list[str]
    programs: list[str]
    join_effect: pd.DataFrame
    returning_aov_benchmark: float | None


def read_overview(path: Path | str) -> ProgramData | None:
    """The page's selectors and the join effect; None without the program marts."""
    with data.connect(path) as con:
        if not available(con):
            return None
        return ProgramData(path=Path(path), grains=data.grains(con), segments=data.segments(con),
                           programs=programs(con), join_effect=join_effect(con),
                           returning_aov_benchmark=returning_aov_benchmark(con))


def read_period_frames(path: Path | str, grain: str, segment: str,
                       program: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(impact rows of the program, points ledger, returning AOV) for one grain."""
    with data.connect(path) as con:
        return (impact(con, grain, segment, program), points(con, grain),
                returning_aov(con, grain, segment))
