{#- Per order date and customer segment: the valid orders and their revenue, the days that
    int_clv_orders_windowed sums over each period's trailing year. A table of a few rows per
    day, so that mart_clv's trailing-year sums never join the millions of orders to their
    customers.
    Incremental: a run recomputes the days from order_period_cutoff on (a changed order of
    any version, exchange rate or customers row, or a moved as-of date), the first day whose
    orders or segments can have changed (order_day_scope). -#}
{{ config(materialized=incremental_or_table(), scope='order_day_scope') }}
{%- set scope = cached_scope('order_day_scope') %}

with

orders as (

    select
        customer_id,
        order_date,
        revenue
    from {{ ref('int_orders_validated') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('dim_customers') }}

),

final as (

    select
        orders.order_date,
        customers.segment,
        count(*) as orders,
        sum(orders.revenue) as revenue,
        {{ loaded_at() }} as _loaded_at
    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    group by 1, 2

)

select * from final
