{#- Valid orders, revenue and distinct product categories per customer, grain and period.
    Incremental: a run recomputes the customers whose orders, order lines or customers row
    changed (customer_scope). -#}

with

orders as (

    select
        order_id,
        customer_id,
        order_date,
        revenue
    from {{ scoped_valid_orders() }}

),

order_items as (

    select
        order_id,
        product_category
    from {{ ref('stg_order_items') }}

),

grains as (

    {{ period_grains_relation() }}

),

order_categories as (

    select distinct
        orders.customer_id,
        orders.order_date,
        order_items.product_category
    from orders
    inner join order_items
        on orders.order_id = order_items.order_id
    where order_items.product_category is not null

),

orders_by_period as (

    select
        orders.customer_id,
        grains.period_grain,
        {{ period_start_of('grains.period_grain', 'orders.order_date') }} as period_start,
        count(*) as orders,
        sum(orders.revenue) as revenue
    from orders
    cross join grains
    group by 1, 2, 3

),

categories_by_period as (

    select
        order_categories.customer_id,
        grains.period_grain,
        {{ period_start_of('grains.period_grain', 'order_categories.order_date') }} as period_start,
        count(distinct order_categories.product_category) as distinct_categories
    from order_categories
    cross join grains
    group by 1, 2, 3

),

final as (

    select
        orders_by_period.customer_id,
        orders_by_period.period_grain,
        orders_by_period.period_start,
        orders_by_period.orders,
        orders_by_period.revenue,
        coalesce(categories_by_period.distinct_categories, 0) as distinct_categories,
        {{ loaded_at() }} as _loaded_at
    from orders_by_period
    left join categories_by_period
        on
            orders_by_period.customer_id = categories_by_period.customer_id
            and orders_by_period.period_grain = categories_by_period.period_grain
            and orders_by_period.period_start = categories_by_period.period_start

)

select * from final
