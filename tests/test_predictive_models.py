"""The predictive CLV models built by dbt (models/predictive): the RFM summary in SQL against
hand-computed customers, the shapes and contracts of mart_clv_model and mart_customer_clv, the
guard (too few repeat customers: not fitted, NULL predictions, the build succeeds), and the
CDNOW proof through the warehouse.

Only the predictive marts and their ancestors are built (``--indirect-selection cautious``:
the data tests of those models, not the rest of the project's).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import DATASETS_DIR, Dbt, warehouse_file

from loyalty_analytics import btyd, cdnow_proof
from loyalty_analytics.contract import RAW_TABLES, create_table_sql

OBSERVATION_DATE = dt.date(2024, 6, 30)
SELECT = ["--select", "+mart_customer_clv", "+mart_clv_model", "--indirect-selection",
          "cautious"]
CDNOW_SAMPLE = DATASETS_DIR / "cdnow" / "CDNOW_sample.txt"

# Hand-made customers (order_id, customer_id, ordered_at UTC, status, order_total):
HAND_ORDERS = [
    # h1: three purchase days up to the observation date 2024-06-30:
    #   2024-01-10 (two orders: 10 + 5), 2024-02-01 (20; a cancelled 99 does not count),
    #   2024-03-15 (two orders: 30 + 12), and 2024-07-01, after the observation date.
    # frequency = 3 days - 1 = 2
    # recency = 2024-01-10 -> 2024-03-15 = 21 (rest of January) + 29 (February 2024) + 15
    #         = 65 days
    # T = 2024-01-10 -> 2024-06-30 = 21 + 29 + 31 + 30 + 31 + 30 = 172 days
    # monetary_value = mean of the repeat days = (20 + (30 + 12)) / 2 = 31
    ("h1-1", "h1", "2024-01-10 09:00:00", "completed", "10.00"),
    ("h1-2", "h1", "2024-01-10 18:00:00", "completed", "5.00"),
    ("h1-3", "h1", "2024-02-01 12:00:00", "completed", "20.00"),
    ("h1-4", "h1", "2024-02-01 13:00:00", "cancelled", "99.00"),
    ("h1-5", "h1", "2024-03-15 08:00:00", "completed", "30.00"),
    ("h1-6", "h1", "2024-03-15 23:59:00", "completed", "12.00"),
    ("h1-7", "h1", "2024-07-01 10:00:00", "completed", "500.00"),
    # h2: one purchase day, two orders (7 + 8) on 2024-05-01: frequency 0, recency 0,
    # T = 2024-05-01 -> 2024-06-30 = 30 + 30 = 60 days, monetary_value 0, P(alive) = 1.
    ("h2-1", "h2", "2024-05-01 10:00:00", "completed", "7.00"),
    ("h2-2", "h2", "2024-05-01 11:00:00", "completed", "8.00"),
    # h3: first order after the observation date: not in the RFM summary.
    ("h3-1", "h3", "2024-07-02 10:00:00", "completed", "40.00"),
    # h4: only a refunded order: never a customer.
    ("h4-1", "h4", "2024-02-02 10:00:00", "refunded", "40.00"),
]
HAND_RFM = {
    "h1": {"first_purchase_date": dt.date(2024, 1, 10), "last_purchase_date": dt.date(2024, 3, 15),
           "frequency": 2, "recency": 65, "t": 172, "monetary_value": 31.0},
    "h2": {"first_purchase_date": dt.date(2024, 5, 1), "last_purchase_date": dt.date(2024, 5, 1),
           "frequency": 0, "recency": 0, "t": 60, "monetary_value": 0.0},
}


def simulated_orders(customers: int, seed: int) -> list[tuple]:
    """Orders of ``customers`` customers drawn from BG/NBD (per day) with Gamma spend, first
    purchases in Q1 2024, purchases until 2024-07-15 (after the observation date too)."""
    rng = np.random.default_rng(seed)
    params = {"r": 0.6, "alpha": 20.0, "a": 0.8, "b": 2.5}
    first = rng.integers(0, 91, customers)
    end = (dt.date(2024, 7, 15) - dt.date(2024, 1, 1)).days
    horizon = (end - first).astype(float)
    rate = rng.gamma(params["r"], 1 / params["alpha"], customers)
    dropout = rng.beta(params["a"], params["b"], customers)
    spend_scale = rng.gamma(4.0, 10.0, customers)
    orders = []
    for i in range(customers):
        day, purchases = float(first[i]), 0
        days = [int(first[i])]
        while True:
            day += rng.exponential(1 / rate[i])
            if day > first[i] + horizon[i]:
                break
            days.append(int(day))
            purchases += 1
            if rng.random() < dropout[i]:
                break
        for k, offset in enumerate(days):
            at = dt.datetime(2024, 1, 1, 12) + dt.timedelta(days=offset, minutes=k)
            total = f"{rng.gamma(3.0, spend_scale[i] / 3):.2f}"
            orders.append((f"s{i:03d}-{k}", f"s{i:03d}", at.isoformat(sep=" "), "completed",
                           total))
    return orders


def load_raw(warehouse: Path, orders: list[tuple], *, append: bool = False) -> None:
    """(Re)create the raw tables with ``orders`` and their customers; ``append``: add them to
    the existing raw tables instead (a nightly delivery)."""
    with duckdb.connect(str(warehouse)) as con:
        if not append:
            con.execute("create schema if not exists raw")
            for table in RAW_TABLES:
                con.execute(create_table_sql(table))
        customers = sorted({o[1] for o in orders})
        con.executemany("insert into raw.customers values (?, ?, ?, ?, ?)",
                        [(c, "2024-01-01 00:00:00", "B2C", "SE", "2024-01-01 00:00:00")
                         for c in customers])
        con.executemany("insert into raw.orders values (?, ?, ?, ?, ?, ?)",
                        [(oid, cid, at, status, total, at)
                         for oid, cid, at, status, total in orders])
        con.executemany("insert into raw.order_items values (?, ?, ?, ?, ?, ?)",
                        [(oid, 1, "p1", "music", 1, total) for oid, _, _, _, total in orders])


def build(dbt_dirs, warehouse: Path, orders: list[tuple], dbt_vars: dict,
          expect_success: bool = True):
    load_raw(warehouse, orders)
    dbt = Dbt(dbt_dirs, warehouse)
    result = dbt.invoke("build", *SELECT, "--vars", json.dumps(dbt_vars),
                        expect_success=expect_success)
    return dbt, result


# Observation date 2024-06-30, margin 0.5, a monthly discount rate of 2 %. The same vars in
# every build here, each warehouse a `warehouse.duckdb` in a folder of its own
# (conftest.warehouse_file): dbt parses the project again whenever either changes.
VARS = {
    "clv_observation_date": OBSERVATION_DATE.isoformat(),
    "gross_margin_rate": 0.5,
    "clv_discount_rate_monthly": 0.02,
}


@pytest.fixture(scope="module")
def small(dbt_dirs, tmp_path_factory) -> Dbt:
    """200 simulated customers and the hand-made ones."""
    warehouse = warehouse_file(tmp_path_factory.mktemp("predictive") / "small")
    dbt, _ = build(dbt_dirs, warehouse, simulated_orders(200, seed=7) + HAND_ORDERS, VARS)
    return dbt


def by_customer(dbt: Dbt) -> dict[str, dict]:
    return {r["customer_id"]: r for r in dbt.query("select * from analytics.mart_customer_clv")}


def test_rfm_summary_matches_the_hand_computed_customers(small):
    rows = {r["customer_id"]: r for r in small.query(
        "select * from analytics.int_customer_rfm_summarised where customer_id like 'h%'")}
    assert set(rows) == {"h1", "h2"}, "h3 buys after the observation date, h4 never"
    for customer, expected in HAND_RFM.items():
        found = {k: rows[customer][k] for k in expected}
        assert found == pytest.approx(expected), customer
        assert rows[customer]["observation_date"] == OBSERVATION_DATE


def test_rfm_summary_uses_only_orders_up_to_the_observation_date(small):
    [row] = small.query("""
        select
            count(*) as customers,
            max(last_purchase_date) as latest,
            bool_and(recency <= t) as recency_within_t,
            bool_and(frequency > 0 or monetary_value = 0) as no_spend_without_repeat
        from analytics.int_customer_rfm_summarised
    """)
    assert row["latest"] <= OBSERVATION_DATE
    assert row["recency_within_t"] and row["no_spend_without_repeat"]
    # Every simulated customer's first purchase is in Q1 2024, plus h1 and h2.
    assert row["customers"] == 202


def test_mart_clv_model_has_one_row_per_model_and_parameter(small):
    rows = small.query("select * from analytics.mart_clv_model order by model_name")
    assert [(r["model_name"], r["parameter_name"]) for r in rows] == [
        ("bg_nbd", "r"), ("bg_nbd", "alpha"), ("bg_nbd", "a"), ("bg_nbd", "b"),
        ("gamma_gamma", "p"), ("gamma_gamma", "q"), ("gamma_gamma", "v")]
    rfm = small.query("""
        select count(*) as customers, count(*) filter (where frequency > 0) as repeaters,
            count(*) filter (where frequency > 0 and monetary_value > 0) as spenders
        from analytics.int_customer_rfm_summarised
    """)[0]
    for row in rows:
        assert row["is_converged"] is True and row["message"] == "converged", row
        assert row["parameter_value"] > 0 and row["log_likelihood"] < 0
        assert row["observation_date"] == OBSERVATION_DATE
        assert row["customers"] == rfm["customers"]
        assert row["repeat_customers"] == rfm["repeaters"] >= 10
        assert row["fitted_customers"] == (
            rfm["customers"] if row["model_name"] == "bg_nbd" else rfm["spenders"])
        assert -1 <= row["frequency_monetary_correlation"] <= 1


def test_mart_customer_clv_predictions(small):
    customers = by_customer(small)
    assert len(customers) == 202
    h2 = customers["h2"]
    assert h2["p_alive"] == 1.0, "no repeat purchase: alive"
    for row in customers.values():
        assert 0 < row["p_alive"] <= 1
        assert 0 < row["expected_purchases_90d"] < row["expected_purchases_365d"]
        assert row["discounted_expected_purchases_365d"] < row["expected_purchases_365d"]
        # predicted_clv_365d = discounted purchases x expected AOV x margin 0.5
        assert row["predicted_clv_365d"] == pytest.approx(
            row["discounted_expected_purchases_365d"] * row["expected_avg_order_value"] * 0.5)
    # Deciles: 1 = top; 202 customers -> ntile sizes 21 or 20, ordered by CLV.
    ranked = sorted(customers.values(), key=lambda r: (-r["predicted_clv_365d"],
                                                       r["customer_id"]))
    deciles = [r["predicted_clv_decile"] for r in ranked]
    assert deciles == sorted(deciles) and set(deciles) == set(range(1, 11))
    assert deciles.count(1) == 21 and deciles.count(10) == 20


def test_mart_predictions_are_the_library_closed_forms(small):
    # Recompute from the mart's parameters with loyalty_analytics.btyd: the Python model
    # converts days to weeks, discounts 12 steps of 365/12 days at 2 % a month.
    parameters = small.query("select model_name, parameter_name, parameter_value "
                             "from analytics.mart_clv_model")
    bg = {r["parameter_name"]: r["parameter_value"] for r in parameters
          if r["model_name"] == "bg_nbd"}
    gg = {r["parameter_name"]: r["parameter_value"] for r in parameters
          if r["model_name"] == "gamma_gamma"}
    h1 = by_customer(small)["h1"]
    x, t_x, T = 2, 65 / 7, 172 / 7
    assert h1["p_alive"] == pytest.approx(btyd.bg_nbd_p_alive(bg, [x], [t_x], [T])[0])
    assert h1["expected_purchases_90d"] == pytest.approx(
        btyd.bg_nbd_expected_purchases(bg, 90 / 7, x, t_x, T))
    assert h1["expected_purchases_365d"] == pytest.approx(
        btyd.bg_nbd_expected_purchases(bg, 365 / 7, x, t_x, T))
    steps = [btyd.bg_nbd_expected_purchases(bg, m * 365 / 12 / 7, x, t_x, T)
             for m in range(13)]
    discounted = sum((steps[m] - steps[m - 1]) / 1.02 ** m for m in range(1, 13))
    assert h1["discounted_expected_purchases_365d"] == pytest.approx(discounted)
    # Gamma-Gamma: (v + m x) p / (p x + q - 1) with m = 31, x = 2
    assert h1["expected_avg_order_value"] == pytest.approx(
        (gg["v"] + 31 * 2) * gg["p"] / (gg["p"] * 2 + gg["q"] - 1))


def test_marts_have_their_contract_types(small):
    types = {(r["table_name"], r["column_name"]): r["data_type"] for r in small.query("""
        select table_name, column_name, data_type from information_schema.columns
        where table_schema = 'analytics'
          and table_name in ('mart_clv_model', 'mart_customer_clv')
    """)}
    assert types[("mart_clv_model", "parameter_value")] == "DOUBLE"
    assert types[("mart_clv_model", "is_converged")] == "BOOLEAN"
    assert types[("mart_clv_model", "observation_date")] == "DATE"
    assert types[("mart_customer_clv", "frequency")] == "BIGINT"
    assert types[("mart_customer_clv", "predicted_clv_365d")] == "DOUBLE"
    assert types[("mart_customer_clv", "predicted_clv_decile")] == "INTEGER"
    assert len([k for k in types if k[0] == "mart_clv_model"]) == 13
    assert len([k for k in types if k[0] == "mart_customer_clv"]) == 15


def test_top_predicted_table(small):
    table = cdnow_proof.top_predicted_table(small.warehouse, n=3, read_only=False)
    lines = table.splitlines()
    assert lines[0] == ("Top 3 customers by predicted CLV over the next 365 days, "
                        "as of 2024-06-30")
    top = max(by_customer(small).values(), key=lambda r: r["predicted_clv_365d"])
    assert lines[4].split()[0] == top["customer_id"]
    assert len(lines) == 2 + 2 + 3


def test_three_customers_are_not_fitted_and_the_build_succeeds(dbt_dirs, tmp_path):
    # Guard: h1 (a repeater), h2 and one more repeater: 2 repeat customers < 10.
    orders = HAND_ORDERS + [("g1", "g", "2024-02-01 10:00:00", "completed", "10.00"),
                            ("g2", "g", "2024-04-01 10:00:00", "completed", "20.00")]
    dbt, _ = build(dbt_dirs, warehouse_file(tmp_path / "guard"), orders, VARS)
    models = dbt.query("select * from analytics.mart_clv_model")
    assert len(models) == 7
    for row in models:
        assert row["is_converged"] is False
        assert row["parameter_value"] is None and row["log_likelihood"] is None
        assert "2 repeat customers" in row["message"]
        assert "fewer than var('clv_min_repeat_customers') = 10" in row["message"]
        assert (row["customers"], row["repeat_customers"]) == (3, 2)
    customers = by_customer(dbt)
    assert set(customers) == {"h1", "h2", "g"}
    assert customers["h1"]["frequency"] == 2 and customers["h1"]["t"] == 172
    for row in customers.values():
        for column in ("p_alive", "expected_purchases_90d", "expected_purchases_365d",
                       "expected_avg_order_value", "predicted_clv_365d",
                       "predicted_clv_decile"):
            assert row[column] is None, column
    assert "No predictions: bg_nbd: not fitted" in cdnow_proof.top_predicted_table(
        dbt.warehouse, read_only=False)


def test_a_bad_observation_date_stops_the_build_with_the_var_name(dbt_dirs, tmp_path):
    load_raw(tmp_path / "bad.duckdb", HAND_ORDERS)
    result = Dbt(dbt_dirs, tmp_path / "bad.duckdb").invoke(
        "build", *SELECT, "--vars", json.dumps({"clv_observation_date": "2024-02-30"}),
        expect_success=False)
    assert not result.success
    messages = " ".join(str(r.message) for r in result.result.results) if result.result \
        else str(result.exception)
    assert "var('clv_observation_date') must be a calendar date YYYY-MM-DD" in messages


def test_cdnow_proof_through_the_warehouse(dbt_dirs, tmp_path):
    # The proof of `loyalty cdnow-proof` without the docs: load, dbt build at 1997-09-30
    # (in-process here, the command runs dbt in a child process), compare the warehouse's
    # estimates with the published ones.
    from loyalty_analytics.cdnow import load_cdnow

    warehouse = tmp_path / "cdnow.duckdb"
    load_cdnow(CDNOW_SAMPLE, warehouse)
    # The proof's vars: observation 1997-09-30, and the holdout validation of the 273 days to
    # the as-of date 1998-06-30 (mart_clv_holdout; tests/test_clv_holdout.py checks its values).
    Dbt(dbt_dirs, warehouse).invoke(
        "build", "--select", "+mart_customer_clv", "+mart_clv_model", "+mart_clv_holdout",
        "--indirect-selection", "cautious", "--vars", json.dumps(cdnow_proof.PROOF_VARS))
    result = cdnow_proof.evaluate(warehouse, read_only=False)
    assert [r["frequency_bucket"] for r in result.holdout] == [
        "0", "1", "2", "3", "4", "5", "6", "7+", "all"]
    assert result.passed, cdnow_proof.parameter_table(result)
    assert (result.customers, result.repeat_customers) == (2_357, 946)
    assert result.log_likelihoods["bg_nbd"] == pytest.approx(-9582.4, abs=0.1)
    # Customer 00004 in days: 1997-01-01, 01-18, 08-02 (calibration) -> x = 2, recency 213,
    # T 272 (the papers' 30.43 and 38.86 weeks); repeat days 29.73 and 14.96.
    with duckdb.connect(str(warehouse)) as con:
        row = con.execute("select frequency, recency, t, monetary_value from "
                          "analytics.int_customer_rfm_summarised where customer_id = '00004'"
                          ).fetchone()
    assert row[:3] == (2, 213, 272) and row[3] == pytest.approx((29.73 + 14.96) / 2)
    holdout = [w for w in result.weekly if w["week"] > 39]
    assert [w["week"] for w in holdout] == list(range(40, 79))
    assert sum(w["actual"] for w in holdout) > 0
    assert all(w["predicted"] > 0 for w in holdout)


def parameters_fitted(dbt: Dbt) -> dict[tuple[str, str], dict]:
    return {(r["model_name"], r["parameter_name"]): r for r in dbt.query(
        "select * from analytics.int_btyd_parameters_fitted")}


def mart_clv_model(dbt: Dbt) -> dict[tuple[str, str], dict]:
    return {(r["model_name"], r["parameter_name"]): r for r in dbt.query(
        "select * from analytics.mart_clv_model")}


REUSED = "int_btyd_parameters_fitted: input fingerprint"
COLD_FITS = ("int_btyd_parameters_fitted: bg_nbd cold fit",
             "int_btyd_parameters_fitted: gamma_gamma cold fit")


def fit_log(capfd) -> str:
    """What the dbt Python model printed since the last call: 'reused' or the cold fits."""
    out = capfd.readouterr().out
    reused = REUSED in out and "reused the previous parameters (no fit)" in out
    fitted = [line in out for line in COLD_FITS]
    assert not (reused and any(fitted)), out
    if reused:
        return "reused"
    assert all(fitted), out
    return "cold"


def assert_same_rows(actual: dict, expected: dict, rel: float = 1e-9) -> None:
    """Every column of every row equal; floats to ``rel`` relative (NaN equals NaN)."""
    assert actual.keys() == expected.keys()
    for key, row in expected.items():
        assert actual[key].keys() == row.keys(), key
        for column, value in row.items():
            if isinstance(value, float):
                assert actual[key][column] == pytest.approx(value, rel=rel, nan_ok=True), (
                    key, column)
            else:
                assert actual[key][column] == value, (key, column)


def test_nightly_rerun_reuses_unchanged_parameters_and_fits_new_input_cold(dbt_dirs, tmp_path,
                                                                           capfd):
    # The table is a function of the input (docs/incremental.md): no timing, no fit_start.
    warehouse = warehouse_file(tmp_path / "rerun")
    capfd.readouterr()
    dbt, _ = build(dbt_dirs, warehouse, simulated_orders(200, seed=7) + HAND_ORDERS, VARS)
    assert fit_log(capfd) == "cold"
    first = parameters_fitted(dbt)
    assert all(r["is_converged"] and r["bin_width"] == 0 for r in first.values())
    assert not {"fit_seconds", "fit_start"} & set(first[("bg_nbd", "r")])
    # Same input again: the fingerprint matches, the previous rows are reused as they are, and
    # no fit runs (the model prints the reuse, and no cold fit).
    dbt.invoke("build", *SELECT, "--vars", json.dumps(VARS))
    assert fit_log(capfd) == "reused"
    assert parameters_fitted(dbt) == first
    # A refit from scratch (var clv_btyd_refit, as on a first build) on the same input gives
    # the same parameters as the reused path, to the last digit.
    dbt.invoke("build", *SELECT, "--vars", json.dumps({**VARS, "clv_btyd_refit": True}))
    assert fit_log(capfd) == "cold"
    cold = parameters_fitted(dbt)
    assert cold == first
    # A delivery of 100 new customers and their orders, appended to the raw tables (ids n000-*):
    # the fingerprint changes; the nightly run fits cold and gives what a fit from scratch
    # (clv_btyd_refit) gives on the same input.
    load_raw(warehouse, [("n" + oid[1:], "n" + cid[1:], *rest)
                         for oid, cid, *rest in simulated_orders(100, seed=8)], append=True)
    dbt.invoke("build", *SELECT, "--vars", json.dumps(VARS))
    assert fit_log(capfd) == "cold"
    nightly = parameters_fitted(dbt)
    assert nightly[("bg_nbd", "r")]["input_fingerprint"] != first[("bg_nbd", "r")][
        "input_fingerprint"]
    assert all(r["is_converged"] for r in nightly.values())
    nightly_mart = mart_clv_model(dbt)
    # What a full refresh on a fresh warehouse builds: every table rebuilt from scratch and a
    # cold fit (clv_btyd_refit ignores the previous table). Equal to the incremental path.
    dbt.invoke("build", *SELECT, "--full-refresh", "--vars",
               json.dumps({**VARS, "clv_btyd_refit": True}))
    assert fit_log(capfd) == "cold"
    assert_same_rows(parameters_fitted(dbt), nightly)
    assert_same_rows(mart_clv_model(dbt), nightly_mart)
    # A plain full refresh on the same warehouse (it may reuse the table just fitted, or fit
    # cold if the rebuilt input differs in a last digit): the same table again.
    dbt.invoke("build", *SELECT, "--full-refresh", "--vars", json.dumps(VARS))
    assert fit_log(capfd) in ("reused", "cold")
    assert_same_rows(parameters_fitted(dbt), nightly)
    assert_same_rows(mart_clv_model(dbt), nightly_mart)
