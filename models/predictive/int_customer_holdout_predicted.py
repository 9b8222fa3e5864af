"""The holdout validation's prediction (metrics.md, "Predictive CLV: holdout validation"):
BG/NBD fitted on the calibration period (int_customer_rfm_calibrated: the RFM summary at the
as-of date minus var clv_holdout_days), then per customer the conditional expectation of the
purchase days in the holdout, E[X(h) | frequency, recency, T] (loyalty_analytics.btyd).

Fitted exactly as int_btyd_parameters_fitted fits the live model: distinct (frequency,
recency, t) rows weighted by their counts, days / 7 (weeks), the same guard (too few repeat
customers: not fitted) and never a failed build; a model that is not fitted or does not converge
gives NULL predictions. Not built when the var is unset (the yml's `enabled`).
"""

try:
    from loyalty_analytics import btyd, model_vars, relations
except ImportError as error:  # installed as a dbt package, in a Python without the project
    raise ImportError(
        "loyalty_analytics: the predictive CLV models import the Python package "
        "loyalty_analytics: pip install it into the Python that runs dbt, or set the var "
        "predictive_clv_enabled: false (docs/warehouse.md, 'As a package')") from error


def model(dbt, session):
    minimum = model_vars.whole_number(dbt.config.meta_get("clv_min_repeat_customers", 10),
                                      "clv_min_repeat_customers")
    rfm = dbt.ref("int_customer_rfm_calibrated")
    # Sorted, as in int_btyd_parameters_fitted: the fit must not depend on the storage order.
    bg_rows = rfm.aggregate(
        "frequency, recency, t, count(*) as customers", "frequency, recency, t"
    ).order("frequency, recency, t").fetchnumpy()
    customers = rfm.project("customer_id, frequency, recency, t, holdout_days").order(
        "customer_id").to_arrow_table()

    predicted = []
    if customers.num_rows:
        fit = btyd.fit_rfm(
            (bg_rows["frequency"], bg_rows["recency"], bg_rows["t"], bg_rows["customers"]),
            ([], [], []),  # no Gamma-Gamma: the holdout counts purchases, not spend
            min_repeat_customers=minimum,
        )
        params = fit.bg_nbd.params if fit.bg_nbd.converged else None
        column = relations.float_columns(customers, ["frequency", "recency", "t",
                                                     "holdout_days"])
        predicted = btyd.predict_holdout_purchases(
            params, column["frequency"], column["recency"], column["t"],
            column["holdout_days"][0])
    # A DuckDB relation, NaN -> NULL (loyalty_analytics.relations: no pandas in dbt's process)
    return relations.numeric_relation(
        session, "customer_id", customers.column("customer_id"),
        {"predicted_holdout_purchases": predicted})
