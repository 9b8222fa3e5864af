"""BG/NBD and Gamma-Gamma fitted by maximum likelihood on the RFM summary (one row per model
and parameter), with the fit's diagnostics.

dbt-duckdb runs this in-process; the math is in loyalty_analytics.btyd (numpy, scipy).
BG/NBD is fitted on the distinct (frequency, recency, t) combinations of all customers,
weighted by their counts, with recency and t converted from days to weeks (/ 7): alpha is per
week, the unit of the published CDNOW estimates. Gamma-Gamma is fitted on the repeat customers
(frequency > 0) with monetary_value > 0, also on distinct combinations. Too few repeat
customers (var clv_min_repeat_customers) or a fit that fails gives is_converged = false and a
message, never a failed build.

Bounded time (btyd.fit_rfm): above btyd.MAX_FIT_ROWS distinct combinations a model is fitted
on binned rows, and each optimiser stops after btyd.FIT_MAX_ITERATIONS iterations or
btyd.FIT_MAX_SECONDS seconds (is_converged = false and why when it does). The iteration cap
is deterministic; the time cap is not: a fit it stops (is_converged = false, message "did not
converge within the time budget ...") depends on the machine's speed and load, the one case
where two runs on the same input can give different rows.

The table is a function of the input alone, so that an incremental build equals
`dbt build --full-refresh` on the same raw data (docs/incremental.md): no timing, no record of
how the fit started, no warm start. When this model's table already exists and its
input_fingerprint (a hash of the rows the fit sees, the fit's settings and the btyd source) is
the one of this run, its rows are returned as they are: they were fitted cold from the same
input, so they are what a cold fit gives. Otherwise the models are fitted cold, from btyd's
default start (btyd's initial= warm starts land within 1e-5 of the cold optimum, not to the
last digit, and are not used here). var clv_btyd_refit = true ignores the previous table.
The fit's seconds per model, or that the rows were reused, are printed: dbt-duckdb runs
this in dbt's process, so the lines appear in the output of `dbt build` (not in logs/dbt.log).
"""

import hashlib
import inspect

import numpy as np

try:
    from loyalty_analytics import btyd, model_vars, relations
except ImportError as error:  # installed as a dbt package, in a Python without the project
    raise ImportError(
        "loyalty_analytics: the predictive CLV models import the Python package "
        "loyalty_analytics: pip install it into the Python that runs dbt, or set the var "
        "predictive_clv_enabled: false (docs/warehouse.md, 'As a package')") from error

# The table's columns and their types: the rows are returned as a DuckDB relation
# (loyalty_analytics.relations: no pandas in dbt's process).
COLUMN_TYPES = {
    "model_name": "varchar", "parameter_name": "varchar", "parameter_value": "double",
    "log_likelihood": "double", "customers": "bigint", "repeat_customers": "bigint",
    "fitted_customers": "bigint", "fitted_rows": "bigint", "iterations": "bigint",
    "is_converged": "boolean", "message": "varchar", "observation_date": "date",
    "frequency_monetary_correlation": "double", "bin_width": "double",
    "input_fingerprint": "varchar",
}
COLUMNS = list(COLUMN_TYPES)


def model(dbt, session):
    minimum = model_vars.whole_number(dbt.config.meta_get("clv_min_repeat_customers", 10),
                                      "clv_min_repeat_customers")
    refit = model_vars.flag(dbt.config.meta_get("clv_btyd_refit", False), "clv_btyd_refit")
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
    fingerprint = _fingerprint(bg_rows, gg_rows, observation, minimum)

    if not refit and _previous_fingerprint(session, dbt.this) == fingerprint:
        print(f"int_btyd_parameters_fitted: input fingerprint {fingerprint} unchanged, "
              "reused the previous parameters (no fit)")
        return session.sql(f"select {', '.join(COLUMNS)} from {dbt.this}")

    # Always from btyd's default start (no initial=): see the docstring.
    fit = btyd.fit_rfm(
        (bg_rows["frequency"], bg_rows["recency"], bg_rows["t"], bg_rows["customers"]),
        (gg_rows["frequency"], gg_rows["monetary_value"], gg_rows["customers"]),
        min_repeat_customers=minimum,
    )
    for result in (fit.bg_nbd, fit.gamma_gamma):
        print(f"int_btyd_parameters_fitted: {result.model} cold fit, {result.seconds:.3f} s, "
              f"{result.iterations} iterations: {result.message} (input fingerprint "
              f"{fingerprint})")

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
                "bin_width": result.bin_width,
                "input_fingerprint": fingerprint,
            })
    return relations.rows_relation(session, COLUMN_TYPES, rows)


def _fingerprint(bg_rows, gg_rows, observation, minimum):
    """sha256 (first 32 hex digits) of what decides the fit: the sorted rows it is fitted on,
    the observation date, the guard, the fit's bounds and the source of loyalty_analytics.btyd
    (a change to the fit's code refits)."""
    digest = hashlib.sha256()
    for rows in (bg_rows, gg_rows):
        for name in sorted(rows):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(np.asarray(rows[name], dtype=float)).tobytes())
    settings = (observation, minimum, btyd.MAX_FIT_ROWS, btyd.FIT_MAX_SECONDS,
                btyd.FIT_MAX_ITERATIONS, btyd.GAMMA_GAMMA_BIN_WIDTH)
    digest.update(repr(settings).encode())
    digest.update(inspect.getsource(btyd).encode())
    return digest.hexdigest()[:32]


def _previous_fingerprint(session, this):
    """The input fingerprint of the previous run's table, or None: no previous table, a table
    without these columns (an older version of this model), not one row per model and
    parameter, or rows of more than one fingerprint."""
    try:  # every column: a table without one of them cannot be returned as it is
        rows = session.sql(f"select {', '.join(COLUMNS)} from {this}").project(
            "model_name, parameter_name, input_fingerprint").fetchall()
    except Exception:  # no previous table, or another shape: fit from scratch
        return None
    models = {("bg_nbd", n) for n in btyd.BG_NBD_PARAMETERS} | {
        ("gamma_gamma", n) for n in btyd.GAMMA_GAMMA_PARAMETERS}
    fingerprints = {fingerprint for _, _, fingerprint in rows}
    if {(model, name) for model, name, _ in rows} != models or len(rows) != len(models) or len(
            fingerprints) != 1:
        return None
    return fingerprints.pop()
