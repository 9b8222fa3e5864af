"""The dashboard's data module on a small hand-made DuckDB file: no dbt, no browser.

The file holds only what each case needs: mart_loyalty_kpis with two months of one segment,
the benchmarks seed in analytics_reference, and no mart_customer_clv.
"""

from __future__ import annotations

import datetime as dt

import dashboard_data as data
import duckdb
import pandas as pd
import pytest


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "small.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("""
            create schema analytics;
            create schema analytics_reference;
            create table analytics.mart_loyalty_kpis as
            select * from (values
                ('month', date '2025-05-01', date '2025-05-31', true, 'all', 0.90, 0.10, 120),
                ('month', date '2025-06-01', date '2025-06-15', false, 'all', 0.95, 0.05, 125),
                ('month', date '2025-06-01', date '2025-06-15', false, 'B2B', null, null, 0),
                ('quarter', date '2025-04-01', date '2025-06-15', false, 'all', 0.8, 0.2, 125)
            ) as t(period_grain, period_start, period_end, is_period_complete, segment,
                   customer_retention_rate, churn_rate, customers_end);
            create table analytics_reference.loyalty_benchmarks as
            select * from (values
                ('churn_rate', 'company_size', 'small companies', 0.05, 0.05, false),
                ('churn_rate', 'company_size', 'large companies', 0.02, 0.03, false),
                ('nps', 'sector', 'not shown', 0.0, 0.0, false)
            ) as t(metric_column, dimension, dimension_value, rate_low, rate_high, is_approximate);
        """)
    return path


def test_grains_and_segments_in_display_order(warehouse):
    with data.connect(warehouse) as con:
        assert data.grains(con) == ["month", "quarter"]
        assert data.segments(con) == ["all", "B2B"]
        # The as-of date is the end of the latest period.
        assert data.as_of(con) == dt.date(2025, 6, 15)


def test_tiles_take_the_selected_period_and_the_one_before(warehouse):
    with data.connect(warehouse) as con:
        frame = data.kpis(con, "month")
    current, previous = data.tile_values(frame, "all", dt.date(2025, 6, 1))
    assert current["customers_end"] == 125 and previous["customers_end"] == 120
    # Retention 0.95 vs 0.90: +5.0 points; churn shown in %.
    assert data.format_delta(current["customer_retention_rate"],
                             previous["customer_retention_rate"], "rate") == "+5.0 pp"
    assert data.format_value(current["churn_rate"], "rate") == "5.0 %"
    assert data.last_period(frame) == (pd.Timestamp("2025-06-01"), False)
    # B2B has a single month and NULL rates: no previous period, a dash, no delta.
    b2b, before = data.tile_values(frame, "B2B", dt.date(2025, 6, 1))
    assert before is None
    assert data.format_value(b2b["churn_rate"], "rate") == "–"
    assert data.format_delta(b2b["churn_rate"], None, "rate") is None


def test_benchmarks_keep_churn_and_repeat_purchase_rows_from_the_reference_schema(warehouse):
    with data.connect(warehouse) as con:
        marks = data.benchmarks(con)
    assert list(marks["benchmark"]) == ["large companies", "small companies"]
    assert marks["rate_mid"].tolist() == pytest.approx([0.025, 0.05])


def test_missing_optional_marts_give_none_or_empty_frames(warehouse):
    with data.connect(warehouse) as con:
        assert data.customer_clv(con) is None
        assert data.data_quality(con).empty
        with pytest.raises(LookupError, match="mart_cohorts"):
            data.cohorts(con)


def test_a_missing_warehouse_is_not_created(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(FileNotFoundError, match="make demo"):
        with data.connect(missing):
            pass
    assert not missing.exists()


def test_period_labels_mark_a_period_cut_at_the_as_of_date():
    assert data.period_label(dt.date(2025, 6, 1), "month", complete=False) == "2025-06*"
    assert data.period_label(dt.date(2025, 4, 1), "quarter") == "2025-Q2"
    assert data.period_label(dt.date(2025, 1, 1), "year") == "2025"


def test_segment_grid_and_win_back_list(warehouse):
    with data.connect(warehouse) as con:
        assert data.segment_grid(con) is None and data.customers_at_risk(con) is None
    with duckdb.connect(str(warehouse)) as con:
        con.execute("""
            create table analytics.mart_customer_segments as
            select * from (values
                ('c1', 5, 5, 'champions', 100.0), ('c2', 5, 5, 'champions', 50.0),
                ('c3', 1, 2, 'hibernating', 10.0)
            ) as t(customer_id, r_score, f_score, rfm_segment, monetary);
            create table analytics.mart_customers_at_risk as
            select * from (values
                (1, 'c3', 'overdue', 'hibernating', date '2025-01-01', 160, 20.0, 0.2, 50.0,
                 40.0, 10.0)
            ) as t(risk_rank, customer_id, reason, rfm_segment, last_order_date, recency_days,
                   median_gap_days, p_alive, predicted_clv_if_alive, value_at_risk,
                   lifetime_revenue);
        """)
    with data.connect(warehouse) as con:
        grid = data.segment_grid(con)
        listed = data.customers_at_risk(con)
    # (5, 5): c1 + c2 = 2 customers, revenue 150, nobody at risk; (1, 2): c3, at risk 40.
    assert grid[["r_score", "f_score", "customers", "revenue", "at_risk_customers"]].values.tolist(
        ) == [[1, 2, 1, 10.0, 1], [5, 5, 2, 150.0, 0]]
    assert grid["value_at_risk"].tolist()[0] == 40.0 and pd.isna(grid["value_at_risk"][1])
    assert listed["customer_id"].tolist() == ["c3"]
