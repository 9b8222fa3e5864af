"""Buy-till-you-die models of predictive CLV, in numpy and scipy only.

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way: an alternative to
  the Pareto/NBD model", Marketing Science 24(2)): the number of repeat purchases. While alive
  a customer buys at a Poisson rate lambda ~ Gamma(r, alpha); after each repeat purchase they
  drop out with probability p ~ Beta(a, b). Parameters r, alpha, a, b.
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for customer
  base analysis", JMR 42(4); Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"):
  the mean spend of a customer's repeat purchases. Parameters p, q, v (the notes' gamma).

Inputs per customer are the RFM summary of metrics.md: x = frequency (repeat purchases),
t_x = recency (time from the first to the last purchase), T = time from the first purchase to
the observation date, m = mean spend of the repeat purchases. The functions work in whatever
time unit the caller passes (alpha is in that unit); the dbt models pass weeks (days / 7), the
unit of the published CDNOW parameters.

Fits maximise the log-likelihood over log-parameters with scipy.optimize.minimize, on
distinct input rows weighted by how many customers share them (``distinct_rows``), so the cost
grows with the number of distinct (x, t_x, T) combinations, not with the number of customers.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

BG_NBD_PARAMETERS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMETERS = ("p", "q", "v")

# Published per-week estimates on the CDNOW 1/10 sample, calibration weeks 1-39:
# BG/NBD (Fader, Hardie & Lee 2005, Marketing Science, section 4), LL = -9582.4;
# Gamma-Gamma (Fader & Hardie 2013 note; p, q, gamma), 946 repeat customers.
CDNOW_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.45}

# Log-parameters are kept in [-LOG_BOUND, LOG_BOUND]; an estimate on the bound is a fit that
# ran away (e.g. b -> infinity: no dropout in the data) and is reported as not converged.
LOG_BOUND = 18.0

# The bounds of fit_rfm's fits (the dbt model's): above MAX_FIT_ROWS distinct rows the
# likelihood runs on binned rows (bin_bg_nbd_rows: recency and T on a log grid of width from
# BG_NBD_BIN_WIDTH; bin_gamma_gamma_rows: monetary value on a log grid of width from
# GAMMA_GAMMA_BIN_WIDTH; each doubled until at most MAX_FIT_ROWS rows are left), and each
# model's optimiser stops after FIT_MAX_ITERATIONS iterations or FIT_MAX_SECONDS seconds
# (docs/predictive_clv.md, "Bounded fit").
MAX_FIT_ROWS = 150_000
FIT_MAX_SECONDS = 12.0
FIT_MAX_ITERATIONS = 1000
BG_NBD_BIN_WIDTH = 0.05
GAMMA_GAMMA_BIN_WIDTH = 0.001


@dataclass(frozen=True)
class FitResult:
    """Outcome of a maximum-likelihood fit."""

    model: str
    params: dict[str, float]
    log_likelihood: float  # summed over customers (weights), not over distinct rows
    converged: bool
    message: str
    customers: int  # sum of the weights
    rows: int  # distinct rows the likelihood was evaluated on
    iterations: int = 0
    seconds: float = 0.0
    # Width of the grid the inputs were binned to before fitting (``bin_bg_nbd_rows``: of
    # ln(1 + t/unit) (1 + x); ``bin_gamma_gamma_rows``: of ln m); 0 when fitted exactly.
    bin_width: float = 0.0


# --------------------------------------------------------------------------------------------
# Inputs


def distinct_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The distinct rows of equal-length ``columns``, their counts, and the inverse index.

    ``distinct_rows(x, t_x, T)`` -> ([x_u, t_x_u, T_u], counts, inverse) with
    ``x_u[inverse] == x`` and so on: fit or score on the distinct rows, expand with inverse.
    """
    arrays = [np.asarray(c, dtype=float) for c in columns]
    n = arrays[0].shape[0]
    if n == 0:
        empty = np.empty(0)
        return [empty.copy() for _ in arrays], empty.astype(np.int64), empty.astype(np.int64)
    # Sort by all columns, mark where a row differs from the one before: much faster than
    # np.unique(axis=0) on a million rows. Whole numbers sort as one packed integer key (a
    # stable sort of it gives lexsort's order); others by lexsort (last key first).
    key = _packed_key(arrays)
    order = np.argsort(key, kind="stable") if key is not None else np.lexsort(arrays[::-1])
    ordered = [a[order] for a in arrays]
    starts = np.ones(n, dtype=bool)
    starts[1:] = np.logical_or.reduce([np.diff(a) != 0 for a in ordered])
    group = np.cumsum(starts) - 1
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    counts = np.diff(np.append(np.flatnonzero(starts), n))
    return [a[starts] for a in ordered], counts, inverse


def _packed_key(arrays: list[np.ndarray]) -> np.ndarray | None:
    """One int64 per row that orders as the rows do lexicographically: each column's
    values side by side in bits, the first column highest. None unless every column holds
    non-negative whole numbers and their bits fit in 63 (a day count, a frequency, a cell)."""
    widths = []
    for a in arrays:
        if not (np.all(a >= 0) and np.all(a <= 2**62) and np.array_equal(a, np.floor(a))):
            return None  # NaN fails the comparisons too
        widths.append(max(int(a.max()).bit_length(), 1))
    if sum(widths) > 63:
        return None
    key = np.zeros(arrays[0].shape[0], dtype=np.int64)
    for a, width in zip(arrays, widths, strict=True):
        key = (key << width) | a.astype(np.int64)
    return key


def _weights(weights, n: int) -> np.ndarray:
    return np.ones(n) if weights is None else np.asarray(weights, dtype=float)


# --------------------------------------------------------------------------------------------
# BG/NBD


def bg_nbd_log_likelihood(params, x, t_x, T) -> np.ndarray:
    """Log-likelihood of each customer's (x, t_x, T) under BG/NBD (FHL 2005, eq. 6).

    L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))
    in logs: ln L = A1 + A2 + ln(exp(A3) + [x > 0] exp(A4)) with
    A1 = lnG(r+x) - lnG(r) + r ln(alpha),  A2 = lnB(a, b+x) - lnB(a, b),
    A3 = -(r+x) ln(alpha+T),  A4 = ln(a) - ln(b+x-1) - (r+x) ln(alpha+t_x).
    """
    r, alpha, a, b = (float(v) for v in _bg_nbd_values(params))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    a4 = np.full(x.shape, -np.inf)
    xr = x[repeat]
    a4[repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + t_x[repeat])
    return a1 + a2 + np.logaddexp(a3, a4)


def bg_nbd_log_likelihood_gradient(params, x, t_x, T, x_groups=None
                                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-likelihood and its gradient with respect to the log-parameters.

    With s4 = [x > 0] exp(A4) / (exp(A3) + exp(A4)) (the share of the dropped-out branch),
    s3 = 1 - s4 and psi the digamma function:
    d/dr     = psi(r+x) - psi(r) + ln(alpha) - s3 ln(alpha+T) - s4 ln(alpha+t_x)
    d/dalpha = r/alpha - (r+x) (s3/(alpha+T) + s4/(alpha+t_x))
    d/da     = psi(a+b) - psi(a+b+x) + s4/a
    d/db     = psi(a+b) + psi(b+x) - psi(b) - psi(a+b+x) - s4/(b+x-1)
    each times the parameter (d/d ln theta = theta d/d theta). Rows: r, alpha, a, b.

    The special functions of x alone are evaluated once per distinct x (``x_groups``:
    ``np.unique(x, return_inverse=True)``, computed here when not given) and gathered: the
    same numbers as elementwise, for a fraction of the time (x takes a few dozen values).
    """
    r, alpha, a, b = (float(v) for v in _bg_nbd_values(params))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    ux, inverse = np.unique(x, return_inverse=True) if x_groups is None else x_groups
    repeat = x > 0
    ln_alpha_t = np.log(alpha + T)
    # The likelihood exactly as bg_nbd_log_likelihood computes it.
    a1 = gammaln(r + ux)[inverse] - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + ux)[inverse] - betaln(a, b)
    a3 = -(r + x) * ln_alpha_t
    a4 = np.full(x.shape, -np.inf)
    ln_alpha_tx = np.log(alpha + t_x[repeat])
    a4[repeat] = np.log(a) - np.log(b + ux - 1)[inverse][repeat] - (r + x[repeat]) * ln_alpha_tx
    ll = a1 + a2 + np.logaddexp(a3, a4)
    s3 = np.exp(a3 - ll + a1 + a2)
    s3 = np.clip(s3, 0.0, 1.0)
    s4 = 1.0 - s3
    # b + x - 1 > 0 where x > 0; elsewhere s4 = 0 and the term must not be evaluated.
    b_x_1 = np.where(repeat, b + x - 1, 1.0)
    ln_alpha_t_x = np.log(alpha + t_x)
    digamma_abx = digamma(a + b + ux)[inverse]
    d_r = (digamma(r + ux)[inverse] - digamma(r) + np.log(alpha) - s3 * ln_alpha_t
           - s4 * ln_alpha_t_x)
    d_alpha = r / alpha - (r + x) * (s3 / (alpha + T) + s4 / (alpha + t_x))
    d_a = digamma(a + b) - digamma_abx + s4 / a
    d_b = digamma(a + b) + digamma(b + ux)[inverse] - digamma(b) - digamma_abx - s4 / b_x_1
    gradient = np.vstack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, gradient


def bg_nbd_fit(x, t_x, T, weights=None, *, initial=None, max_iterations: int = 2000,
               max_seconds: float | None = None, max_rows: int | None = None,
               bin_width: float | None = None, bin_unit: float = 1.0) -> FitResult:
    """Maximum-likelihood BG/NBD estimates of (r, alpha, a, b) from (x, t_x, T) rows.

    ``weights``: customers per row (from ``distinct_rows``). The start is r = a = b = 1 and
    alpha = mean T (the scale of the data), unless ``initial`` is given (a warm start).

    Bounded cost: with more than ``max_rows`` rows, t_x and T are binned (``bin_bg_nbd_rows``,
    time resolution ``bin_unit``) on the finest grid of ``bin_width`` (default
    BG_NBD_BIN_WIDTH) times 1, 2, 4, ... that leaves at most ``max_rows`` rows;
    ``bin_width`` without ``max_rows`` forces that grid. It stops
    after ``max_iterations`` iterations or ``max_seconds`` seconds (then converged = False).
    The log-likelihood reported is always the exact one, on the rows given, at the estimate.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    w = _weights(weights, len(x))
    _check_bg_nbd_inputs(x, t_x, T, w)
    total = w.sum()
    if initial is None:
        scale = float(np.average(T, weights=w)) if total > 0 else 1.0
        initial = {"r": 1.0, "alpha": max(scale, 1e-3), "a": 1.0, "b": 1.0}
    exact = (x, t_x, T, w)
    width = 0.0
    if _binned(len(x), max_rows, bin_width):
        x, t_x, T, w, width = _coarsest_needed(
            lambda h: bin_bg_nbd_rows(*exact, h, bin_unit),
            bin_width if bin_width is not None else BG_NBD_BIN_WIDTH, max_rows)

    x_groups = np.unique(x, return_inverse=True)

    def objective(log_params):
        ll, gradient = bg_nbd_log_likelihood_gradient(np.exp(log_params), x, t_x, T, x_groups)
        # (w * ll).sum(), not np.dot: BLAS threads gain nothing here and spin on busy machines.
        return -(w * ll).sum() / total, -(gradient * w).sum(axis=1) / total

    result = _maximise("bg_nbd", BG_NBD_PARAMETERS, objective, initial, total, len(x),
                       max_iterations, max_seconds)
    if width:
        result = _with_exact_log_likelihood(
            result, width, lambda p: bg_nbd_log_likelihood(p, *exact[:3]), exact[3])
    return result


def bg_nbd_p_alive(params, x, t_x, T) -> np.ndarray:
    """P(alive at T | x, t_x, T) (FHL 2005, eq. 11); 1 when x = 0 (no dropout before a repeat).

    1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), computed in logs.
    """
    r, alpha, a, b = _bg_nbd_values(params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    return expit(-_bg_nbd_dropout_log_odds(r, alpha, a, b, x, t_x, T))


def bg_nbd_expected_purchases(params, t, x, t_x, T, xT_groups=None) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T + t] (FHL 2005, eq. 10).

    (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                           * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
    / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
    The formula holds for a < 1 too (numerator and a - 1 change sign together), not a = 1.

    For one horizon t the bracket depends on (x, T) only: ``xT_groups`` (distinct_pairs(x,
    T)) has it, and so the costly 2F1, evaluated once per distinct pair and gathered.
    """
    r, alpha, a, b = _bg_nbd_values(params)
    scalar_t = np.ndim(t) == 0
    t, x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, x, t_x, T)))
    with np.errstate(all="ignore"):
        if xT_groups is not None and scalar_t:
            (ux, uT), inverse = xT_groups
            bracket = _bg_nbd_bracket(r, alpha, a, b, float(t.flat[0]) if t.size else 0.0,
                                      ux, uT)[inverse]
        else:
            bracket = _bg_nbd_bracket(r, alpha, a, b, t, x, T)
        expected = (a + b + x - 1) / (a - 1) * bracket * bg_nbd_p_alive(params, x, t_x, T)
    expected = np.where(t == 0, 0.0, expected)
    return np.where(np.isfinite(expected), expected, np.nan)


def _bg_nbd_bracket(r, alpha, a, b, t, x, T) -> np.ndarray:
    """1 - ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))."""
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
    z = t / (alpha + T + t)
    return 1.0 - np.exp(log_ratio) * hyp2f1(r + x, b + x, a + b + x - 1, z)


def distinct_pairs(x, T) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """The distinct (x, T) pairs and, per row, the index of its pair (distinct_rows: a
    lexsort, ten times faster than np.unique(axis=0) on the pairs of a million customers)."""
    (ux, uT), _, inverse = distinct_rows(x, T)
    return (ux, uT), inverse


def bg_nbd_expected_purchases_new(params, t) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in (0, t] after a first purchase at 0 (FHL 2005, eq. 9).

    (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r * 2F1(r, b; a+b-1; t/(alpha+t))].
    """
    r, alpha, a, b = _bg_nbd_values(params)
    t = np.asarray(t, dtype=float)
    with np.errstate(all="ignore"):
        bracket = 1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t))
        expected = (a + b - 1) / (a - 1) * bracket
    return np.where(t == 0, 0.0, expected)


def bg_nbd_discounted_purchases(params, x, t_x, T, *, steps: int, step_length: float,
                                rate: float, xT_groups=None) -> np.ndarray:
    """Sum over steps k = 1..steps of E[purchases in step k] / (1 + rate)^k.

    Step k covers (T + (k-1) step_length, T + k step_length]; its expected purchases are
    E[Y(k step_length)] - E[Y((k-1) step_length)], discounted at the end of the step.
    With steps = 12, step_length = 365/12 days (in the fit's unit) and the monthly rate this
    is the discounted number of purchases over the next year.

    E[Y(t)] = (a+b+x-1)/(a-1) * bracket(t; x, T) * P(alive | x, t_x, T)
    (bg_nbd_expected_purchases), and only the bracket depends on t: the sum is the first and
    last factors times sum_k (bracket_k - bracket_{k-1}) / (1 + rate)^k, with bracket_0 = 0
    (E[Y(0)] = 0). The brackets are evaluated once per distinct (x, T) of ``xT_groups``
    (distinct_pairs), P(alive) once per row, not once per step.
    """
    r, alpha, a, b = _bg_nbd_values(params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    (pair_x, pair_T), inverse = xT_groups if xT_groups is not None else ((x, T), None)
    with np.errstate(all="ignore"):
        steps_sum = np.zeros(np.shape(pair_x))
        previous = np.zeros(np.shape(pair_x))
        for k in range(1, steps + 1):
            bracket = _bg_nbd_bracket(r, alpha, a, b, k * step_length, pair_x, pair_T)
            steps_sum = steps_sum + (bracket - previous) / (1.0 + rate) ** k
            previous = bracket
        if inverse is not None:
            steps_sum = steps_sum[inverse]
        total = (a + b + x - 1) / (a - 1) * steps_sum * bg_nbd_p_alive(params, x, t_x, T)
    return np.where(np.isfinite(total), total, np.nan)


def bg_nbd_simulate(params, T, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw (x, t_x) for customers observed for T after their first purchase, from BG/NBD.

    lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); the customer makes K ~ Geometric(p) repeat
    purchases at most (drops out right after the K-th). Given N ~ Poisson(lambda T) arrivals in
    (0, T], x = min(N, K) and t_x is the x-th of N uniform arrival times on (0, T], i.e.
    T * Beta(x, N - x + 1).
    """
    r, alpha, a, b = _bg_nbd_values(params)
    T = np.asarray(T, dtype=float)
    n = T.shape[0]
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    arrivals = rng.poisson(rate * T)
    purchases_before_dropout = rng.geometric(np.clip(dropout, 1e-12, 1.0))
    x = np.minimum(arrivals, purchases_before_dropout)
    t_x = np.zeros(n)
    repeat = x > 0
    t_x[repeat] = T[repeat] * rng.beta(x[repeat], arrivals[repeat] - x[repeat] + 1)
    return x.astype(float), t_x


def _bg_nbd_dropout_log_odds(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """ln(a/(b+x-1)) + (r+x) ln((alpha+T)/(alpha+t_x)) for x > 0; -inf for x = 0."""
    out = np.full(np.broadcast(x, t_x, T).shape, -np.inf)
    x, t_x, T = np.broadcast_arrays(x, t_x, T)
    repeat = x > 0
    xr = x[repeat]
    out[repeat] = (np.log(a) - np.log(b + xr - 1)
                   + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat])))
    return out


def _check_bg_nbd_inputs(x, t_x, T, w) -> None:
    if not (len(x) == len(t_x) == len(T) == len(w)):
        raise ValueError("x, t_x, T and weights must have the same length")
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("x (frequency) must be whole numbers >= 0")
    if np.any(t_x < 0) or np.any(t_x > T):
        raise ValueError("need 0 <= t_x (recency) <= T")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("t_x (recency) must be 0 when x (frequency) is 0")
    if np.any(w < 0):
        raise ValueError("weights must be >= 0")


# --------------------------------------------------------------------------------------------
# Gamma-Gamma


def gamma_gamma_log_likelihood(params, x, m) -> np.ndarray:
    """Log-likelihood of each repeat customer's mean spend m over x purchases (x > 0, m > 0).

    Fader & Hardie (2013), eq. 3: f(m | p, q, v, x) =
    G(px+q) / (G(px) G(q)) * v^q m^(px-1) x^(px) / (v + m x)^(px+q).
    """
    p, q, v = _gamma_gamma_values(params)
    x, m = (np.asarray(a, dtype=float) for a in (x, m))
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(v + m * x))


def gamma_gamma_log_likelihood_gradient(params, x, m, x_groups=None
                                        ) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-likelihood and its gradient with respect to ln p, ln q, ln v.

    d/dp = x (psi(px+q) - psi(px) + ln(m) + ln(x) - ln(v + m x))
    d/dq = psi(px+q) - psi(q) + ln(v) - ln(v + m x)
    d/dv = q/v - (px+q)/(v + m x), each times the parameter.
    Functions of x alone are evaluated once per distinct x, as in the BG/NBD gradient.
    """
    p, q, v = _gamma_gamma_values(params)
    x, m = (np.asarray(a, dtype=float) for a in (x, m))
    ux, inverse = np.unique(x, return_inverse=True) if x_groups is None else x_groups
    px = p * x
    pux = p * ux
    gammaln_pxq = gammaln(pux + q)[inverse]
    gammaln_px = gammaln(pux)[inverse]
    ln_m = np.log(m)
    ln_x = np.log(ux)[inverse]
    log_total = np.log(v + m * x)
    # The likelihood exactly as gamma_gamma_log_likelihood computes it.
    ll = (gammaln_pxq - gammaln_px - gammaln(q) + q * np.log(v)
          + (px - 1) * ln_m + px * ln_x - (px + q) * log_total)
    digamma_pxq = digamma(pux + q)[inverse]
    d_p = x * (digamma_pxq - digamma(pux)[inverse] + ln_m + ln_x - log_total)
    d_q = digamma_pxq - digamma(q) + np.log(v) - log_total
    d_v = q / v - (px + q) / (v + m * x)
    return ll, np.vstack([d_p * p, d_q * q, d_v * v])


def gamma_gamma_fit(x, m, weights=None, *, initial=None, max_iterations: int = 2000,
                    max_seconds: float | None = None, max_rows: int | None = None,
                    bin_width: float | None = None) -> FitResult:
    """Maximum-likelihood Gamma-Gamma estimates of (p, q, v) from repeat customers' (x, m).

    The start is p = 2, q = 3 and v = mean m (so that the mean spend p v / (q - 1) = mean m),
    unless ``initial`` is given. Bounds as in ``bg_nbd_fit``: above ``max_rows`` rows, m is
    binned on a log grid (``bin_gamma_gamma_rows``; ``bin_width`` in ln m, default 0.001,
    doubled until at most ``max_rows`` rows are left).
    """
    x, m = (np.asarray(a, dtype=float) for a in (x, m))
    w = _weights(weights, len(x))
    if not (len(x) == len(m) == len(w)):
        raise ValueError("x, m and weights must have the same length")
    if np.any(x <= 0) or np.any(m <= 0):
        raise ValueError("Gamma-Gamma is fitted on repeat customers: x > 0 and m > 0")
    total = w.sum()
    if initial is None:
        mean_spend = float(np.average(m, weights=w)) if total > 0 else 1.0
        initial = {"p": 2.0, "q": 3.0, "v": mean_spend}
    exact = (x, m, w)
    width = 0.0
    if _binned(len(x), max_rows, bin_width):
        x, m, w, width = _coarsest_needed(
            lambda h: bin_gamma_gamma_rows(*exact, h),
            bin_width if bin_width is not None else GAMMA_GAMMA_BIN_WIDTH, max_rows)

    x_groups = np.unique(x, return_inverse=True)

    def objective(log_params):
        ll, gradient = gamma_gamma_log_likelihood_gradient(np.exp(log_params), x, m, x_groups)
        return -(w * ll).sum() / total, -(gradient * w).sum(axis=1) / total

    result = _maximise("gamma_gamma", GAMMA_GAMMA_PARAMETERS, objective, initial, total, len(x),
                       max_iterations, max_seconds)
    if width:
        result = _with_exact_log_likelihood(
            result, width, lambda p: gamma_gamma_log_likelihood(p, *exact[:2]), exact[2])
    return result


def gamma_gamma_expected_spend(params, x, m) -> np.ndarray:
    """E[M | p, q, v, m_x, x]: expected spend per purchase (Fader & Hardie 2013, eq. 5).

    (v + m x) p / (p x + q - 1): a weighted mean of the population mean p v / (q - 1) and the
    customer's observed mean m. For x = 0 it is the population mean. NaN when q <= 1 (the
    population mean is infinite).
    """
    p, q, v = _gamma_gamma_values(params)
    x, m = (np.asarray(a, dtype=float) for a in (x, m))
    if q <= 1:
        return np.full(np.broadcast(x, m).shape, np.nan)
    m = np.where(x > 0, m, 0.0)
    return (v + m * x) * p / (p * x + q - 1)


# --------------------------------------------------------------------------------------------
# The warehouse's RFM summary (days) -> fits and per-customer predictions

DAYS_PER_WEEK = 7.0
# Horizons of the per-customer predictions, in days, and the discounting grid.
HORIZON_SHORT_DAYS = 90.0
HORIZON_YEAR_DAYS = 365.0
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class RfmFit:
    """Both models fitted on one RFM summary, with the counts and the assumption check."""

    bg_nbd: FitResult
    gamma_gamma: FitResult
    customers: int
    repeat_customers: int
    frequency_monetary_correlation: float


def fit_rfm(bg_rows, gg_rows, *, min_repeat_customers: int = 10,
            time_unit_days: float = DAYS_PER_WEEK, initial_bg_nbd=None,
            initial_gamma_gamma=None, max_rows: int | None = MAX_FIT_ROWS,
            max_seconds: float | None = FIT_MAX_SECONDS,
            max_iterations: int = FIT_MAX_ITERATIONS) -> RfmFit:
    """Fit BG/NBD and Gamma-Gamma on a warehouse's RFM summary, never raising.

    ``bg_rows``: (frequency, recency_days, t_days, customers), the distinct combinations over
    all customers; ``gg_rows``: (frequency, monetary_value, customers), the distinct
    combinations over the repeat customers with monetary_value > 0. Recency and T are divided
    by ``time_unit_days`` (7: weeks, the unit of the published CDNOW parameters). With fewer
    than ``min_repeat_customers`` repeat customers a model is not fitted (the guard); a fit
    that fails or does not converge is returned with converged = False and a message.

    Bounded: a model with more than ``max_rows`` distinct rows is fitted on binned rows
    (recency and T on a grid from one day, monetary value on a log grid; None: never binned),
    and each optimiser stops after ``max_iterations`` iterations or ``max_seconds`` seconds.
    ``initial_bg_nbd`` / ``initial_gamma_gamma``: a warm start (e.g. the previous fit's
    parameters); ignored unless every value is finite and > 0.
    """
    frequency, recency, t_days, counts = (np.asarray(c, dtype=float) for c in bg_rows)
    gg_frequency, gg_monetary, gg_counts = (np.asarray(c, dtype=float) for c in gg_rows)
    customers = int(counts.sum())
    repeat_customers = int(counts[frequency > 0].sum())
    gg_customers = int(gg_counts.sum())
    correlation = weighted_correlation(gg_frequency, gg_monetary, gg_counts)
    bounds = {"max_rows": max_rows, "max_seconds": max_seconds,
              "max_iterations": max_iterations}

    if repeat_customers < min_repeat_customers:
        bg_nbd = not_fitted("bg_nbd", _too_few(repeat_customers, min_repeat_customers),
                            customers)
    else:
        bg_nbd = _guarded(lambda: bg_nbd_fit(
            frequency, recency / time_unit_days, t_days / time_unit_days, counts,
            initial=_usable(initial_bg_nbd, BG_NBD_PARAMETERS),
            bin_unit=1.0 / time_unit_days, **bounds), "bg_nbd", customers)
    if gg_customers < min_repeat_customers:
        gamma_gamma = not_fitted(
            "gamma_gamma", _too_few(gg_customers, min_repeat_customers,
                                    " with monetary_value > 0"), gg_customers)
    else:
        gamma_gamma = _guarded(lambda: gamma_gamma_fit(
            gg_frequency, gg_monetary, gg_counts,
            initial=_usable(initial_gamma_gamma, GAMMA_GAMMA_PARAMETERS), **bounds),
            "gamma_gamma", gg_customers)
        if gamma_gamma.converged and gamma_gamma.params["q"] <= 1:
            gamma_gamma = replace(gamma_gamma, message=(
                "converged, but q <= 1: the mean spend p v / (q - 1) is infinite, "
                "so no expected order value"))
    return RfmFit(bg_nbd, gamma_gamma, customers, repeat_customers, correlation)


def _usable(initial, names) -> dict[str, float] | None:
    """``initial`` as a warm start, or None (a cold start) unless all ``names`` are > 0."""
    if initial is None:
        return None
    try:
        values = {n: float(initial[n]) for n in names}
    except (KeyError, TypeError, ValueError):
        return None
    return values if all(math.isfinite(v) and v > 0 for v in values.values()) else None


def _distinct_in_unit(frequency, recency_days, t_days, time_unit_days: float):
    """The distinct (x, t_x, T) of the customers in the time unit, each row's index into
    them, and the distinct (x, T) pairs (distinct_pairs). Grouped in days, whole numbers that
    distinct_rows sorts as one packed key, then divided: the same rows, in the same order,
    as grouping the quotients."""
    (x, t_x, T), _, inverse = distinct_rows(frequency, recency_days, t_days)
    (ux, uT), pair_index = distinct_pairs(x, T)
    return ((x, t_x / time_unit_days, T / time_unit_days), inverse,
            ((ux, uT / time_unit_days), pair_index))


def predict_customers(bg_nbd_params, gamma_gamma_params, frequency, recency_days, t_days,
                      monetary_value, *, discount_rate_monthly: float,
                      time_unit_days: float = DAYS_PER_WEEK) -> dict[str, np.ndarray]:
    """Per-customer predictions from fitted parameters (None: that model is unusable -> NaN).

    Returns arrays p_alive, expected_purchases_90d, expected_purchases_365d,
    discounted_expected_purchases_365d (12 monthly steps of 365/12 days, each step's expected
    purchases divided by (1 + discount_rate_monthly)^m, m = 1..12) and
    expected_avg_order_value (Gamma-Gamma conditional expectation). BG/NBD quantities are
    computed once per distinct (frequency, recency, T).
    """
    frequency, recency_days, t_days, monetary_value = (
        np.asarray(c, dtype=float) for c in (frequency, recency_days, t_days, monetary_value))
    n = frequency.shape[0]
    nan = np.full(n, np.nan)
    out = {name: nan.copy() for name in (
        "p_alive", "expected_purchases_90d", "expected_purchases_365d",
        "discounted_expected_purchases_365d", "expected_avg_order_value")}
    if bg_nbd_params is not None and n:
        (x, t_x, T), inverse, pairs = _distinct_in_unit(frequency, recency_days, t_days,
                                                        time_unit_days)
        per_row = {
            "p_alive": bg_nbd_p_alive(bg_nbd_params, x, t_x, T),
            "expected_purchases_90d": bg_nbd_expected_purchases(
                bg_nbd_params, HORIZON_SHORT_DAYS / time_unit_days, x, t_x, T, pairs),
            "expected_purchases_365d": bg_nbd_expected_purchases(
                bg_nbd_params, HORIZON_YEAR_DAYS / time_unit_days, x, t_x, T, pairs),
            "discounted_expected_purchases_365d": bg_nbd_discounted_purchases(
                bg_nbd_params, x, t_x, T, steps=MONTHS_PER_YEAR,
                step_length=HORIZON_YEAR_DAYS / MONTHS_PER_YEAR / time_unit_days,
                rate=discount_rate_monthly, xT_groups=pairs),
        }
        for name, values in per_row.items():
            out[name] = values[inverse]
    if gamma_gamma_params is not None and n:
        out["expected_avg_order_value"] = gamma_gamma_expected_spend(
            gamma_gamma_params, frequency, monetary_value)
    return out


def predict_holdout_purchases(bg_nbd_params, frequency, recency_days, t_days, holdout_days, *,
                              time_unit_days: float = DAYS_PER_WEEK) -> np.ndarray:
    """E[X(h) | x, t_x, T] per customer: the BG/NBD conditional expectation of the purchases in
    the h = ``holdout_days`` days after the calibration end, from the RFM summary at the
    calibration end in days (FHL 2005, eq. 10, as ``bg_nbd_expected_purchases``).

    Days are divided by ``time_unit_days``, the unit the parameters were fitted in (weeks).
    NaN for every customer when ``bg_nbd_params`` is None (not fitted). Computed once per
    distinct (frequency, recency, T) and, for the 2F1, once per distinct (frequency, T).
    """
    frequency, recency_days, t_days = (
        np.asarray(c, dtype=float) for c in (frequency, recency_days, t_days))
    n = frequency.shape[0]
    if bg_nbd_params is None or not n:
        return np.full(n, np.nan)
    (x, t_x, T), inverse, pairs = _distinct_in_unit(frequency, recency_days, t_days,
                                                    time_unit_days)
    expected = bg_nbd_expected_purchases(bg_nbd_params, float(holdout_days) / time_unit_days,
                                         x, t_x, T, pairs)
    return expected[inverse]


def weighted_correlation(x, y, weights) -> float:
    """Pearson correlation of x and y with frequency weights; NaN when undefined."""
    x, y, w = (np.asarray(v, dtype=float) for v in (x, y, weights))
    if w.sum() <= 1:
        return float("nan")
    mx, my = np.average(x, weights=w), np.average(y, weights=w)
    cov = np.average((x - mx) * (y - my), weights=w)
    sx = np.sqrt(np.average((x - mx) ** 2, weights=w))
    sy = np.sqrt(np.average((y - my) ** 2, weights=w))
    if sx == 0 or sy == 0:
        return float("nan")
    return float(cov / (sx * sy))


def _too_few(found: int, minimum: int, what: str = "") -> str:
    return (f"not fitted: {found} repeat customers{what}, fewer than "
            f"var('clv_min_repeat_customers') = {minimum}")


def _guarded(fit, model: str, customers: int) -> FitResult:
    try:
        return fit()
    except Exception as error:  # a failed fit is reported in the mart, never raised
        return not_fitted(model, f"fit failed: {type(error).__name__}: {error}", customers)


# --------------------------------------------------------------------------------------------
# Fitting


class _OutOfTime(Exception):
    """Raised by the objective once a fit's time budget is spent."""


class _Stalled(Exception):
    """Raised by Nelder-Mead's callback when its best value stopped improving."""


# The Nelder-Mead retry stops when its best mean negative log-likelihood improved by less than
# STALL_TOLERANCE in its last STALL_ITERATIONS iterations: it then crawls along a flat
# likelihood (parameters running away, the data do not identify the model), and would spend
# its 5,000 iterations on a change in the 9th digit (12 customers: 3.5 s). A retry near an
# optimum meets its own tolerances first (its simplex shrinks by half every few iterations).
STALL_ITERATIONS = 200
STALL_TOLERANCE = 1e-10


def _maximise(model, names, objective, initial, customers, rows, max_iterations,
              max_seconds=None) -> FitResult:
    """Minimise ``objective`` (mean negative log-likelihood and gradient) over log-parameters.

    L-BFGS-B, then Nelder-Mead from where it stopped if it did not converge, both bounded by
    ``max_iterations`` and, when given, by ``max_seconds`` in all: once the time is spent the
    fit stops at the best point evaluated and reports converged = False and why.
    """
    start = time.perf_counter()
    deadline = math.inf if max_seconds is None else start + max_seconds
    x0 = np.clip(np.log([float(initial[n]) for n in names]), -LOG_BOUND, LOG_BOUND)
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(names)
    best = {"fun": np.inf, "x": x0}
    iterations = [0]

    def timed(z):
        if time.perf_counter() > deadline:
            raise _OutOfTime
        value, gradient = objective(z)
        if np.isfinite(value) and value < best["fun"]:
            best.update(fun=value, x=np.array(z, dtype=float))
        return value, gradient

    def count(*_):
        iterations[0] += 1

    progress = {}  # Nelder-Mead's best value STALL_ITERATIONS ago

    def count_and_watch(*_):
        count()
        if iterations[0] - progress["iteration"] >= STALL_ITERATIONS:
            if progress["fun"] - best["fun"] < STALL_TOLERANCE:
                raise _Stalled
            progress.update(iteration=iterations[0], fun=best["fun"])

    out_of_time = stalled = False
    result = None
    with np.errstate(all="ignore"):
        try:
            result = minimize(timed, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                              callback=count,
                              options={"maxiter": max_iterations, "ftol": 1e-13,
                                       "gtol": 1e-9})
            if not result.success or not np.isfinite(result.fun):
                # A second try from where L-BFGS-B stopped: Nelder-Mead needs no gradient.
                progress.update(iteration=iterations[0], fun=best["fun"])
                retry = minimize(lambda z: timed(z)[0],
                                 np.clip(result.x, -LOG_BOUND, LOG_BOUND),
                                 method="Nelder-Mead", callback=count_and_watch,
                                 options={"maxiter": max_iterations * 5, "xatol": 1e-9,
                                          "fatol": 1e-12})
                if np.isfinite(retry.fun) and (retry.fun <= result.fun or not result.success):
                    result = retry
        except _OutOfTime:
            out_of_time = True
        except _Stalled:
            stalled = True
    if out_of_time or stalled:
        estimate, fun, success = best["x"], best["fun"], False
    else:
        estimate, fun, success = result.x, result.fun, bool(result.success)
    params = dict(zip(names, (float(v) for v in np.exp(estimate)), strict=True))
    at_bound = [n for n, v in zip(names, estimate, strict=True)
                if abs(v) >= LOG_BOUND - 1e-6]
    finite = bool(np.isfinite(fun))
    converged = success and finite and not at_bound
    if converged:
        message = "converged"
    elif out_of_time:
        message = (f"did not converge within the time budget of {max_seconds:g} s "
                   f"({iterations[0]} iterations): the best estimate reached")
    elif not finite:
        message = "the log-likelihood is not finite at the estimate"
    elif at_bound:
        message = ("estimate ran to the bound of " + ", ".join(at_bound)
                   + f" (exp(+-{LOG_BOUND:g})): the data do not identify the model")
    elif stalled:
        message = (f"did not converge in {iterations[0]} iterations: Nelder-Mead's best value "
                   f"improved by less than {STALL_TOLERANCE:g} in its last {STALL_ITERATIONS}"
                   " (a flat likelihood: the data hardly identify the model)")
    else:
        message = f"did not converge in {iterations[0]} iterations: {result.message}"
    return FitResult(
        model=model,
        params=params,
        log_likelihood=float(-fun * customers) if finite else float("nan"),
        converged=converged,
        message=message,
        customers=int(round(customers)),
        rows=rows,
        iterations=iterations[0],
        seconds=time.perf_counter() - start,
    )


def bin_bg_nbd_rows(x, t_x, T, weights, width: float, unit: float = 1.0):
    """BG/NBD rows binned: one row per x and cell of (t_x, T) on a grid that is logarithmic
    in time and finer for larger x.

    The cell of a time t is floor(ln(1 + t/unit) (1 + x) / width): the likelihood depends on
    t through (r + x) ln(alpha + t), so a cell moves that term by about ``width`` at most
    whatever x and t. ``unit``: the data's resolution (one day in the fit's time unit). A
    cell's row has the summed weight and the weighted means of its rows' t_x and T (so
    t_x <= T and t_x = 0 when x = 0 still hold). Returns (x, t_x, T, weights).
    """
    x, t_x, T, w = (np.asarray(v, dtype=float) for v in (x, t_x, T, weights))
    keep = w > 0
    x, t_x, T, w = x[keep], t_x[keep], T[keep], w[keep]
    scale = (1.0 + x) / width
    (x_b, _, _), _, inverse = distinct_rows(x, np.floor(np.log1p(t_x / unit) * scale),
                                            np.floor(np.log1p(T / unit) * scale))
    w_b = np.bincount(inverse, weights=w)
    t_x_b = np.bincount(inverse, weights=w * t_x) / w_b
    T_b = np.bincount(inverse, weights=w * T) / w_b
    return x_b, np.minimum(t_x_b, T_b), T_b, w_b


def bin_gamma_gamma_rows(x, m, weights, width: float):
    """Gamma-Gamma rows binned on a log grid: one row per x and cell of ln m of ``width``.

    A cell's row has the summed weight and the weighted geometric mean of its rows' m (so the
    likelihood's ln m term is exact). Returns (x, m, weights).
    """
    x, m, w = (np.asarray(v, dtype=float) for v in (x, m, weights))
    keep = w > 0
    x, m, w = x[keep], m[keep], w[keep]
    ln_m = np.log(m)
    (x_b, _), _, inverse = distinct_rows(x, np.floor(ln_m / width))
    w_b = np.bincount(inverse, weights=w)
    return x_b, np.exp(np.bincount(inverse, weights=w * ln_m) / w_b), w_b


def _binned(rows: int, max_rows: int | None, bin_width: float | None) -> bool:
    """Whether a fit bins its rows: above ``max_rows``, or always on a given grid alone."""
    return rows > max_rows if max_rows is not None else bin_width is not None


def _coarsest_needed(binner, width: float, max_rows: int | None):
    """``binner(width)`` for width, 2 width, 4 width, ... until at most ``max_rows`` rows
    are left (or a cell per x: coarser does not help). Returns its columns and the width."""
    while True:
        columns = binner(width)
        rows = len(columns[0])
        if max_rows is None or rows <= max_rows or rows == len(np.unique(columns[0])):
            return (*columns, width)
        width *= 2


def _with_exact_log_likelihood(result: FitResult, width: float, log_likelihood, weights
                               ) -> FitResult:
    """A fit on binned rows, with the log-likelihood of the rows before binning."""
    if not all(np.isfinite(v) for v in result.params.values()):
        return replace(result, bin_width=width)
    with np.errstate(all="ignore"):
        ll = float((weights * log_likelihood(result.params)).sum())
    return replace(result, bin_width=width, log_likelihood=ll if np.isfinite(ll) else math.nan)


def not_fitted(model: str, message: str, customers: int = 0) -> FitResult:
    """A FitResult for a model that was not fitted (the guard): NaN parameters."""
    names = BG_NBD_PARAMETERS if model == "bg_nbd" else GAMMA_GAMMA_PARAMETERS
    return FitResult(model=model, params={n: float("nan") for n in names},
                     log_likelihood=float("nan"), converged=False, message=message,
                     customers=customers, rows=0)


def _bg_nbd_values(params) -> tuple[float, float, float, float]:
    if isinstance(params, dict):
        return tuple(float(params[n]) for n in BG_NBD_PARAMETERS)
    r, alpha, a, b = (float(v) for v in params)
    return r, alpha, a, b


def _gamma_gamma_values(params) -> tuple[float, float, float]:
    if isinstance(params, dict):
        return tuple(float(params[n]) for n in GAMMA_GAMMA_PARAMETERS)
    p, q, v = (float(x) for x in params)
    return p, q, v
