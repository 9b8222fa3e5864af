{#- One row per customer first seen on or before the as-of date (sign-up, or a staged order,
    answer or event; a customer with neither a sign-up time nor activity is listed too), with
    their lifetime purchase summary up to it.
    Incremental: a run rewrites the customers with a changed row in any raw table, and those
    first seen on or after the first day a moved as-of date changes (dim_customer_scope).
    Pass-through columns (var loyalty_customers_pass_through_columns): the current raw
    customers row's extra columns, NULL for a customer missing from `customers`; the pre-hook
    adds them to the enforced contract (macros/utils/pass_through_columns.sql). -#}
{{ config(
    materialized=incremental_or_table(),
    scope='dim_customer_scope',
    pre_hook="{{ add_pass_through_contract_columns() }}",
) }}
{%- set scope = cached_scope('dim_customer_scope') %}
{%- set pass_through = customer_pass_through_columns() %}

with

customers as (

    select
        customer_id,
        segment,
        country,
        created_at,
        is_in_customers,
        first_seen_date
    from {{ ref('int_customers_unioned') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

),

as_of as (

    select max(as_of_date) as as_of_date from {{ ref('int_periods') }}

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

),

final as (

    select
        customers.customer_id,
        customers.segment,
        customers.country,
        customers.created_at,
        customers.is_in_customers,
        customers.first_seen_date,
        order_summary.first_order_date,
        order_summary.second_order_date,
        order_summary.last_order_date,
        cast({{ dbt.date_trunc('month', 'order_summary.first_order_date') }} as date) as cohort_month,
        coalesce(order_summary.lifetime_orders, 0) as lifetime_orders,
        -- the contract's decimal(38, 2) on every engine (Spark sums decimal(18, 2) into 28 digits)
        cast(coalesce(order_summary.lifetime_revenue, 0) as decimal(38, 2)) as lifetime_revenue,
        {%- for column in pass_through %}
        pass_through.{{ column['alias'] }},
        {%- endfor %}
        {{ loaded_at() }} as _loaded_at
    from customers
    inner join as_of
        on customers.first_seen_date <= as_of.as_of_date or customers.first_seen_date is null
    left join order_summary
        on customers.customer_id = order_summary.customer_id
    {%- if pass_through %}
    left join {{ ref('stg_customers') }} as pass_through
        on customers.customer_id = pass_through.customer_id
    {%- endif %}

)

select * from final
