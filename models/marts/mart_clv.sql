{#- Historical CLV per grain, period and segment (metrics.md, "Customer lifetime value"),
    over the 365 days that end on period_end, whatever the grain. The trailing-year counts
    come from models/intermediate/clv/; here they meet the grid, get their 'all' rows and
    become the metrics.
    Incremental: a run recomputes whole periods from the earliest one a changed order, a
    changed segment or a moved as-of date reaches; every period when the segments changed
    (order_period_scope). The counts are ephemeral, filtered here to the scope. -#}
{{ config(materialized=incremental_or_table(), scope='order_period_scope') }}
{%- set scope = cached_scope('order_period_scope') %}
{%- set in_scope = 'where ' ~ scope if is_partial_run() else '' %}

with

period_segments as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment
    from {{ ref('int_period_segments') }}
    {{ in_scope }}

),

window_orders as (

    select
        period_grain,
        period_start,
        segment,
        orders_365d,
        revenue_365d
    from {{ ref('int_clv_orders_windowed') }}
    {{ in_scope }}

),

window_purchasers as (

    select
        period_grain,
        period_start,
        segment,
        purchasing_customers_365d
    from {{ ref('int_clv_purchasers_counted') }}
    {{ in_scope }}

),

annual_churn as (

    select
        period_grain,
        period_start,
        segment,
        customers_year_before,
        churned_customers_year
    from {{ ref('int_clv_churn_counted') }}
    {{ in_scope }}

),

measured_by_segment as (

    select
        period_segments.period_grain,
        period_segments.period_start,
        period_segments.period_end,
        period_segments.is_period_complete,
        period_segments.segment,
        coalesce(window_orders.orders_365d, 0) as orders_365d,
        coalesce(window_orders.revenue_365d, 0) as revenue_365d,
        coalesce(window_purchasers.purchasing_customers_365d, 0) as purchasing_customers_365d,
        coalesce(annual_churn.customers_year_before, 0) as customers_year_before,
        coalesce(annual_churn.churned_customers_year, 0) as churned_customers_year
    from period_segments
    left join window_orders
        on
            period_segments.period_grain = window_orders.period_grain
            and period_segments.period_start = window_orders.period_start
            and period_segments.segment = window_orders.segment
    left join window_purchasers
        on
            period_segments.period_grain = window_purchasers.period_grain
            and period_segments.period_start = window_purchasers.period_start
            and period_segments.segment = window_purchasers.segment
    left join annual_churn
        on
            period_segments.period_grain = annual_churn.period_grain
            and period_segments.period_start = annual_churn.period_start
            and period_segments.segment = annual_churn.segment
    where period_segments.segment != 'all'

),

counted as (

    {{ union_all_segment(
        'measured_by_segment',
        keys=['period_grain', 'period_start', 'period_end', 'is_period_complete'],
        counts=['orders_365d', 'purchasing_customers_365d', 'customers_year_before',
            'churned_customers_year'],
        amounts=['revenue_365d']) }}

),

measured as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment,
        orders_365d,
        cast(revenue_365d as decimal(38, 2)) as revenue_365d,
        purchasing_customers_365d,
        customers_year_before,
        churned_customers_year,
        {{ avg_order_value('revenue_365d', 'orders_365d') }} as avg_order_value,
        {{ purchase_frequency('orders_365d', 'purchasing_customers_365d') }} as purchase_frequency,
        {{ churn_rate('churned_customers_year', 'customers_year_before') }} as annual_churn_rate
    from counted

),

final as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment,
        orders_365d,
        revenue_365d,
        purchasing_customers_365d,
        customers_year_before,
        churned_customers_year,
        avg_order_value,
        purchase_frequency,
        {{ customer_value('avg_order_value', 'purchase_frequency') }} as customer_value,
        annual_churn_rate,
        {{ avg_lifespan_years('annual_churn_rate') }} as avg_lifespan_years,
        {{ clv(customer_value('avg_order_value', 'purchase_frequency'),
            avg_lifespan_years('annual_churn_rate'), gross_margin_rate()) }} as clv,
        {{ loaded_at() }} as _loaded_at
    from measured

)

select * from final
