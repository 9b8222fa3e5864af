-- Hand-written baseline for `make bench`: monthly customer retention and repeat purchase
-- rate for the whole customer base, in one DuckDB query, the way an analyst would write it
-- in one go (no dbt, no staging, no incremental logic). Reads raw.orders directly.
--
-- Definitions (docs/metrics.md, "The customer base" and "Purchases"):
--   valid order              status = 'completed'; its date is the date of ordered_at (UTC)
--   as-of date               the latest valid order date; months run from the month of the
--                            first valid order to the month of the as-of date, which ends there
--   in the base at end of d  a valid order on a day in [d - 364, d]   (W = 365 days)
--   S customers_start        in the base at the end of the day before the month starts
--   E customers_end          in the base at the end of the month
--   N new_customers          first valid order ever in the month
--   churned_customers        in S and not in E
--   customer_retention_rate  (E - N) / S            (NULL when S = 0)
--   repeat_purchase_rate     customers with >= 2 valid orders in the month
--                            / customers with >= 1  (NULL when nobody bought)
--
-- Method: a dense customer x month table (every buyer x every month), the latest order date
-- up to each month with a running max, the base flags from it, S as the previous month's E.

with

valid_orders as (
    select
        customer_id,
        cast(ordered_at as date) as order_date
    from raw.orders
    where status = 'completed'
),

bounds as (
    select
        cast(date_trunc('month', min(order_date)) as date) as first_month,
        max(order_date) as as_of_date
    from valid_orders
),

months as (
    select
        cast(month_start as date) as month_start,
        least(
            cast(month_start + interval 1 month - interval 1 day as date),
            bounds.as_of_date
        ) as month_end
    from bounds,
        unnest(generate_series(
            cast(bounds.first_month as timestamp),
            cast(date_trunc('month', bounds.as_of_date) as timestamp),
            interval 1 month
        )) as series(month_start)
),

customer_months as (
    select
        customer_id,
        cast(date_trunc('month', order_date) as date) as month_start,
        count(*) as orders,
        max(order_date) as last_order_date
    from valid_orders
    group by 1, 2
),

customers as (
    select
        customer_id,
        min(month_start) as first_month
    from customer_months
    group by 1
),

dense as (
    select
        customers.customer_id,
        customers.first_month,
        months.month_start,
        months.month_end,
        coalesce(customer_months.orders, 0) as orders,
        customer_months.last_order_date
    from customers
    cross join months
    left join customer_months
        on customer_months.customer_id = customers.customer_id
        and customer_months.month_start = months.month_start
),

with_end_flag as (
    select
        *,
        coalesce(
            month_end - max(last_order_date) over (
                partition by customer_id
                order by month_start
                rows between unbounded preceding and current row
            ) <= 364,
            false
        ) as in_base_end
    from dense
),

with_flags as (
    select
        *,
        coalesce(
            lag(in_base_end) over (partition by customer_id order by month_start), false
        ) as in_base_start
    from with_end_flag
),

counted as (
    select
        month_start,
        count(*) filter (where in_base_start) as customers_start,
        count(*) filter (where in_base_end) as customers_end,
        count(*) filter (where first_month = month_start) as new_customers,
        count(*) filter (where in_base_start and not in_base_end) as churned_customers,
        count(*) filter (where orders >= 2) as repeat_customers,
        count(*) filter (where orders >= 1) as active_customers
    from with_flags
    group by 1
)

select
    month_start,
    customers_start,
    customers_end,
    new_customers,
    churned_customers,
    (customers_end - new_customers) / nullif(customers_start, 0) as customer_retention_rate,
    repeat_customers / nullif(active_customers, 0) as repeat_purchase_rate
from counted
order by month_start
