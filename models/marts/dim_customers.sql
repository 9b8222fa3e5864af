-- depends_on: {{ ref('base_raw__orders') }}, {{ ref('base_raw__customers') }}
-- depends_on: {{ ref('base_raw__survey_responses') }}, {{ ref('base_raw__engagement_events') }}
{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='replace_where',
    replace_where='customer_activity_scope',
    on_schema_change='fail',
) }}

with

customers as (

    select
        customer_id,
        segment,
        country,
        created_at,
        is_in_customers
    from {{ ref('int_customers_unioned') }}
    {%- if is_incremental() %}
    where {{ customer_activity_scope() }}
    {%- endif %}

),

order_summary as (

    select
        customer_id,
        first_order_date,
        second_order_date,
        last_order_date,
        lifetime_orders,
        lifetime_revenue
    from {{ ref('int_customer_orders_summarised') }}
    {%- if is_incremental() %}
    where {{ customer_activity_scope() }}
    {%- endif %}

),

final as (

    select
        customers.customer_id,
        customers.segment,
        customers.country,
        customers.created_at,
        customers.is_in_customers,
        order_summary.first_order_date,
        order_summary.second_order_date,
        order_summary.last_order_date,
        cast({{ dbt.date_trunc('month', 'order_summary.first_order_date') }} as date) as cohort_month,
        coalesce(order_summary.lifetime_orders, 0) as lifetime_orders,
        -- the contract's decimal(38, 2) on every engine (Spark sums decimal(18, 2) into 28 digits)
        cast(coalesce(order_summary.lifetime_revenue, 0) as decimal(38, 2)) as lifetime_revenue,
        {{ loaded_at() }} as _loaded_at
    from customers
    left join order_summary
        on customers.customer_id = order_summary.customer_id

)

select * from final
