{#- Valid orders, revenue and distinct product categories per customer, grain and period. -#}
{{ config(materialized='table') }}

with

orders as (

    select
        order_id,
        customer_id,
        order_date,
        revenue
    from {{ ref('int_orders_validated') }}

),

order_items as (

    select
        order_id,
        product_category
    from {{ ref('stg_order_items') }}

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

{% for grain in period_grains() %}
orders_by_{{ grain }} as (

    select
        customer_id,
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'order_date') }} as date) as period_start,
        count(*) as orders,
        sum(revenue) as revenue
    from orders
    group by 1, 2, 3

),

categories_by_{{ grain }} as (

    select
        customer_id,
        cast({{ dbt.date_trunc(grain, 'order_date') }} as date) as period_start,
        count(distinct product_category) as distinct_categories
    from order_categories
    group by 1, 2

),

{% endfor %}

final as (

    {% for grain in period_grains() -%}
    select
        orders_by_{{ grain }}.customer_id,
        orders_by_{{ grain }}.period_grain,
        orders_by_{{ grain }}.period_start,
        orders_by_{{ grain }}.orders,
        orders_by_{{ grain }}.revenue,
        coalesce(categories_by_{{ grain }}.distinct_categories, 0) as distinct_categories
    from orders_by_{{ grain }}
    left join categories_by_{{ grain }}
        on
            orders_by_{{ grain }}.customer_id = categories_by_{{ grain }}.customer_id
            and orders_by_{{ grain }}.period_start = categories_by_{{ grain }}.period_start
    {% if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

)

select * from final
