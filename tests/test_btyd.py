"""BG/NBD and Gamma-Gamma (loyalty_analytics.btyd): likelihoods and closed forms by hand,
fits on simulated data, and the published CDNOW estimates.

Hand-computed values use small parameters so that the Beta and Gamma functions are
factorials: B(1, 1) = 1, B(1, 2) = B(2, 1) = 1/2, G(1) = G(2) = 1, G(3) = 2.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime

from loyalty_analytics import btyd

SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "cdnow" / "CDNOW_sample.txt"
ONES = {"r": 1.0, "alpha": 1.0, "a": 1.0, "b": 1.0}


# --------------------------------------------------------------------------------------------
# BG/NBD by hand


def test_log_likelihood_of_a_customer_without_repeat_purchases_by_hand():
    # x = 0: no purchase in (0, T]. While alive (always, before a repeat purchase) purchases
    # are Poisson(lambda T) with lambda ~ Gamma(r, alpha): P(0) = (alpha / (alpha + T))^r.
    # In the general formula A1 = r ln(alpha), A2 = lnB(a, b) - lnB(a, b) = 0,
    # A3 = -r ln(alpha + T) and no A4 term, so ln L = r ln(alpha / (alpha + T)).
    # r = 1, alpha = 2, T = 2: L = 2/4 = 1/2.
    ll = btyd.bg_nbd_log_likelihood({"r": 1, "alpha": 2, "a": 0.7, "b": 3}, [0], [0], [2])
    assert ll[0] == pytest.approx(math.log(1 / 2), rel=1e-12)
    # r = 0.5, alpha = 3, T = 5: L = (3/8)^0.5, whatever a and b.
    ll = btyd.bg_nbd_log_likelihood({"r": 0.5, "alpha": 3, "a": 9, "b": 0.1}, [0], [0], [5])
    assert ll[0] == pytest.approx(0.5 * math.log(3 / 8), rel=1e-12)


def test_log_likelihood_of_a_repeat_customer_by_hand():
    # r = alpha = a = b = 1, x = 1, t_x = 1, T = 2:
    # alive:   B(1, 2)/B(1, 1) * G(2) 1^1 / (G(1) (1 + 2)^2) = 1/2 * 1/9 = 1/18
    # dropped: B(2, 1)/B(1, 1) * G(2) 1^1 / (G(1) (1 + 1)^2) = 1/2 * 1/4 = 1/8
    # L = 1/18 + 1/8 = 13/72
    ll = btyd.bg_nbd_log_likelihood(ONES, [1], [1], [2])
    assert ll[0] == pytest.approx(math.log(13 / 72), rel=1e-12)


def test_p_alive_is_one_without_a_repeat_purchase():
    # BG/NBD customers drop out only right after a repeat purchase.
    p_alive = btyd.bg_nbd_p_alive(btyd.CDNOW_BG_NBD, [0, 0, 0], [0, 0, 0], [0.0, 10.0, 500.0])
    assert p_alive.tolist() == [1.0, 1.0, 1.0]


def test_p_alive_by_hand():
    # Same customer as the likelihood by hand: P(alive) = alive term / L = (1/18)/(13/72)
    # = 4/13; the closed form 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
    # = 1 / (1 + (3/2)^2) = 4/13 too.
    assert btyd.bg_nbd_p_alive(ONES, [1], [1], [2])[0] == pytest.approx(4 / 13, rel=1e-12)
    # A last purchase at T: the customer may have dropped out right after it, with odds
    # a/(b+x-1) = 1/1: P(alive) = 1/2.
    assert btyd.bg_nbd_p_alive(ONES, [1], [2], [2])[0] == pytest.approx(1 / 2, rel=1e-12)


def test_expected_purchases_of_a_new_customer_by_hand():
    # a = 2, b = 1, r = 1, alpha = 1, t = 1: E[X(1)] = (a+b-1)/(a-1) [1 - (1/2)^1
    # 2F1(1, 1; 2; 1/2)] and 2F1(1, 1; 2; z) = -ln(1 - z)/z = 2 ln 2 at z = 1/2:
    # E = 2 (1 - ln 2) = 0.6137...
    params = {"r": 1, "alpha": 1, "a": 2, "b": 1}
    assert btyd.bg_nbd_expected_purchases_new(params, 1.0) == pytest.approx(
        2 * (1 - math.log(2)), rel=1e-12)
    # The conditional expectation of a customer with no history yet (x = t_x = T = 0) is
    # the unconditional one.
    assert btyd.bg_nbd_expected_purchases(params, 1.0, 0, 0, 0) == pytest.approx(
        2 * (1 - math.log(2)), rel=1e-12)


def test_expected_purchases_grow_with_the_horizon():
    params = btyd.CDNOW_BG_NBD
    horizons = np.array([0.0, 1, 4, 13, 52, 104, 520])
    for x, t_x, T in [(0, 0, 30), (2, 20, 30), (10, 29, 30), (10, 5, 30)]:
        expected = btyd.bg_nbd_expected_purchases(params, horizons, x, t_x, T)
        assert expected[0] == 0
        assert np.all(np.diff(expected) > 0), (x, t_x, T)
    new = btyd.bg_nbd_expected_purchases_new(params, horizons)
    assert new[0] == 0 and np.all(np.diff(new) > 0)


def test_conditional_expectation_averages_to_the_unconditional_one():
    # E[X(T + t)] - E[X(T)] = E over histories (x, t_x) of E[Y(t) | x, t_x, T]: average the
    # conditional formula over histories simulated from the model.
    params = btyd.CDNOW_BG_NBD
    rng = np.random.default_rng(5)
    T = np.full(200_000, 20.0)
    x, t_x = btyd.bg_nbd_simulate(params, T, rng)
    conditional = btyd.bg_nbd_expected_purchases(params, 13.0, x, t_x, T).mean()
    unconditional = (btyd.bg_nbd_expected_purchases_new(params, 33.0)
                     - btyd.bg_nbd_expected_purchases_new(params, 20.0))
    assert conditional == pytest.approx(unconditional, rel=0.02)


def test_simulation_matches_the_closed_form_mean():
    params = btyd.CDNOW_BG_NBD
    rng = np.random.default_rng(6)
    x, _ = btyd.bg_nbd_simulate(params, np.full(200_000, 39.0), rng)
    assert x.mean() == pytest.approx(btyd.bg_nbd_expected_purchases_new(params, 39.0), rel=0.02)


def test_discounted_purchases_sum_the_monthly_steps():
    params = btyd.CDNOW_BG_NBD
    x, t_x, T = np.array([0.0, 3.0]), np.array([0.0, 25.0]), np.array([30.0, 30.0])
    year = 365 / 7
    undiscounted = btyd.bg_nbd_discounted_purchases(params, x, t_x, T, steps=12,
                                                    step_length=year / 12, rate=0.0)
    assert undiscounted == pytest.approx(btyd.bg_nbd_expected_purchases(params, year, x, t_x, T))
    # By hand with one step: E[Y(s)] / (1 + d).
    one = btyd.bg_nbd_discounted_purchases(params, x, t_x, T, steps=1, step_length=4.0, rate=0.5)
    assert one == pytest.approx(btyd.bg_nbd_expected_purchases(params, 4.0, x, t_x, T) / 1.5)
    discounted = btyd.bg_nbd_discounted_purchases(params, x, t_x, T, steps=12,
                                                  step_length=year / 12, rate=0.01)
    assert np.all(discounted < undiscounted)
    assert np.all(discounted > undiscounted / 1.01 ** 12)


def test_discounted_purchases_equal_the_definition_step_by_step():
    # The definition: sum over k = 1..12 of (E[Y(k s)] - E[Y((k-1) s)]) / 1.02^k, each E from
    # bg_nbd_expected_purchases. The function takes P(alive) out of the sum and evaluates the
    # brackets per distinct (x, T): rows 2, 3 and 5 share (3, 30) with two recencies, so a
    # P(alive) taken per pair instead of per row would fail.
    params = btyd.CDNOW_BG_NBD
    x = np.array([0.0, 3.0, 3.0, 7.0, 3.0])
    t_x = np.array([0.0, 25.0, 10.0, 30.0, 25.0])
    T = np.array([30.0, 30.0, 30.0, 31.0, 30.0])
    s = 365 / 7 / 12

    def expected(t):
        return btyd.bg_nbd_expected_purchases(params, t, x, t_x, T)

    by_step = sum((expected(k * s) - expected((k - 1) * s)) / 1.02 ** k for k in range(1, 13))
    for groups in (None, btyd.distinct_pairs(x, T)):
        got = btyd.bg_nbd_discounted_purchases(params, x, t_x, T, steps=12, step_length=s,
                                               rate=0.02, xT_groups=groups)
        assert got == pytest.approx(by_step, rel=1e-12)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(8)
    T = rng.uniform(0, 40, 300).round(1)
    x, t_x = btyd.bg_nbd_simulate(btyd.CDNOW_BG_NBD, T, rng)
    for params in [(0.24, 4.4, 0.79, 2.4), (2.0, 0.5, 3.0, 0.3)]:
        _, gradient = btyd.bg_nbd_log_likelihood_gradient(params, x, t_x, T)
        numeric = approx_fprime(np.log(params), lambda z: btyd.bg_nbd_log_likelihood(
            np.exp(z), x, t_x, T).sum(), 1e-6)
        assert gradient.sum(axis=1) == pytest.approx(numeric, rel=1e-4, abs=1e-3)
    frequency = rng.integers(1, 8, 300).astype(float)
    spend = rng.gamma(4.0, 5.0, 300)
    for params in [(6.0, 3.7, 15.0), (0.5, 8.0, 2.0)]:
        _, gradient = btyd.gamma_gamma_log_likelihood_gradient(params, frequency, spend)
        numeric = approx_fprime(np.log(params), lambda z: btyd.gamma_gamma_log_likelihood(
            np.exp(z), frequency, spend).sum(), 1e-6)
        assert gradient.sum(axis=1) == pytest.approx(numeric, rel=1e-4, abs=1e-3)


# --------------------------------------------------------------------------------------------
# Gamma-Gamma by hand


def test_gamma_gamma_log_likelihood_by_hand():
    # p = 1, q = 2, v = 1, x = 1, m = 1:
    # G(3)/(G(1) G(2)) * 1^2 * 1^0 * 1^1 / (1 + 1)^3 = 2/8 = 1/4
    ll = btyd.gamma_gamma_log_likelihood({"p": 1, "q": 2, "v": 1}, [1], [1])
    assert ll[0] == pytest.approx(math.log(1 / 4), rel=1e-12)


def test_gamma_gamma_expected_spend_by_hand():
    params = {"p": 6, "q": 4, "v": 15}
    # (v + m x) p / (p x + q - 1) = (15 + 20 * 2) * 6 / (12 + 3) = 330 / 15 = 22
    assert btyd.gamma_gamma_expected_spend(params, [2], [20])[0] == pytest.approx(22)
    # x = 0: the population mean p v / (q - 1) = 90 / 3 = 30, whatever m says.
    assert btyd.gamma_gamma_expected_spend(params, [0, 0], [0, 55]).tolist() == [30, 30]
    # q <= 1: infinite mean, no expectation.
    assert np.isnan(btyd.gamma_gamma_expected_spend({"p": 1, "q": 1, "v": 1}, [1], [1])[0])


# --------------------------------------------------------------------------------------------
# Fits


def test_bg_nbd_fit_recovers_simulated_parameters():
    true = btyd.CDNOW_BG_NBD
    rng = np.random.default_rng(2)
    T = rng.uniform(27, 39, 50_000).round(1)  # weeks, like the CDNOW cohort
    x, t_x = btyd.bg_nbd_simulate(true, T, rng)
    (x_u, t_x_u, T_u), counts, _ = btyd.distinct_rows(x, t_x.round(1), T)
    fit = btyd.bg_nbd_fit(x_u, t_x_u, T_u, counts)
    assert fit.converged, fit.message
    assert fit.customers == 50_000 and fit.rows == len(counts) < 50_000
    for name, value in true.items():
        assert fit.params[name] == pytest.approx(value, rel=0.06), name


def test_weighted_fit_equals_the_fit_on_every_customer():
    rng = np.random.default_rng(3)
    T = rng.integers(20, 40, 3_000).astype(float)
    x, t_x = btyd.bg_nbd_simulate(btyd.CDNOW_BG_NBD, T, rng)
    t_x = np.floor(t_x)
    every = btyd.bg_nbd_fit(x, t_x, T)
    (x_u, t_x_u, T_u), counts, inverse = btyd.distinct_rows(x, t_x, T)
    assert np.array_equal(x_u[inverse], x) and np.array_equal(T_u[inverse], T)
    weighted = btyd.bg_nbd_fit(x_u, t_x_u, T_u, counts)
    assert weighted.log_likelihood == pytest.approx(every.log_likelihood, rel=1e-9)
    for name in btyd.BG_NBD_PARAMETERS:
        assert weighted.params[name] == pytest.approx(every.params[name], rel=1e-4)


@pytest.mark.parametrize("columns", [
    # whole numbers: sorted as one packed integer key
    lambda rng: (rng.integers(0, 60, 5_000), rng.integers(0, 900, 5_000),
                 rng.integers(0, 1_100, 5_000)),
    # fractions and a negative column: lexsort
    lambda rng: (rng.integers(0, 60, 5_000), rng.integers(0, 900, 5_000) / 7,
                 rng.integers(0, 1_100, 5_000) / 7),
    lambda rng: (rng.integers(-3, 3, 5_000), rng.integers(0, 5, 5_000)),
    # too wide to pack in 63 bits: lexsort
    lambda rng: (rng.integers(0, 2**40, 5_000), rng.integers(0, 2**40, 5_000)),
], ids=["whole", "fractions", "negative", "wide"])
def test_distinct_rows_are_those_of_numpy_unique(columns):
    arrays = [np.asarray(c, dtype=float) for c in columns(np.random.default_rng(5))]
    rows, counts, inverse = btyd.distinct_rows(*arrays)
    unique, unique_inverse, unique_counts = np.unique(
        np.column_stack(arrays), axis=0, return_inverse=True, return_counts=True)
    for got, want in zip(rows, unique.T, strict=True):
        assert np.array_equal(got, want)  # the same rows, in the same (sorted) order
    assert np.array_equal(counts, unique_counts)
    assert np.array_equal(inverse, unique_inverse.ravel())


def test_gamma_gamma_fit_recovers_simulated_parameters():
    true = btyd.CDNOW_GAMMA_GAMMA
    rng = np.random.default_rng(4)
    x = rng.integers(1, 10, 20_000).astype(float)
    # nu ~ Gamma(q, rate v); each purchase ~ Gamma(p, rate nu), so the mean of x purchases
    # is Gamma(p x, rate x nu).
    nu = rng.gamma(true["q"], 1 / true["v"], x.shape[0])
    m = rng.gamma(true["p"] * x, 1 / (x * nu))
    fit = btyd.gamma_gamma_fit(x, m)
    assert fit.converged, fit.message
    for name, value in true.items():
        assert fit.params[name] == pytest.approx(value, rel=0.08), name


def test_too_few_repeat_customers_are_not_fitted():
    # Three customers, two repeaters, against a minimum of 10: nothing is fitted.
    fit = btyd.fit_rfm(([0, 1, 3], [0, 20, 50], [30, 40, 60], [1, 1, 1]),
                       ([1, 3], [12.0, 30.0], [1, 1]), min_repeat_customers=10)
    for result in (fit.bg_nbd, fit.gamma_gamma):
        assert not result.converged
        assert "fewer than var('clv_min_repeat_customers') = 10" in result.message
        assert all(math.isnan(v) for v in result.params.values())
    assert (fit.customers, fit.repeat_customers) == (3, 2)
    predictions = btyd.predict_customers(None, None, [0, 1, 3], [0, 20, 50], [30, 40, 60],
                                         [0, 12, 30], discount_rate_monthly=0.01)
    assert all(np.isnan(values).all() for values in predictions.values())


def test_a_failing_fit_is_reported_not_raised():
    # recency > T cannot happen: the fit refuses it, and fit_rfm reports that.
    fit = btyd.fit_rfm(([1] * 12, [50] * 12, [40] * 12, [1] * 12),
                       ([1] * 12, list(range(1, 13)), [1] * 12), min_repeat_customers=10)
    assert not fit.bg_nbd.converged
    assert fit.bg_nbd.message.startswith("fit failed: ValueError: need 0 <= t_x")
    assert all(math.isnan(v) for v in fit.bg_nbd.params.values())


def test_an_infinite_mean_spend_gives_no_expected_order_value():
    # Heavy-tailed spend: nu ~ Gamma(q = 0.6, v), so the estimate of q is below 1 and the
    # population mean p v / (q - 1) does not exist.
    rng = np.random.default_rng(9)
    x = rng.integers(1, 6, 5_000).astype(float)
    m = rng.gamma(2.0 * x, 1 / (x * rng.gamma(0.6, 1 / 10.0, x.shape[0])))
    fit = btyd.fit_rfm((x, x, x + 10, np.ones_like(x)), (x, m, np.ones_like(x)))
    assert fit.gamma_gamma.converged and fit.gamma_gamma.params["q"] < 1
    assert "q <= 1" in fit.gamma_gamma.message
    spend = btyd.gamma_gamma_expected_spend(fit.gamma_gamma.params, x[:3], m[:3])
    assert np.isnan(spend).all()


def test_no_customers_at_all():
    empty = np.array([])
    fit = btyd.fit_rfm((empty, empty, empty, empty), (empty, empty, empty))
    assert not fit.bg_nbd.converged and not fit.gamma_gamma.converged
    assert fit.customers == 0 and math.isnan(fit.frequency_monetary_correlation)


def test_fitting_a_million_customers_takes_seconds():
    # 1M customers over three years (days), BG/NBD with the CDNOW parameters per day: the fit
    # runs on their distinct (x, t_x, T) combinations, in weeks, as the dbt model does.
    rng = np.random.default_rng(11)
    n = 1_000_000
    t_days = rng.integers(0, 3 * 365 + 1, n).astype(float)
    per_day = dict(btyd.CDNOW_BG_NBD, alpha=btyd.CDNOW_BG_NBD["alpha"] * 7)
    x, t_x = btyd.bg_nbd_simulate(per_day, t_days, rng)
    recency_days = np.where(x > 0, np.floor(t_x), 0.0)
    start = time.perf_counter()
    (x_u, recency_u, t_u), counts, _ = btyd.distinct_rows(x, recency_days, t_days)
    grouped = time.perf_counter() - start
    fit = btyd.bg_nbd_fit(x_u, recency_u / 7, t_u / 7, counts)
    print(f"\n1M customers: {len(counts):,} distinct (x, t_x, T) rows, grouped in "
          f"{grouped:.1f} s (numpy; the dbt model groups in DuckDB), fitted in "
          f"{fit.seconds:.1f} s ({fit.iterations} iterations)")
    assert fit.converged and fit.customers == n
    for name, value in btyd.CDNOW_BG_NBD.items():
        assert fit.params[name] == pytest.approx(value, rel=0.05), name
    # Generous: a few seconds on a quiet machine; CI machines can be busy.
    assert fit.seconds < 60


# --------------------------------------------------------------------------------------------
# CDNOW: the published estimates (per week), from the sample file with pandas


def cdnow_rfm() -> pd.DataFrame:
    """RFM per customer at 1997-09-30 from CDNOW_sample.txt, independently of the SQL model:
    purchases are distinct days; a repeat day's spend is the sum of that day's rows."""
    rows = pd.read_csv(SAMPLE, sep=r"\s+", header=None, dtype={0: str, 2: str},
                       names=["customer_id", "sample_id", "date", "cds", "dollars"])
    rows["date"] = pd.to_datetime(rows["date"], format="%Y%m%d")
    calibration = rows[rows["date"] <= "1997-09-30"]
    days = calibration.groupby(["customer_id", "date"], as_index=False)["dollars"].sum()
    days["first"] = days.groupby("customer_id")["date"].transform("min")
    summary = days.groupby("customer_id").agg(first=("date", "min"), last=("date", "max"),
                                              days=("date", "size"))
    repeat = days[days["date"] > days["first"]].groupby("customer_id")["dollars"].mean()
    summary["x"] = summary["days"] - 1
    summary["t_x"] = (summary["last"] - summary["first"]).dt.days / 7
    summary["T"] = (pd.Timestamp("1997-09-30") - summary["first"]).dt.days / 7
    summary["m"] = repeat.reindex(summary.index).fillna(0.0)
    return summary


def test_cdnow_bg_nbd_matches_the_published_estimates():
    rfm = cdnow_rfm()
    assert len(rfm) == 2_357 and (rfm["x"] > 0).sum() == 946
    # Customer 00004 (the first lines of the file): 1997-01-01, 01-18, 08-02 -> x = 2,
    # t_x = 213 days, T = 272 days (the papers' 30.43 and 38.86 weeks).
    assert rfm.loc["00004", ["x", "t_x", "T"]].tolist() == pytest.approx([2, 213 / 7, 272 / 7])
    (x, t_x, T), counts, _ = btyd.distinct_rows(rfm["x"], rfm["t_x"], rfm["T"])
    fit = btyd.bg_nbd_fit(x, t_x, T, counts)
    assert fit.converged
    for name, published in btyd.CDNOW_BG_NBD.items():
        assert fit.params[name] == pytest.approx(published, rel=0.01), name
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)


def test_cdnow_gamma_gamma_matches_the_published_estimates():
    rfm = cdnow_rfm()
    repeat = rfm[(rfm["x"] > 0) & (rfm["m"] > 0)]
    assert len(repeat) == 946
    fit = btyd.gamma_gamma_fit(repeat["x"], repeat["m"])
    assert fit.converged
    for name, published in btyd.CDNOW_GAMMA_GAMMA.items():
        assert fit.params[name] == pytest.approx(published, rel=0.01), name
    # The assumption check: spend nearly independent of frequency (0.11 in the note).
    correlation = btyd.weighted_correlation(repeat["x"], repeat["m"], np.ones(len(repeat)))
    assert correlation == pytest.approx(0.11, abs=0.01)


# --------------------------------------------------------------------------------------------
# Bounded fits: binning, budgets, warm starts

# The binning error stated in docs/predictive_clv.md ("Bounded fit"), measured on CDNOW with
# the grids the 1M-customer fits end on (BG/NBD width 0.4, Gamma-Gamma ln m width 0.001; here
# ln m 0.008, coarser): each parameter moved by at most 0.18 % (r), the mean CLV by 0.001 %.
BINNED_PARAMETER_TOLERANCE = 0.002
BINNED_CLV_TOLERANCE = 0.0005


def test_binning_bg_nbd_rows_by_hand():
    # unit 1, width 1: the cell of t is floor(ln(1 + t) (1 + x)).
    # x = 0, T = 3 and T = 4: ln 4 = 1.39, ln 5 = 1.61 -> cell 1 both; weights 1 and 3:
    #   one row, weight 4, T = (3 * 1 + 4 * 3) / 4 = 3.75, t_x = 0.
    # x = 1, (t_x, T) = (1, 3) and (1, 4): 2 ln 2 = 1.39 -> 1; 2 ln 4 = 2.77 -> 2 and
    #   2 ln 5 = 3.22 -> 3: two rows, as given.
    x, t_x, T, w = btyd.bin_bg_nbd_rows([0, 0, 1, 1], [0, 0, 1, 1], [3, 4, 3, 4],
                                        [1, 3, 2, 5], width=1.0)
    assert x.tolist() == [0, 1, 1] and w.tolist() == [4, 2, 5]
    assert t_x.tolist() == [0, 1, 1] and T.tolist() == pytest.approx([3.75, 3, 4])
    # Gamma-Gamma, ln m width 0.1: m = 10 and 10.5 (ln 2.303, 2.351 -> cell 23 both),
    # weights 1 and 1: one row, m = the geometric mean sqrt(10 * 10.5) = 10.247.
    x, m, w = btyd.bin_gamma_gamma_rows([2, 2, 3], [10.0, 10.5, 10.0], [1, 1, 4], width=0.1)
    assert x.tolist() == [2, 3] and w.tolist() == [2, 4]
    assert m.tolist() == pytest.approx([math.sqrt(105), 10.0])


def cdnow_fit_inputs():
    rfm = cdnow_rfm()
    bg = btyd.distinct_rows(rfm["x"], rfm["t_x"], rfm["T"])
    repeat = rfm[(rfm["x"] > 0) & (rfm["m"] > 0)]
    gg = btyd.distinct_rows(repeat["x"], repeat["m"])
    return rfm, bg, gg


def mean_clv(rfm, bg_params, gg_params) -> float:
    p = btyd.predict_customers(bg_params, gg_params, rfm["x"], rfm["t_x"] * 7, rfm["T"] * 7,
                               rfm["m"], discount_rate_monthly=0.01)
    return float(np.mean(p["discounted_expected_purchases_365d"]
                         * p["expected_avg_order_value"]))


def test_binned_fit_stays_within_the_stated_tolerance_of_the_exact_fit_on_cdnow():
    rfm, ((x, t_x, T), counts, _), ((gx, gm), gcounts, _) = cdnow_fit_inputs()
    exact_bg = btyd.bg_nbd_fit(x, t_x, T, counts)
    exact_gg = btyd.gamma_gamma_fit(gx, gm, gcounts)
    binned_bg = btyd.bg_nbd_fit(x, t_x, T, counts, bin_width=0.4, bin_unit=1 / 7)
    binned_gg = btyd.gamma_gamma_fit(gx, gm, gcounts, bin_width=0.008)
    assert binned_bg.converged and binned_gg.converged
    # Binned: fewer rows, the same customers; the log-likelihood is the exact one.
    assert binned_bg.rows < len(counts) and binned_bg.customers == 2_357
    assert binned_gg.rows < len(gcounts) and binned_gg.customers == 946
    assert (binned_bg.bin_width, binned_gg.bin_width) == (0.4, 0.008)
    assert binned_bg.log_likelihood <= exact_bg.log_likelihood + 1e-6
    assert binned_bg.log_likelihood == pytest.approx(exact_bg.log_likelihood, abs=0.1)
    for exact, binned in ((exact_bg, binned_bg), (exact_gg, binned_gg)):
        for name, value in exact.params.items():
            assert binned.params[name] == pytest.approx(
                value, rel=BINNED_PARAMETER_TOLERANCE), name
    assert mean_clv(rfm, binned_bg.params, binned_gg.params) == pytest.approx(
        mean_clv(rfm, exact_bg.params, exact_gg.params), rel=BINNED_CLV_TOLERANCE)


def test_fit_rfm_bins_only_above_the_row_threshold():
    rfm = cdnow_rfm()
    (x, t_x, T), counts, _ = btyd.distinct_rows(rfm["x"], rfm["t_x"] * 7, rfm["T"] * 7)
    repeat = rfm[(rfm["x"] > 0) & (rfm["m"] > 0)]
    (gx, gm), gcounts, _ = btyd.distinct_rows(repeat["x"], repeat["m"])
    # CDNOW has 1,016 and 760 distinct rows, below MAX_FIT_ROWS: the exact fit.
    exact = btyd.fit_rfm((x, t_x, T, counts), (gx, gm, gcounts))
    assert exact.bg_nbd.bin_width == 0 and exact.bg_nbd.rows == len(counts) == 1_016
    assert exact.gamma_gamma.bin_width == 0 and exact.gamma_gamma.rows == 760
    # With a threshold of 500 rows: binned, from the finest grids, doubled until <= 500 rows.
    binned = btyd.fit_rfm((x, t_x, T, counts), (gx, gm, gcounts), max_rows=500)
    assert binned.bg_nbd.rows <= 500 and binned.gamma_gamma.rows <= 500
    assert binned.bg_nbd.bin_width > 0 and binned.gamma_gamma.bin_width > 0
    assert binned.bg_nbd.converged and binned.gamma_gamma.converged
    for name, value in exact.bg_nbd.params.items():
        assert binned.bg_nbd.params[name] == pytest.approx(value, rel=0.01), name


def test_a_fit_out_of_budget_says_so_and_does_not_raise():
    _, ((x, t_x, T), counts, _), _ = cdnow_fit_inputs()
    # Two iterations are not enough from the default start.
    fit = btyd.bg_nbd_fit(x, t_x, T, counts, max_iterations=2)
    assert not fit.converged and fit.message.startswith("did not converge in ")
    assert 2 <= fit.iterations and all(math.isfinite(v) for v in fit.params.values())
    # No time at all: stopped at the best point evaluated (the start), with the reason.
    fit = btyd.bg_nbd_fit(x, t_x, T, counts, max_seconds=0.0)
    assert not fit.converged
    assert fit.message.startswith("did not converge within the time budget of 0 s")
    # Through fit_rfm (the dbt model's path): reported, never raised.
    rfm = btyd.fit_rfm((x, t_x * 7, T * 7, counts), ([1] * 12, list(range(1, 13)), [1] * 12),
                       max_iterations=2)
    assert not rfm.bg_nbd.converged and "did not converge" in rfm.bg_nbd.message


def lbfgsb_stops_early(monkeypatch):
    """L-BFGS-B's result marked as failed, so Nelder-Mead's retry runs whatever the machine."""
    real_minimize = btyd.minimize

    def minimize(fun, x0, *args, method=None, **kwargs):
        result = real_minimize(fun, x0, *args, method=method, **kwargs)
        if method == "L-BFGS-B":
            result.success = False
        return result

    monkeypatch.setattr(btyd, "minimize", minimize)


def test_the_retry_stops_when_its_best_value_stalls(monkeypatch):
    # An objective that gets better by 1e-13 at every evaluation inside the unit ball and is
    # worse outside it: every reflection of Nelder-Mead's simplex is accepted, so the simplex
    # never shrinks and never meets its own tolerances, and its best value improves by about
    # 2e-11 per 100 iterations. Only the stall rule stops it, STALL_ITERATIONS (200) iterations
    # after the retry started (or a few more: the rule is checked at each iteration's end).
    lbfgsb_stops_early(monkeypatch)
    calls = [0]

    def ridge(z):
        calls[0] += 1
        outside = float(np.dot(z, z) > 1.0)
        return outside - 1e-13 * calls[0], np.zeros(2)

    fit = btyd._maximise("bg_nbd", ["r", "alpha"], ridge, {"r": 1.0, "alpha": 1.0}, 1.0, 1,
                         max_iterations=2_000)
    assert not fit.converged
    assert "improved by less than 1e-10 in its last 200" in fit.message
    assert btyd.STALL_ITERATIONS <= fit.iterations < btyd.STALL_ITERATIONS + 10
    # Without the rule, the same retry runs to its cap of 5 x 2,000 iterations (9,999 counted
    # by its callback).
    monkeypatch.setattr(btyd, "STALL_ITERATIONS", 10**9)
    longer = btyd._maximise("bg_nbd", ["r", "alpha"], ridge, {"r": 1.0, "alpha": 1.0}, 1.0, 1,
                            max_iterations=2_000)
    assert not longer.converged and longer.iterations >= 5 * 2_000 - 1


def test_a_retry_on_a_flat_likelihood_ends_within_a_thousand_iterations(monkeypatch):
    # 12 customers (x, t_x and T in days) on which L-BFGS-B stops early ("ABNORMAL") and the
    # likelihood is flat where it stops: r and alpha run away together. Nelder-Mead's retry
    # used to crawl on for its 5 x 2,000 iterations (10,026 in all, 3.5 s). Where L-BFGS-B
    # stops on this ridge, and whether Nelder-Mead then meets its tolerances or stalls, depends
    # on the machine's floating-point paths (on one AMD EPYC machine L-BFGS-B reported
    # convergence at r = 3.5e6, and the retry from there converged): L-BFGS-B is marked as
    # failed, and the retry must end either way, the stall rule being the test above.
    lbfgsb_stops_early(monkeypatch)
    x = np.array([2, 0, 2, 0, 3, 3, 3, 2, 3, 1, 0, 2], dtype=float)
    t_x = np.array([60, 0, 128, 0, 190, 165, 255, 27, 206, 37, 0, 238]) / 7
    T = np.array([79, 77, 324, 214, 248, 252, 293, 40, 209, 84, 178, 373]) / 7
    counts = np.ones(12)
    fit = btyd.bg_nbd_fit(x, t_x, T, counts)
    assert fit.converged or "improved by less than 1e-10 in its last 200" in fit.message
    assert fit.iterations < 1_000
    # Nothing lost by stopping: the same retry without the stall rule, run to its cap of
    # 5 x 300 iterations, gets the log-likelihood less than 1e-6 higher (12 customers).
    monkeypatch.setattr(btyd, "STALL_ITERATIONS", 10**9)
    longer = btyd.bg_nbd_fit(x, t_x, T, counts, max_iterations=300)
    if not fit.converged:  # the rule stopped it: without the rule the retry goes on
        assert longer.iterations > fit.iterations
    assert longer.log_likelihood - fit.log_likelihood < 1e-6


def test_warm_start_reaches_the_optimum_of_the_cold_start():
    _, ((x, t_x, T), counts, _), ((gx, gm), gcounts, _) = cdnow_fit_inputs()
    cold = btyd.bg_nbd_fit(x, t_x, T, counts)
    # From the optimum itself: the same optimum, in fewer iterations.
    again = btyd.bg_nbd_fit(x, t_x, T, counts, initial=cold.params)
    assert again.converged and again.iterations < cold.iterations
    # From a start 30 % off on every parameter (a previous night's fit on other data).
    off = {k: v * 1.3 for k, v in cold.params.items()}
    warm = btyd.bg_nbd_fit(x, t_x, T, counts, initial=off)
    for fit in (again, warm):
        for name, value in cold.params.items():
            assert fit.params[name] == pytest.approx(value, rel=1e-5), name
    cold_gg = btyd.gamma_gamma_fit(gx, gm, gcounts)
    warm_gg = btyd.gamma_gamma_fit(gx, gm, gcounts,
                                   initial={k: v * 0.7 for k, v in cold_gg.params.items()})
    for name, value in cold_gg.params.items():
        assert warm_gg.params[name] == pytest.approx(value, rel=1e-5), name
    # fit_rfm ignores an unusable warm start (NaN: a model not fitted last time).
    nan_start = dict.fromkeys(btyd.BG_NBD_PARAMETERS, float("nan"))
    rfm = btyd.fit_rfm((x, t_x * 7, T * 7, counts), (gx, gm, gcounts), initial_bg_nbd=nan_start)
    assert rfm.bg_nbd.params == pytest.approx(cold.params, rel=1e-9)
