"""Per customer: P(alive), expected purchases over the next 90 and 365 days (BG/NBD), the
expected spend per purchase (Gamma-Gamma) and the expected purchases of the next 365 days
discounted monthly, from the parameters of int_btyd_parameters_fitted.

Discounting: the year after the observation date is cut into 12 steps of 365/12 days; step m's
expected purchases E[Y(m 365/12)] - E[Y((m-1) 365/12)] are divided by
(1 + var('clv_discount_rate_monthly'))^m and summed (end-of-month discounting). mart_customer_clv
multiplies that by the expected spend per purchase and var('gross_margin_rate').
A model that did not converge gives NULL for the quantities that need it.
"""

import math

try:
    from loyalty_analytics import btyd, model_vars, relations
except ImportError as error:  # installed as a dbt package, in a Python without the project
    raise ImportError(
        "loyalty_analytics: the predictive CLV models import the Python package "
        "loyalty_analytics: pip install it into the Python that runs dbt, or set the var "
        "predictive_clv_enabled: false (docs/warehouse.md, 'As a package')") from error


def model(dbt, session):
    rate = model_vars.monthly_rate(dbt.config.meta_get("clv_discount_rate_monthly", 0.01),
                                   "clv_discount_rate_monthly")
    parameters = dbt.ref("int_btyd_parameters_fitted").project(
        "model_name, parameter_name, parameter_value, is_converged").fetchall()
    # Arrow in, a DuckDB relation out (loyalty_analytics.relations: no pandas in dbt's
    # process): a million customer ids never become Python strings.
    rfm = dbt.ref("int_customer_rfm_summarised").project(
        "customer_id, frequency, recency, t, monetary_value"
    ).to_arrow_table()
    column = relations.float_columns(rfm, ["frequency", "recency", "t", "monetary_value"])

    predictions = btyd.predict_customers(
        _usable(parameters, "bg_nbd"),
        _usable(parameters, "gamma_gamma"),
        column["frequency"],
        column["recency"],
        column["t"],
        column["monetary_value"],
        discount_rate_monthly=rate,
    )
    # NaN -> NULL
    return relations.numeric_relation(session, "customer_id", rfm.column("customer_id"),
                                      predictions)


def _usable(parameters, model_name):
    """The converged parameters of one model as a dict, or None."""
    rows = {name: math.nan if value is None else float(value)
            for model, name, value, converged in parameters
            if model == model_name and converged}
    return rows or None
