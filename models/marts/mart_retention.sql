{#- Retention of the customer base per grain, period and segment (metrics.md, "The customer
    base"): S, E, N and the flows between them, with CRR, churn and the returning rate. -#}
{{ config(materialized=incremental_or_table(), scope='customer_period_grid_scope') }}
{%- set scope = cached_scope('customer_period_grid_scope') %}
{%- set in_scope = scope if is_partial_run() else none %}

with

period_segments as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment
    from {{ ref('int_period_segments') }}
    {%- if in_scope %}
    where {{ in_scope }}
    {%- endif %}

),

customer_periods as (

    select
        period_grain,
        period_start,
        segment,
        is_active,
        is_new,
        is_in_base_start,
        is_in_base_end,
        is_retained,
        is_churned,
        is_reactivated
    from {{ ref('fct_customer_periods') }}
    {%- if in_scope %}
    where {{ in_scope }}
    {%- endif %}

),

counted_by_segment as (

    select
        period_grain,
        period_start,
        segment,
        {{ count_where('is_in_base_start') }} as customers_start,
        {{ count_where('is_in_base_end') }} as customers_end,
        {{ count_where('is_new') }} as new_customers,
        {{ count_where('is_retained') }} as retained_customers,
        {{ count_where('is_churned') }} as churned_customers,
        {{ count_where('is_reactivated') }} as reactivated_customers,
        {{ count_where('is_active') }} as active_customers,
        {{ count_where('is_active and not is_new') }} as returning_customers
    from customer_periods
    group by 1, 2, 3

),

counted as (

    {{ union_all_segment(
        'counted_by_segment',
        keys=['period_grain', 'period_start'],
        counts=['customers_start', 'customers_end', 'new_customers', 'retained_customers',
            'churned_customers', 'reactivated_customers', 'active_customers', 'returning_customers']) }}

),

final as (

    select
        period_segments.period_grain,
        period_segments.period_start,
        period_segments.period_end,
        period_segments.is_period_complete,
        period_segments.segment,
        coalesce(counted.customers_start, 0) as customers_start,
        coalesce(counted.customers_end, 0) as customers_end,
        coalesce(counted.new_customers, 0) as new_customers,
        coalesce(counted.retained_customers, 0) as retained_customers,
        coalesce(counted.churned_customers, 0) as churned_customers,
        coalesce(counted.reactivated_customers, 0) as reactivated_customers,
        coalesce(counted.active_customers, 0) as active_customers,
        coalesce(counted.returning_customers, 0) as returning_customers,
        {{ customer_retention_rate(
            'counted.customers_end', 'counted.new_customers', 'counted.customers_start') }}
            as customer_retention_rate,
        {{ churn_rate('counted.churned_customers', 'counted.customers_start') }} as churn_rate,
        {{ returning_customer_rate('counted.returning_customers', 'counted.active_customers') }}
            as returning_customer_rate,
        {{ loaded_at() }} as _loaded_at
    from period_segments
    left join counted
        on
            period_segments.period_grain = counted.period_grain
            and period_segments.period_start = counted.period_start
            and period_segments.segment = counted.segment

)

select * from final
