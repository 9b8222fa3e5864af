"""Time the BTYD fit alone (loyalty_analytics.btyd.fit_rfm, as int_btyd_parameters_fitted
calls it) on generated orders; print one JSON line and optionally write it to --out.

    python bench/btyd_fit.py --orders bench/.data/10m-.../parquet/orders.parquet
    python bench/btyd_fit.py --warehouse raw_warehouse.duckdb

The RFM summary is computed here in DuckDB, as the project's models define it for the
generated data: purchase days of the completed orders (the generator's valid orders: clean
rows), observation date = the latest purchase day, frequency = purchase days - 1, recency and
t in days, monetary_value = mean revenue of the repeat days. Then the distinct combinations
(as the dbt model aggregates them), then the fit, timed on its own.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from loyalty_analytics import btyd

RFM_SQL = """
with days as (
    select customer_id, cast(ordered_at as date) as day, sum(order_total) as revenue
    from {source}
    where status = 'completed'
    group by 1, 2
),
observation as (select max(day) as observation_date from days),
per_customer as (
    select
        customer_id,
        min(day) as first_day,
        max(day) as last_day,
        count(*) - 1 as frequency,
        sum(revenue) - arg_min(revenue, day) as repeat_revenue
    from days
    group by 1
)
select
    frequency,
    date_diff('day', first_day, last_day) as recency,
    date_diff('day', first_day, observation_date) as t,
    case when frequency = 0 then 0.0
        else cast(repeat_revenue as double) / frequency end as monetary_value
from per_customer
cross join observation
"""


def rfm_rows(con: duckdb.DuckDBPyConnection, source: str) -> tuple[dict, dict]:
    con.execute(f"create or replace temp table rfm as {RFM_SQL.format(source=source)}")
    bg = con.sql("select frequency, recency, t, count(*) as customers from rfm "
                 "group by all order by all").fetchnumpy()
    gg = con.sql("select frequency, monetary_value, count(*) as customers from rfm "
                 "where frequency > 0 and monetary_value > 0 group by all order by all"
                 ).fetchnumpy()
    return bg, gg


def fit(bg: dict, gg: dict, **bounds) -> dict:
    started = time.perf_counter()
    result = btyd.fit_rfm((bg["frequency"], bg["recency"], bg["t"], bg["customers"]),
                          (gg["frequency"], gg["monetary_value"], gg["customers"]), **bounds)
    seconds = time.perf_counter() - started
    out = {"seconds": seconds, "customers": result.customers,
           "bg_distinct_rows": len(bg["customers"]), "gg_distinct_rows": len(gg["customers"])}
    for fitted in (result.bg_nbd, result.gamma_gamma):
        out[fitted.model] = {
            "seconds": fitted.seconds, "iterations": fitted.iterations,
            "is_converged": fitted.converged, "message": fitted.message,
            "fitted_rows": fitted.rows, "bin_width": fitted.bin_width,
            "params": fitted.params, "log_likelihood": fitted.log_likelihood}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--orders", type=Path, help="orders.parquet of `loyalty generate`")
    source.add_argument("--warehouse", type=Path, help="DuckDB file with raw.orders")
    parser.add_argument("--exact", action="store_true",
                        help="no bounds (no binning, no time limit): the fit before the bounds")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    if args.orders:
        con = duckdb.connect()
        relation = f"read_parquet('{args.orders}')"
    else:
        con = duckdb.connect(str(args.warehouse), read_only=True)
        relation = "raw.orders"
    started = time.perf_counter()
    bg, gg = rfm_rows(con, relation)
    rfm_seconds = time.perf_counter() - started
    bounds = {"max_rows": None, "max_seconds": None, "max_iterations": 2000} if args.exact \
        else {}
    result = {"rfm_seconds": rfm_seconds, **fit(bg, gg, **bounds)}
    text = json.dumps(result, default=float)
    print(text, flush=True)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
