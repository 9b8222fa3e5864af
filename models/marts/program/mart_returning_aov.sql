{#- Average order value of returning customers (first valid order before the period) against
    new ones (first valid order in it), per grain, period and segment, with
    returning_aov_uplift = returning / new - 1, the figure of the second article's "existing
    customers spend on average 31 % more than new ones" (0.31, in the seed loyalty_benchmarks:
    the report and the dashboard set it beside; the mart does not read the seed, so that
    `dbt run` without `dbt seed` builds it). -#}
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
        is_new,
        orders,
        revenue
    from {{ ref('fct_customer_periods') }}
    where is_active{% if in_scope %} and ({{ in_scope }}){% endif %}

),

counted_by_segment as (

    select
        period_grain,
        period_start,
        segment,
        {{ count_where('not is_new') }} as returning_customers,
        cast(sum(case when is_new then 0 else orders end) as {{ dbt.type_bigint() }})
            as returning_orders,
        sum(case when is_new then 0 else revenue end) as returning_revenue,
        {{ count_where('is_new') }} as new_customers,
        cast(sum(case when is_new then orders else 0 end) as {{ dbt.type_bigint() }}) as new_orders,
        sum(case when is_new then revenue else 0 end) as new_revenue
    from customer_periods
    group by 1, 2, 3

),

counted as (

    {{ union_all_segment(
        'counted_by_segment',
        keys=['period_grain', 'period_start'],
        counts=['returning_customers', 'returning_orders', 'new_customers', 'new_orders'],
        amounts=['returning_revenue', 'new_revenue']) }}

),


final as (

    select
        period_segments.period_grain,
        period_segments.period_start,
        period_segments.period_end,
        period_segments.is_period_complete,
        period_segments.segment,
        coalesce(counted.returning_customers, 0) as returning_customers,
        coalesce(counted.returning_orders, 0) as returning_orders,
        cast(coalesce(counted.returning_revenue, 0) as decimal(38, 2)) as returning_revenue,
        {{ avg_order_value('counted.returning_revenue', 'counted.returning_orders') }}
            as returning_avg_order_value,
        coalesce(counted.new_customers, 0) as new_customers,
        coalesce(counted.new_orders, 0) as new_orders,
        cast(coalesce(counted.new_revenue, 0) as decimal(38, 2)) as new_revenue,
        {{ avg_order_value('counted.new_revenue', 'counted.new_orders') }} as new_avg_order_value,
        {{ returning_aov_uplift(
            avg_order_value('counted.returning_revenue', 'counted.returning_orders'),
            avg_order_value('counted.new_revenue', 'counted.new_orders')) }}
            as returning_aov_uplift,
        {{ loaded_at() }} as _loaded_at
    from period_segments
    left join counted
        on
            period_segments.period_grain = counted.period_grain
            and period_segments.period_start = counted.period_start
            and period_segments.segment = counted.segment

)

select * from final
