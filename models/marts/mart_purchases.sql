{#- Purchase behaviour per grain, period and segment (metrics.md, "Purchases"): repeat
    purchase rate, upsell ratio and average order value. -#}
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
        orders,
        revenue,
        distinct_categories
    from {{ ref('fct_customer_periods') }}
    where is_active{% if in_scope %} and ({{ in_scope }}){% endif %}

),

counted_by_segment as (

    select
        period_grain,
        period_start,
        segment,
        count(*) as active_customers,
        {{ count_where('orders >= 2') }} as repeat_customers,
        {{ count_where('distinct_categories >= 2') }} as multi_category_customers,
        {{ count_where('distinct_categories = 1') }} as single_category_customers,
        cast(sum(orders) as {{ dbt.type_bigint() }}) as orders,
        sum(revenue) as revenue
    from customer_periods
    group by 1, 2, 3

),

counted as (

    {{ union_all_segment(
        'counted_by_segment',
        keys=['period_grain', 'period_start'],
        counts=['active_customers', 'repeat_customers', 'multi_category_customers',
            'single_category_customers', 'orders'],
        amounts=['revenue']) }}

),

final as (

    select
        period_segments.period_grain,
        period_segments.period_start,
        period_segments.period_end,
        period_segments.is_period_complete,
        period_segments.segment,
        coalesce(counted.active_customers, 0) as active_customers,
        coalesce(counted.repeat_customers, 0) as repeat_customers,
        {{ repeat_purchase_rate('counted.repeat_customers', 'counted.active_customers') }}
            as repeat_purchase_rate,
        coalesce(counted.multi_category_customers, 0) as multi_category_customers,
        coalesce(counted.single_category_customers, 0) as single_category_customers,
        {{ upsell_ratio('counted.multi_category_customers', 'counted.single_category_customers') }}
            as upsell_ratio,
        coalesce(counted.orders, 0) as orders,
        cast(coalesce(counted.revenue, 0) as decimal(38, 2)) as revenue,
        {{ avg_order_value('counted.revenue', 'counted.orders') }} as avg_order_value,
        {{ loaded_at() }} as _loaded_at
    from period_segments
    left join counted
        on
            period_segments.period_grain = counted.period_grain
            and period_segments.period_start = counted.period_start
            and period_segments.segment = counted.segment

)

select * from final
