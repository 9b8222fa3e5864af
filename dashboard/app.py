"""The loyalty dashboard (Streamlit): layout only; every query is in dashboard_data.

Run with `make dashboard`, or
    streamlit run dashboard/app.py --server.headless true --browser.gatherUsageStats false
It reads the DuckDB warehouse $DBT_DUCKDB_PATH (default warehouse/loyalty.duckdb) read-only.
"""

from __future__ import annotations

import altair as alt
import dashboard_data as data
import duckdb
import pandas as pd
import streamlit as st

TOP_CUSTOMERS = 20
SEGMENT_COLOURS = {"all": "#4c4c4c", "B2C": "#1f77b4", "B2B": "#ff7f0e", "unknown": "#9467bd"}
AXIS_FORMAT = {"rate": ".0%", "score": "+.0f", "money": ",.0f", "count": ",.0f", "mean": ".1f"}


@st.cache_data(show_spinner=False, max_entries=4)
def load(path: str, modified_ns: int) -> data.DashboardData:
    """One read-only pass over the warehouse, cached until the file changes."""
    del modified_ns  # part of the cache key only: a rebuilt warehouse is read again
    return data.read_all(path)


@st.cache_data(show_spinner=False, max_entries=64)
def load_engagement(path: str, modified_ns: int, grain: str, period_start, segment: str):
    del modified_ns
    return data.read_engagement(path, grain, period_start, segment)


def header(loaded: data.DashboardData, grain: str, frame: pd.DataFrame) -> None:
    st.title("Customer loyalty")
    last = data.last_period(frame)
    as_of = pd.Timestamp(loaded.as_of).date() if loaded.as_of is not None else None
    with st.container(key="as_of"):
        if last is None:
            st.warning("The marts are empty.")
            return
        last_start, complete = last
        label = data.period_label(last_start, grain)
        state = "complete" if complete else "not complete (cut at the as-of date)"
        st.markdown(
            f"As of **{as_of}** · last {grain}: **{label}**, {state} · "
            f"warehouse `{loaded.path.name}`")
        if not complete:
            st.caption(
                f"Periods marked * end at the as-of date: their counts and rates cover only "
                f"part of the {grain}. The tiles compare with the period before.")


def sidebar(loaded: data.DashboardData, frame_by_grain: dict[str, pd.DataFrame]):
    st.sidebar.header("View")
    grain = st.sidebar.radio(
        "Grain", loaded.grains, index=0, horizontal=True, key="grain",
        format_func=str.capitalize)
    segment = st.sidebar.selectbox("Segment", loaded.segments, index=0, key="segment")
    frame = frame_by_grain[grain]
    periods = (
        frame[["period_start", "is_period_complete"]].drop_duplicates()
        .sort_values("period_start", ascending=False))
    labels = [data.period_label(p, grain, bool(c)) for p, c in periods.itertuples(index=False)]
    choice = st.sidebar.selectbox(
        "Period", range(len(labels)), index=0, key=f"period_{grain}",
        format_func=lambda i: labels[i]) if labels else None
    period_start = periods["period_start"].iloc[choice] if choice is not None else None
    trend_segments = st.sidebar.multiselect(
        "Segments in the trends", loaded.segments,
        default=[s for s in loaded.segments if s != "unknown"], key="trend_segments")
    st.sidebar.caption(
        f"Read-only from `{loaded.path}`. Every figure is the dbt marts' own; rates are ratios "
        "of the period's counts (docs/metrics.md).")
    return grain, segment, period_start, trend_segments


def kpi_tiles(frame: pd.DataFrame, grain: str, segment: str, period_start) -> None:
    current, previous = data.tile_values(frame, segment, period_start)
    label = data.period_label(current["period_start"], grain, bool(current["is_period_complete"]))
    before = (data.period_label(previous["period_start"], grain) if previous is not None
              else "no earlier period")
    history = frame[frame["segment"] == segment].sort_values("period_start")
    history = history[history["period_start"] <= current["period_start"]].tail(12)
    with st.container(key="section_kpis"):
        st.subheader(f"Headline KPIs · {segment} · {label}")
        st.caption(f"Change from {before}; the lines show the last 12 periods.")
        columns = st.columns(4)
        for i, kpi in enumerate(data.KPI_TILES):
            value = current[kpi.column]
            prior = previous[kpi.column] if previous is not None else None
            with columns[i % 4]:
                st.metric(
                    kpi.label,
                    data.format_value(value, kpi.kind),
                    delta=data.format_delta(value, prior, kpi.kind),
                    delta_color="normal" if kpi.higher_is_better else "inverse",
                    border=True,
                    chart_data=history[kpi.column].dropna().astype(float).tolist(),
                    chart_type="line",
                )


def trend_chart(frame: pd.DataFrame, kpi: data.Kpi, segments: list[str], grain: str,
                benchmarks: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    rows = frame[frame["segment"].isin(segments)][
        ["period_start", "segment", "is_period_complete", kpi.column]].copy()
    rows["period"] = [
        data.period_label(start, grain, bool(complete))
        for start, complete in rows[["period_start", "is_period_complete"]].itertuples(index=False)]
    domain = [s for s in segments if s in set(rows["segment"])]
    colour = alt.Color(
        "segment:N", title="Segment",
        scale=alt.Scale(domain=domain, range=[SEGMENT_COLOURS.get(s, "#8c564b") for s in domain]))
    lines = alt.Chart(rows).mark_line(point=True).encode(
        x=alt.X("period_start:T", title=None),
        y=alt.Y(f"{kpi.column}:Q", title=None, axis=alt.Axis(format=AXIS_FORMAT[kpi.kind])),
        color=colour,
        tooltip=["period:N", "segment:N",
                 alt.Tooltip(f"{kpi.column}:Q", format=AXIS_FORMAT[kpi.kind].replace("0", "1"))],
    ).properties(title=kpi.label, height=230)
    marks = benchmarks[benchmarks["metric_column"] == kpi.column]
    if marks.empty:
        return lines
    # Benchmarks within half a point of each other share one line and one label.
    marks = (
        marks.assign(level=(marks["rate_mid"] * 200).round())
        .groupby("level", as_index=False)
        .agg(benchmark=("benchmark", " / ".join), rate_low=("rate_low", "min"),
             rate_high=("rate_high", "max"), rate_mid=("rate_mid", "mean")))
    rules = alt.Chart(marks).mark_rule(strokeDash=[4, 4], color="#d62728").encode(
        y="rate_mid:Q", tooltip=["benchmark:N", "rate_low:Q", "rate_high:Q"])
    texts = alt.Chart(marks).mark_text(
        align="left", dx=4, dy=-5, fontSize=10, color="#d62728").encode(
        x=alt.value(0), y="rate_mid:Q", text="benchmark:N")
    return alt.layer(lines, rules, texts)


def trends(frame: pd.DataFrame, segments: list[str], grain: str, benchmarks: pd.DataFrame) -> None:
    with st.container(key="section_trends"):
        st.subheader(f"Trends by segment, per {grain}")
        st.caption(
            "Dashed red lines: benchmarks of the loyalty_benchmarks seed (churn norms and the "
            "online-retail repeat purchase rate). The sources state no period for them: read a "
            f"{grain}ly rate against them with care. Periods marked * are cut at the as-of date.")
        if not segments:
            st.info("Pick at least one segment in the sidebar.")
            return
        columns = st.columns(2)
        for i, kpi in enumerate(data.TRENDS):
            with columns[i % 2]:
                st.altair_chart(trend_chart(frame, kpi, segments, grain, benchmarks),
                                width="stretch")


def cohort_heatmap(cohorts: pd.DataFrame) -> None:
    shown = cohorts[cohorts["months_since_first_order"] > 0]
    chart = alt.Chart(shown).mark_rect().encode(
        x=alt.X("months_since_first_order:O", title="Months since the first order"),
        y=alt.Y("yearmonth(cohort_month):O", title="Cohort (first order)"),
        color=alt.Color("retention_share:Q", title="Retention",
                        scale=alt.Scale(scheme="blues"), legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("yearmonth(cohort_month):T", title="cohort"),
                 "months_since_first_order:O", "cohort_size:Q", "active_customers:Q",
                 alt.Tooltip("retention_share:Q", format=".1%")],
    ).properties(height=max(220, 14 * shown["cohort_month"].nunique()))
    with st.container(key="section_cohorts"):
        st.subheader("Cohort retention")
        st.caption(
            "Share of each first-order cohort buying in the n-th month after its first "
            "(month 0 is 100 % by definition and left out).")
        if shown.empty:
            st.info("No cohort has a month after its first yet.")
            return
        st.altair_chart(chart, width="stretch")


def predicted_clv(clv: pd.DataFrame | None) -> None:
    with st.container(key="section_clv"):
        st.subheader("Predicted CLV (next 365 days)")
        if clv is None:
            st.info(
                "mart_customer_clv is not in this warehouse: the predictive CLV models have "
                "not been built (run `dbt build` on a DuckDB target).")
            return
        scored = clv[clv["predicted_clv_365d"].notna()]
        if scored.empty:
            st.info("No customer has a predicted CLV (the models were not fitted).")
            return
        # The distribution is long-tailed: the histogram stops at the 95th percentile and the
        # deciles show where the value sits.
        cap = float(scored["predicted_clv_365d"].quantile(0.95))
        body = scored[scored["predicted_clv_365d"] <= cap]
        st.caption(
            f"{len(scored):,} customers scored; predicted CLV totals "
            f"{scored['predicted_clv_365d'].sum():,.0f}. The histogram stops at the 95th "
            f"percentile ({cap:,.0f}); {len(scored) - len(body):,} customers lie above it.")
        left, right = st.columns([2, 3])
        with left:
            histogram = alt.Chart(body).mark_bar().encode(
                x=alt.X("predicted_clv_365d:Q", bin=alt.Bin(maxbins=30), title="Predicted CLV"),
                y=alt.Y("count():Q", title="Customers"),
            ).properties(title="Customers by predicted CLV", height=220)
            st.altair_chart(histogram, width="stretch")
            if "predicted_clv_decile" in scored:
                deciles = alt.Chart(scored).mark_bar().encode(
                    x=alt.X("predicted_clv_decile:O", title="Decile (1 = highest)"),
                    y=alt.Y("sum(predicted_clv_365d):Q", title="Predicted CLV",
                            axis=alt.Axis(format=",.0f")),
                    tooltip=["predicted_clv_decile:O",
                             alt.Tooltip("sum(predicted_clv_365d):Q", format=",.0f"),
                             alt.Tooltip("count():Q", title="customers")],
                ).properties(title="Predicted CLV by decile", height=200)
                st.altair_chart(deciles, width="stretch")
        with right:
            st.markdown(f"**Top {TOP_CUSTOMERS} customers**")
            st.dataframe(
                scored.head(TOP_CUSTOMERS), hide_index=True, width="stretch",
                key="top_customers",
                column_config={
                    "customer_id": "Customer",
                    "predicted_clv_365d": st.column_config.NumberColumn(
                        "Predicted CLV", format="%.2f"),
                    "predicted_clv_decile": st.column_config.NumberColumn("Decile"),
                    "p_alive": st.column_config.NumberColumn("P(alive)", format="%.2f"),
                    "expected_purchases_90d": st.column_config.NumberColumn(
                        "Purchases, 90 d", format="%.1f"),
                    "expected_purchases_365d": st.column_config.NumberColumn(
                        "Purchases, 365 d", format="%.1f"),
                    "expected_avg_order_value": st.column_config.NumberColumn(
                        "Spend per order", format="%.2f"),
                    "frequency": st.column_config.NumberColumn("Repeat purchases"),
                    "last_purchase_date": st.column_config.DateColumn("Last purchase"),
                })


def engagement(path: str, modified_ns: int, grain: str, current: pd.Series, segment: str) -> None:
    period_start = current["period_start"]
    label = data.period_label(period_start, grain, bool(current["is_period_complete"]))
    scores = load_engagement(path, modified_ns, grain, period_start, segment)
    with st.container(key="section_engagement"):
        st.subheader(f"Engagement · {segment} · {label}")
        if scores.empty:
            st.info("No engagement event in this period.")
            return
        mean = data.format_value(current["mean_engagement_score"], "mean")
        st.caption(
            f"{int(current['engaged_customers']):,} engaged customers, mean score {mean} "
            "(0–100: the weighted ranks of active days, time spent and key actions).")
        histogram = alt.Chart(scores).mark_bar().encode(
            x=alt.X("engagement_score:Q", bin=alt.Bin(step=5, extent=[0, 100]),
                    title="Engagement score", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("count():Q", title="Customers"),
        ).properties(height=240)
        st.altair_chart(histogram, width="stretch")


def data_quality(quality: pd.DataFrame) -> None:
    with st.container(key="section_quality"):
        st.subheader("Data quality")
        if quality.empty or quality["rejected_rows"].sum() == 0:
            st.success("No raw row was quarantined in the last build.")
            return
        st.caption(
            f"{int(quality['rejected_rows'].sum()):,} raw rows quarantined in the last build "
            "(models/quarantine), by source table and reason.")
        chart = alt.Chart(quality).mark_bar().encode(
            y=alt.Y("source_table:N", title=None),
            x=alt.X("rejected_rows:Q", title="Rows quarantined",
                    axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("reject_reason:N", title="Reason"),
            tooltip=["source_table:N", "reject_reason:N", "rejected_rows:Q"],
        ).properties(height=200)
        st.altair_chart(chart, width="stretch")
        st.dataframe(quality, hide_index=True, width="stretch", key="data_quality_table")


def win_back(grid: pd.DataFrame | None, at_risk: pd.DataFrame | None) -> None:
    """Who to win back: the RFM segment grid (r_score x f_score) and the win-back list."""
    with st.container(key="section_win_back"):
        st.subheader("Who to win back")
        if grid is None or at_risk is None:
            st.info("mart_customer_segments or mart_customers_at_risk is not in this "
                    "warehouse: run `dbt build`.")
            return
        value = at_risk["value_at_risk"].sum(min_count=1)
        shown_value = data.format_value(value, "money")
        st.caption(
            f"{len(at_risk):,} customers to win back, value at risk {shown_value}: in the base "
            "(or out of it for less than the churn window) and overdue (more than "
            "overdue_factor x their median gap since the last order) or with P(alive) below "
            "p_alive_threshold. Value at risk = predicted CLV had they stayed alive x "
            "(1 - P(alive)).")
        left, right = st.columns([1, 1])
        with left:
            base = alt.Chart(grid).encode(
                x=alt.X("f_score:O", title="Frequency score (5 = most orders)"),
                y=alt.Y("r_score:O", title="Recency score (5 = most recent)",
                        sort="descending"),
            )
            cells = base.mark_rect().encode(
                color=alt.Color("customers:Q", title="Customers",
                                scale=alt.Scale(scheme="oranges")),
                tooltip=["rfm_segment:N", "r_score:O", "f_score:O", "customers:Q",
                         alt.Tooltip("revenue:Q", format=",.0f"), "at_risk_customers:Q",
                         alt.Tooltip("value_at_risk:Q", format=",.0f")],
            )
            labels = base.mark_text(fontSize=8).encode(text="rfm_segment:N")
            st.altair_chart(alt.layer(cells, labels).properties(
                title="Customers by RFM segment", height=320), width="stretch")
        with right:
            st.markdown(f"**Top {TOP_CUSTOMERS} by value at risk**")
            st.dataframe(
                at_risk.head(TOP_CUSTOMERS), hide_index=True, width="stretch",
                key="win_back_list",
                column_config={
                    "risk_rank": st.column_config.NumberColumn("Rank"),
                    "customer_id": "Customer",
                    "reason": "Reason",
                    "rfm_segment": "Segment",
                    "last_order_date": st.column_config.DateColumn("Last order"),
                    "recency_days": st.column_config.NumberColumn("Days since"),
                    "median_gap_days": st.column_config.NumberColumn(
                        "Median gap", format="%.1f"),
                    "p_alive": st.column_config.NumberColumn("P(alive)", format="%.2f"),
                    "predicted_clv_if_alive": st.column_config.NumberColumn(
                        "CLV if alive", format="%.2f"),
                    "value_at_risk": st.column_config.NumberColumn(
                        "Value at risk", format="%.2f"),
                    "lifetime_revenue": st.column_config.NumberColumn(
                        "Lifetime revenue", format="%.2f"),
                })
            st.caption("`loyalty at-risk --csv out.csv` exports the whole list.")


def main() -> None:
    st.set_page_config(page_title="Customer loyalty", layout="wide")
    path = data.warehouse_path()
    try:
        modified_ns = path.stat().st_mtime_ns
        loaded = load(str(path), modified_ns)
    except FileNotFoundError as error:
        st.error(str(error))
        return
    except duckdb.IOException as error:
        st.error(f"The warehouse {path} is busy (a dbt build holds it?): reload in a moment. "
                 f"{error}")
        return
    except LookupError as error:
        st.error(str(error))
        return
    grain, segment, period_start, trend_segments = sidebar(loaded, loaded.kpis)
    frame = loaded.kpis[grain]
    header(loaded, grain, frame)
    if period_start is None:
        return
    kpi_tiles(frame, grain, segment, period_start)
    trends(frame, trend_segments, grain, loaded.benchmarks)
    cohort_heatmap(loaded.cohorts)
    predicted_clv(loaded.customer_clv)
    current, _ = data.tile_values(frame, segment, period_start)
    engagement(str(path), modified_ns, grain, current, segment)
    data_quality(loaded.data_quality)
    win_back(loaded.segment_grid, loaded.customers_at_risk)


main()
