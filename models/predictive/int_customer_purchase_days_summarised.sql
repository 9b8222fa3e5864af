{#- Per customer, the purchase days (days with a valid order) on or before the observation
    date: first and last, how many after the first (frequency) and their revenue
    (int_customer_rfm_summarised turns them into the RFM summary).
    Incremental: a run recomputes the customers whose orders changed (customer_scope). -#}
{{ config(materialized=incremental_or_table(), scope='customer_scope') }}

with

orders as (

    select
        customer_id,
        order_date,
        revenue
    from {{ scoped_valid_orders() }}

),

observation as (

    {{ clv_observation_relation() }}

),

purchase_days as (

    select
        orders.customer_id,
        orders.order_date as purchase_date,
        sum(orders.revenue) as day_revenue
    from orders
    inner join observation
        on orders.order_date <= observation.observation_date
    group by 1, 2

),

purchase_days_numbered as (

    select
        customer_id,
        purchase_date,
        day_revenue,
        min(purchase_date) over (partition by customer_id) as first_purchase_date
    from purchase_days

),

final as (

    select
        customer_id,
        min(first_purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) - 1 as frequency,
        sum(case when purchase_date > first_purchase_date then day_revenue end)
            as repeat_revenue,
        {{ loaded_at() }} as _loaded_at
    from purchase_days_numbered
    group by 1

)

select * from final
