{#- Lifetime purchase summary per customer from the valid orders. second_order_date is the
    date of the second valid order by time (it can be the first order's day).
    Incremental: a run recomputes the customers whose orders changed (customer_scope). -#}

with

orders as (

    select
        customer_id,
        order_id,
        ordered_at,
        order_date,
        revenue
    from {{ scoped_valid_orders() }}

),

orders_ranked as (

    select
        customer_id,
        order_date,
        revenue,
        row_number() over (
            partition by customer_id
            order by ordered_at, order_id
        ) as order_sequence
    from orders

),

final as (

    select
        customer_id,
        min(order_date) as first_order_date,
        min(case when order_sequence = 2 then order_date end) as second_order_date,
        max(order_date) as last_order_date,
        count(*) as lifetime_orders,
        sum(revenue) as lifetime_revenue,
        {{ loaded_at() }} as _loaded_at
    from orders_ranked
    group by 1

)

select * from final
