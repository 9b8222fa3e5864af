{#- The valid orders (metrics.md: status completed) up to the as-of date: the purchases every
    metric counts. A view: a scan of the staged orders is cheaper than a copy of them. -#}
with

orders as (

    select
        order_id,
        customer_id,
        ordered_at,
        order_date,
        order_total
    from {{ ref('stg_orders') }}
    where is_completed

),

as_of as (

    select max(as_of_date) as as_of_date from {{ ref('int_periods') }}

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_date,
        orders.order_total as revenue
    from orders
    inner join as_of
        on orders.order_date <= as_of.as_of_date

)

select * from final
