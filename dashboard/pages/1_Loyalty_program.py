"""The dashboard's "Loyalty program" page: members against non-members over time, what
joining changed, and the points liability. Layout only; every query is in program_data."""

from __future__ import annotations

import altair as alt
import dashboard_data as data
import duckdb
import pandas as pd
import program_data
import streamlit as st

STATUS_COLOURS = {"member": "#2ca02c", "non_member": "#7f7f7f"}
AXIS_FORMAT = {"rate": ".0%", "score": "+.0f", "money": ",.0f", "count": ",.0f",
               "ratio": ".2f"}


@st.cache_data(show_spinner=False, max_entries=4)
def load_overview(path: str, modified_ns: int):
    del modified_ns  # part of the cache key only
    return program_data.read_overview(path)


@st.cache_data(show_spinner=False, max_entries=32)
def load_frames(path: str, modified_ns: int, grain: str, segment: str, program: str):
    del modified_ns
    return program_data.read_period_frames(path, grain, segment, program)


def status_chart(frame: pd.DataFrame, kpi: data.Kpi, grain: str) -> alt.Chart:
    rows = frame[["period_start", "member_status", "is_period_complete", kpi.column]].copy()
    rows["period"] = [data.period_label(start, grain, bool(complete)) for start, complete
                      in rows[["period_start", "is_period_complete"]].itertuples(index=False)]
    colour = alt.Color("member_status:N", title="Status",
                       scale=alt.Scale(domain=list(STATUS_COLOURS),
                                       range=list(STATUS_COLOURS.values())))
    return alt.Chart(rows).mark_line(point=True).encode(
        x=alt.X("period_start:T", title=None),
        y=alt.Y(f"{kpi.column}:Q", title=None, axis=alt.Axis(format=AXIS_FORMAT[kpi.kind])),
        color=colour,
        tooltip=["period:N", "member_status:N", alt.Tooltip(f"{kpi.column}:Q")],
    ).properties(title=kpi.label, height=230)


def members_section(frame: pd.DataFrame, grain: str, segment: str, program: str) -> None:
    with st.container(key="section_program_members"):
        st.subheader(f"Members vs non-members · {program} · {segment}")
        st.caption("A customer is a member of a period when a membership of the program is "
                   "open at its end; every figure counts the customers of that status "
                   "(mart_program_impact).")
        members = frame[frame["member_status"] == "member"].sort_values("period_start")
        if members.empty:
            st.info("No period to show.")
            return
        latest = members.iloc[-1]
        label = data.period_label(latest["period_start"], grain,
                                  bool(latest["is_period_complete"]))
        columns = st.columns(len(program_data.IMPACT_TILES))
        for column, (title, name, kind) in zip(columns, program_data.IMPACT_TILES, strict=True):
            with column:
                st.metric(f"{title} · {label}", data.format_value(latest[name], kind),
                          border=True)
        charts = st.columns(2)
        for i, kpi in enumerate(program_data.IMPACT_CHARTS):
            with charts[i % 2]:
                st.altair_chart(status_chart(frame, kpi, grain), width="stretch")


def join_section(join: pd.DataFrame, program: str) -> None:
    with st.container(key="section_program_join"):
        st.subheader("What joining changed")
        st.caption("Valid orders per member in the 365 days before and after joining, by join "
                   "month: members with a whole year after joining only "
                   "(mart_program_join_effect).")
        shown = join if program == "any" else join[join["program"] == program]
        shown = shown.dropna(subset=["orders_after"])
        if shown.empty:
            st.info("No member has a whole year of history after joining yet.")
            return
        long = shown.melt(id_vars=["join_month", "program"],
                          value_vars=["orders_before", "orders_after"],
                          var_name="window", value_name="orders_per_member")
        chart = alt.Chart(long).mark_bar().encode(
            x=alt.X("yearmonth(join_month):O", title="Join month"),
            xOffset="window:N",
            y=alt.Y("orders_per_member:Q", title="Orders per member"),
            color=alt.Color("window:N", title="Year",
                            scale=alt.Scale(domain=["orders_before", "orders_after"],
                                            range=["#aec7e8", "#1f77b4"])),
            tooltip=["program:N", "yearmonth(join_month):O", "window:N",
                     alt.Tooltip("orders_per_member:Q", format=".2f")],
        ).properties(height=260)
        st.altair_chart(chart, width="stretch")


def points_section(ledger: pd.DataFrame, grain: str) -> None:
    with st.container(key="section_program_points"):
        st.subheader("Points liability")
        st.caption("Points outstanding at each period's end (the signed sum of every entry), "
                   "and the trailing-year breakage rate (mart_program_points).")
        if ledger.empty:
            st.info("No points entry.")
            return
        latest = ledger[ledger["period_start"] == ledger["period_start"].max()]
        total = int(latest["points_outstanding"].sum())
        label = data.period_label(latest["period_start"].iloc[0], grain)
        st.metric(f"Points outstanding · {label}", f"{total:,}", border=True)
        columns = st.columns(2)
        with columns[0]:
            st.altair_chart(alt.Chart(ledger).mark_area(opacity=0.8).encode(
                x=alt.X("period_start:T", title=None),
                y=alt.Y("points_outstanding:Q", title="Points outstanding", stack=True),
                color=alt.Color("program:N", title="Program"),
                tooltip=["program:N", "period_start:T", "points_outstanding:Q"],
            ).properties(title="Liability by program", height=230), width="stretch")
        with columns[1]:
            st.altair_chart(alt.Chart(ledger.dropna(subset=["breakage_rate"])).mark_line(
                point=True).encode(
                x=alt.X("period_start:T", title=None),
                y=alt.Y("breakage_rate:Q", title=None, axis=alt.Axis(format=".0%")),
                color=alt.Color("program:N", title="Program"),
                tooltip=["program:N", "period_start:T",
                         alt.Tooltip("breakage_rate:Q", format=".1%")],
            ).properties(title="Breakage rate (trailing year)", height=230), width="stretch")


def returning_section(frame: pd.DataFrame, benchmark: float | None, segment: str) -> None:
    with st.container(key="section_program_returning"):
        st.subheader(f"Returning vs new customers' order value · {segment}")
        st.caption("returning_aov_uplift = AOV of customers whose first order is before the "
                   "period / AOV of new customers - 1 (mart_returning_aov). Dashed red line: "
                   "the second article's \"existing customers spend on average 31 % more\" "
                   "(seed loyalty_benchmarks).")
        lines = alt.Chart(frame.dropna(subset=["returning_aov_uplift"])).mark_line(
            point=True).encode(
            x=alt.X("period_start:T", title=None),
            y=alt.Y("returning_aov_uplift:Q", title=None, axis=alt.Axis(format="+.0%")),
            tooltip=["period_start:T", alt.Tooltip("returning_aov_uplift:Q", format="+.1%")],
        ).properties(height=230)
        if benchmark is None:
            st.altair_chart(lines, width="stretch")
            return
        rule = alt.Chart(pd.DataFrame({"benchmark": [benchmark]})).mark_rule(
            strokeDash=[4, 4], color="#d62728").encode(y="benchmark:Q")
        st.altair_chart(alt.layer(lines, rule), width="stretch")


def main() -> None:
    st.set_page_config(page_title="Loyalty program", layout="wide")
    st.title("Loyalty program")
    path = data.warehouse_path()
    try:
        modified_ns = path.stat().st_mtime_ns
        overview = load_overview(str(path), modified_ns)
    except FileNotFoundError as error:
        st.error(str(error))
        return
    except duckdb.IOException as error:
        st.error(f"The warehouse {path} is busy (a dbt build holds it?): reload in a moment. "
                 f"{error}")
        return
    if overview is None:
        st.info("The loyalty program marts are not built (var loyalty_program_enabled is "
                "false, or the program tables are missing).")
        return
    st.sidebar.header("Program view")
    grain = st.sidebar.radio("Grain", overview.grains, index=0, horizontal=True,
                             key="program_grain", format_func=str.capitalize)
    segment = st.sidebar.selectbox("Segment", overview.segments, index=0, key="program_segment")
    program = st.sidebar.selectbox("Program", overview.programs, index=0, key="program")
    frame, ledger, returning = load_frames(str(path), modified_ns, grain, segment, program)
    members_section(frame, grain, segment, program)
    join_section(overview.join_effect, program)
    points_section(ledger, grain)
    returning_section(returning, overview.returning_aov_benchmark, segment)


main()
