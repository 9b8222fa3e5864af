"""Holdout validation of the predictive CLV (metrics.md, "Predictive CLV: holdout validation"):
the BG/NBD conditional expectation against its closed form written out here, the holdout
models on and off, and mart_clv_holdout on CDNOW against an independent pandas computation
from the raw file (Fader, Hardie & Lee 2005: calibration to 1997-09-30, 273 holdout days).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os

import numpy as np
import pandas as pd
import pytest
from conftest import Dbt
from scipy.special import hyp2f1
from test_predictive_models import HAND_ORDERS, load_raw, simulated_orders

from loyalty_analytics import btyd, cdnow_proof

HOLDOUT_SELECT = ["--select", "+mart_clv_holdout", "--indirect-selection", "cautious"]


# --------------------------------------------------------------------------------------------
# E[X(h) | x, t_x, T], written out independently of loyalty_analytics.btyd


def conditional_expectation(r, alpha, a, b, x, t_x, T, t):
    """FHL 2005 eq. 10, term by term:
    E[Y(t) | x, t_x, T] = (a + b + x - 1) / (a - 1)
        * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
               * 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))]
        / [1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)]
    """
    bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    dropout = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0.0
    return (a + b + x - 1) / (a - 1) * bracket / (1 + dropout)


CDNOW = btyd.CDNOW_BG_NBD
POINTS = [
    # (params, x, t_x, T, t) in weeks
    (CDNOW, 0, 0.0, 30.0, 39.0),  # a one-time buyer: P(alive) = 1, no dropout term
    (CDNOW, 2, 30.43, 38.86, 39.0),  # CDNOW customer 00004 at the end of week 39
    (CDNOW, 7, 35.0, 38.0, 10.0),
    (CDNOW, 1, 0.5, 38.0, 52.0),  # a repeat long ago: probably gone
    ({"r": 2.0, "alpha": 3.0, "a": 0.5, "b": 4.0}, 3, 5.0, 12.0, 6.0),  # a < 1 works too
]


@pytest.mark.parametrize("params, x, t_x, T, t", POINTS)
def test_conditional_expectation_matches_the_closed_form(params, x, t_x, T, t):
    expected = conditional_expectation(params["r"], params["alpha"], params["a"], params["b"],
                                       x, t_x, T, t)
    assert btyd.bg_nbd_expected_purchases(params, t, x, t_x, T) == pytest.approx(
        expected, rel=1e-12)
    # The warehouse's entry point takes days and converts them to weeks.
    [in_days] = btyd.predict_holdout_purchases(params, [x], [t_x * 7], [T * 7], t * 7)
    assert in_days == pytest.approx(expected, rel=1e-12)


def test_conditional_expectation_of_a_one_time_buyer_by_hand():
    # r = 1, alpha = 1, a = 2, b = 1, x = 0, T = 1, t = 1:
    # (a+b+x-1)/(a-1) = 2/1 = 2; ((alpha+T)/(alpha+T+t))^(r+x) = 2/3;
    # 2F1(1, 1; 2; z) = -ln(1 - z)/z with z = t/(alpha+T+t) = 1/3: 3 ln(3/2);
    # no dropout term (x = 0). E = 2 (1 - 2/3 * 3 ln 1.5) = 2 - 4 ln 1.5 = 0.378139...
    params = {"r": 1.0, "alpha": 1.0, "a": 2.0, "b": 1.0}
    assert btyd.bg_nbd_expected_purchases(params, 1.0, 0, 0, 1.0) == pytest.approx(
        2 - 4 * math.log(1.5), rel=1e-12)
    assert conditional_expectation(1, 1, 2, 1, 0, 0, 1, 1) == pytest.approx(
        2 - 4 * math.log(1.5), rel=1e-12)


def test_predict_holdout_purchases_per_customer_and_unfitted():
    frequency, recency, t = [0, 2, 2, 0], [0, 213, 213, 0], [10, 272, 272, 100]
    predicted = btyd.predict_holdout_purchases(CDNOW, frequency, recency, t, 273)
    for i in range(4):
        assert predicted[i] == pytest.approx(conditional_expectation(
            *CDNOW.values(), frequency[i], recency[i] / 7, t[i] / 7, 273 / 7), rel=1e-12)
    assert predicted[1] == predicted[2], "the same history, the same prediction"
    unfitted = btyd.predict_holdout_purchases(None, frequency, recency, t, 273)
    assert np.isnan(unfitted).all() and len(unfitted) == 4


# --------------------------------------------------------------------------------------------
# The holdout models in the warehouse


HOLDOUT_MODELS = {"int_customer_rfm_calibrated", "int_customer_holdout_predicted",
                  "mart_customer_clv_holdout", "mart_clv_holdout"}


def test_holdout_off_builds_nothing(dbt_dirs, tmp_path):
    # var clv_holdout_days unset (the default): the validation is off, its four models are
    # disabled, so the live predictions build and no holdout table is written; with the var
    # set, dbt selects all four.
    load_raw(tmp_path / "off.duckdb", simulated_orders(60, seed=3) + HAND_ORDERS)
    dbt = Dbt(dbt_dirs, tmp_path / "off.duckdb")
    dbt.invoke("build", "--select", "+mart_customer_clv", "--indirect-selection", "cautious")
    tables = {row["table_name"] for row in dbt.query(
        "select table_name from information_schema.tables where table_schema = 'analytics'")}
    assert "mart_customer_clv" in tables
    assert not tables & HOLDOUT_MODELS, tables & HOLDOUT_MODELS
    listed = ["ls", "--resource-type", "model", "--output", "name"]
    assert not set(dbt.invoke(*listed).result) & HOLDOUT_MODELS
    on = dbt.invoke(*listed, "--vars", json.dumps({"clv_holdout_days": 30})).result
    assert HOLDOUT_MODELS <= set(on)


def test_holdout_by_hand_and_not_fitted(dbt_dirs, tmp_path):
    # Hand-made customers only (too few repeat customers: BG/NBD is not fitted, so NULL
    # predictions), as-of date 2024-07-01 (h1's last order), holdout 92 days:
    # calibration end = 2024-07-01 - 92 days = 2024-03-31 (July 1 - 30 June days - 31 May
    # days - 30 April days - 1 = March 31).
    # h1: purchase days 2024-01-10, 02-01, 03-15 (calibration) and 07-01 (holdout):
    #   frequency 2, recency 65, T = 2024-01-10 -> 03-31 = 21 + 29 + 31 = 81, actual 1.
    # h2: first purchase 2024-05-01, after the calibration end: not in the holdout table.
    # h3 (2024-07-02) is after the as-of date; h4 only refunded.
    load_raw(tmp_path / "hand.duckdb", HAND_ORDERS)
    dbt = Dbt(dbt_dirs, tmp_path / "hand.duckdb")
    dbt.invoke("build", *HOLDOUT_SELECT, "--vars",
               json.dumps({"as_of_date": "2024-07-01", "clv_holdout_days": 92}))
    rows = dbt.query("select * from analytics.mart_customer_clv_holdout")
    assert len(rows) == 1
    [h1] = rows
    assert (h1["customer_id"], h1["frequency"], h1["recency"], h1["t"],
            h1["actual_holdout_purchases"], h1["frequency_bucket"]) == ("h1", 2, 65, 81, 1, "2")
    assert h1["calibration_end_date"] == dt.date(2024, 3, 31) and h1["holdout_days"] == 92
    assert h1["predicted_holdout_purchases"] is None, "1 repeat customer < 10: not fitted"
    buckets = {r["frequency_bucket"]: r for r in dbt.query(
        "select * from analytics.mart_clv_holdout")}
    assert list(buckets) and set(buckets) == {"0", "1", "2", "3", "4", "5", "6", "7+", "all"}
    assert buckets["2"]["customers"] == 1 and buckets["2"]["actual_mean"] == 1.0
    assert buckets["2"]["predicted_mean"] is None and buckets["all"]["mae"] is None
    assert buckets["0"]["customers"] == 0 and buckets["0"]["actual_mean"] is None


def test_a_bad_holdout_var_stops_the_build_with_its_name(dbt_dirs, tmp_path):
    load_raw(tmp_path / "bad.duckdb", HAND_ORDERS)
    result = Dbt(dbt_dirs, tmp_path / "bad.duckdb").invoke(
        "build", *HOLDOUT_SELECT, "--vars", json.dumps({"clv_holdout_days": 0}),
        expect_success=False)
    assert not result.success
    assert "var('clv_holdout_days') must be a whole number >= 1, got 0" in str(result.exception)


# --------------------------------------------------------------------------------------------
# CDNOW: the warehouse against pandas

CDNOW_SAMPLE = cdnow_proof.DEFAULT_SAMPLE


def pandas_holdout(sample, params) -> pd.DataFrame:
    """mart_clv_holdout's buckets from the raw file alone: purchase days per customer up to
    1997-09-30 (calibration) and in 1997-10-01 .. 1998-06-30 (holdout), the RFM summary in
    weeks and the closed form of this module with ``params``."""
    raw = pd.read_csv(sample, sep=r"\s+", header=None, dtype={0: str, 2: str},
                      names=["customer_id", "sample_id", "date", "cds", "dollars"])
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    days = raw[["customer_id", "date"]].drop_duplicates()
    end = pd.Timestamp(cdnow_proof.OBSERVATION_DATE)
    calibration = days[days["date"] <= end].groupby("customer_id")["date"].agg(
        ["min", "max", "count"])
    holdout = days[days["date"] > end].groupby("customer_id").size()
    customers = pd.DataFrame({
        "x": calibration["count"] - 1,
        "t_x": (calibration["max"] - calibration["min"]).dt.days / 7,
        "T": (end - calibration["min"]).dt.days / 7,
        "actual": holdout.reindex(calibration.index, fill_value=0),
    })
    h = cdnow_proof.HOLDOUT_DAYS / 7
    customers["predicted"] = [conditional_expectation(*params.values(), row.x, row.t_x, row.T, h)
                              for row in customers.itertuples()]
    customers["bucket"] = np.where(customers["x"] >= 7, "7+", customers["x"].astype(str))
    frame = customers.groupby("bucket").agg(customers=("x", "size"), actual_mean=("actual", "mean"),
                                            predicted_mean=("predicted", "mean"))
    frame.loc["all"] = [len(customers), customers["actual"].mean(), customers["predicted"].mean()]
    return frame


@pytest.mark.skipif(not CDNOW_SAMPLE.is_file() and not os.environ.get("CI"),
                    reason="CDNOW data not available")
def test_mart_clv_holdout_on_cdnow_matches_pandas(dbt_dirs, tmp_path):
    from loyalty_analytics.cdnow import load_cdnow

    warehouse = tmp_path / "cdnow.duckdb"
    load_cdnow(CDNOW_SAMPLE, warehouse)
    dbt = Dbt(dbt_dirs, warehouse)
    dbt.invoke("build", *HOLDOUT_SELECT, "--vars", json.dumps(cdnow_proof.PROOF_VARS))
    mart = {r["frequency_bucket"]: r for r in dbt.query(
        "select * from analytics.mart_clv_holdout")}
    # Independent: the raw file in pandas and the published BG/NBD estimates (FHL 2005).
    expected = pandas_holdout(CDNOW_SAMPLE, btyd.CDNOW_BG_NBD)
    assert set(mart) == set(expected.index) | {"all"}
    assert mart["all"]["customers"] == 2_357 and mart["all"]["calibration_end_date"] == (
        cdnow_proof.OBSERVATION_DATE)
    for bucket, row in expected.iterrows():
        got = mart[bucket]
        assert got["customers"] == row["customers"], bucket
        assert got["actual_mean"] == pytest.approx(row["actual_mean"], rel=1e-12), bucket
        assert got["predicted_mean"] == pytest.approx(row["predicted_mean"], rel=0.01), bucket
    # Totals are means x customers; MAE <= RMSE.
    assert mart["all"]["actual_total"] == round(expected.loc["all", "actual_mean"] * 2_357)
    assert 0 < mart["all"]["mae"] <= mart["all"]["rmse"]
