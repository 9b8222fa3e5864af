"""BG/NBD and Gamma-Gamma fitted by maximum likelihood on the RFM summary (one row per model
and parameter), with the fit's diagnostics.

dbt-duckdb runs this in-process; the math is in loyalty_analytics.btyd (numpy, scipy).
BG/NBD is fitted on the distinct (frequency, recency, t) combinations of all customers,
weighted by their counts, with recency and t converted from days to weeks (/ 7): alpha is per
week, the unit of the published CDNOW estimates. Gamma-Gamma is fitted on the repeat customers
(frequency > 0) with monetary_value > 0, also on distinct combinations. Too few repeat
customers (var clv_min_repeat_customers) or a fit that fails gives is_converged = false and a
message, never a failed build.
"""

import math

import pandas as pd

from loyalty_analytics import btyd


def model(dbt, session):
    minimum = _whole_number(dbt.config.meta_get("clv_min_repeat_customers", 10),
                            "clv_min_repeat_customers")
    rfm = dbt.ref("int_customer_rfm_summarised")

    # Sorted: the sums of the likelihood, and so the last digits of the fit, must not depend on
    # the order in which the table's rows happen to be stored (an incremental run appends).
    bg_rows = rfm.aggregate(
        "frequency, recency, t, count(*) as customers", "frequency, recency, t"
    ).order("frequency, recency, t").fetchnumpy()
    repeaters = rfm.filter("frequency > 0 and monetary_value > 0")
    gg_rows = repeaters.aggregate(
        "frequency, monetary_value, count(*) as customers", "frequency, monetary_value"
    ).order("frequency, monetary_value").fetchnumpy()
    observation = rfm.aggregate("max(observation_date) as observation_date").fetchall()[0][0]

    fit = btyd.fit_rfm(
        (bg_rows["frequency"], bg_rows["recency"], bg_rows["t"], bg_rows["customers"]),
        (gg_rows["frequency"], gg_rows["monetary_value"], gg_rows["customers"]),
        min_repeat_customers=minimum,
    )

    rows = []
    for result in (fit.bg_nbd, fit.gamma_gamma):
        for name, value in result.params.items():
            rows.append({
                "model_name": result.model,
                "parameter_name": name,
                "parameter_value": value,
                "log_likelihood": result.log_likelihood,
                "customers": fit.customers,
                "repeat_customers": fit.repeat_customers,
                "fitted_customers": result.customers,
                "fitted_rows": result.rows,
                "iterations": result.iterations,
                "is_converged": result.converged,
                "message": result.message,
                "observation_date": observation,
                "frequency_monetary_correlation": fit.frequency_monetary_correlation,
            })
    frame = pd.DataFrame(rows)
    frame["observation_date"] = pd.to_datetime(frame["observation_date"]).dt.date
    return frame


def _whole_number(value, name):
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number != int(number) or number < 1:
        raise ValueError(f"var('{name}') must be a whole number >= 1, got {value!r}")
    return int(number)
