"""pandas baseline for `make bench`: monthly retention and repeat purchase rate of the base.

Usage: python bench/pandas_monthly.py --orders DIR/orders.parquet --out CSV

The same numbers as bench/baseline_monthly.sql (see its header for the definitions), written
the way a Python analyst would: read the orders file into pandas, keep the valid orders,
pivot to a dense customer x month matrix, forward-fill the latest order date, compare it with
each month's end. One row per month in ``--out``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

WINDOW_DAYS = 365  # W: in the base at the end of d = a valid order in [d - W + 1, d]


def monthly(orders: pd.DataFrame) -> pd.DataFrame:
    valid = orders.loc[orders["status"] == "completed", ["customer_id", "ordered_at"]]
    valid = valid.assign(order_date=valid["ordered_at"].dt.floor("D"))
    valid["month"] = valid["order_date"].dt.to_period("M")
    as_of = valid["order_date"].max()

    months = pd.period_range(valid["month"].min(), as_of.to_period("M"), freq="M")
    month_start = months.to_timestamp()
    # The last month ends at the as-of date.
    month_end = np.minimum(months.to_timestamp(how="end").normalize(), as_of)

    per_month = valid.groupby(["customer_id", "month"]).agg(
        orders=("order_date", "size"), last_order=("order_date", "max")
    )
    # Dense customer x month matrices (every buyer, every month).
    order_counts = per_month["orders"].unstack("month").reindex(columns=months).fillna(0)
    last_order = per_month["last_order"].unstack("month").reindex(columns=months)
    last_order_to_date = last_order.ffill(axis=1)

    days_since = month_end.to_numpy() - last_order_to_date.to_numpy()  # NaT before 1st order
    in_base_end = days_since <= np.timedelta64(WINDOW_DAYS - 1, "D")
    in_base_start = np.zeros_like(in_base_end)
    in_base_start[:, 1:] = in_base_end[:, :-1]  # end of the day before the month starts

    first_month = per_month.reset_index().groupby("customer_id")["month"].min()
    new_customers = first_month.value_counts().reindex(months, fill_value=0)

    result = pd.DataFrame(
        {
            "month_start": month_start.date,
            "customers_start": in_base_start.sum(axis=0),
            "customers_end": in_base_end.sum(axis=0),
            "new_customers": new_customers.to_numpy(),
            "churned_customers": (in_base_start & ~in_base_end).sum(axis=0),
            "repeat_customers": (order_counts >= 2).sum(axis=0).to_numpy(),
            "active_customers": (order_counts >= 1).sum(axis=0).to_numpy(),
        }
    )
    start = result["customers_start"].replace(0, np.nan)
    active = result["active_customers"].replace(0, np.nan)
    result["customer_retention_rate"] = (
        result["customers_end"] - result["new_customers"]
    ) / start
    result["repeat_purchase_rate"] = result["repeat_customers"] / active
    return result[
        [
            "month_start",
            "customers_start",
            "customers_end",
            "new_customers",
            "churned_customers",
            "customer_retention_rate",
            "repeat_purchase_rate",
        ]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", required=True, help="orders.parquet of the raw data")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    orders = pd.read_parquet(args.orders, columns=["customer_id", "ordered_at", "status"])
    result = monthly(orders)
    result.to_csv(args.out, index=False)
    print(f"pandas baseline: {len(result)} months -> {args.out}")


if __name__ == "__main__":
    main()
