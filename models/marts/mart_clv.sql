{#- Historical CLV per grain, period and segment (metrics.md, "Customer lifetime value"),
    over the 365 days that end on period_end, whatever the grain.
    Incremental: a run recomputes whole periods from the earliest one a changed order, a
    changed segment or a moved as-of date reaches; every period when the segments changed
    (order_period_scope). -#}
{{ config(materialized=incremental_or_table(), scope='order_period_scope') }}
{%- set scope = order_period_scope() %}

with

period_segments as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment
    from {{ ref('int_period_segments') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

),

periods as (

    select
        period_grain,
        period_start,
        period_end,
        cast({{ dbt.dateadd('day', -364, 'period_end') }} as date) as window_start,
        cast({{ dbt.dateadd('day', -365, 'period_end') }} as date) as year_before_end
    from {{ ref('int_periods') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('dim_customers') }}

),

orders as (

    select
        customer_id,
        order_date,
        revenue
    from {{ ref('int_orders_validated') }}
    {%- if is_partial_run() %}
    where order_date >= (select min(window_start) from periods)
    {%- endif %}

),

base_spells as (

    select
        customer_id,
        spell_start,
        spell_end
    from {{ ref('int_customer_spells') }}
    where window_days = {{ churn_window_days() }}

),

purchase_year_spells as (

    select
        customer_id,
        spell_start,
        spell_end
    from {{ ref('int_customer_spells') }}
    where window_days = 365

),

daily_orders as (

    select
        orders.order_date,
        customers.segment,
        count(*) as orders,
        sum(orders.revenue) as revenue
    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    group by 1, 2

),

window_orders as (

    select
        periods.period_grain,
        periods.period_start,
        daily_orders.segment,
        cast(sum(daily_orders.orders) as {{ dbt.type_bigint() }}) as orders_365d,
        sum(daily_orders.revenue) as revenue_365d
    from periods
    inner join daily_orders
        on
            periods.window_start <= daily_orders.order_date
            and periods.period_end >= daily_orders.order_date
    group by 1, 2, 3

),

{#- A customer's spells do not overlap, so a day falls in at most one of them: count(*)
    counts customers. #}

window_purchasers as (

    select
        periods.period_grain,
        periods.period_start,
        customers.segment,
        count(*) as purchasing_customers_365d
    from periods
    inner join purchase_year_spells
        on {{ is_in_base('periods.period_end',
            'purchase_year_spells.spell_start', 'purchase_year_spells.spell_end') }}
    inner join customers
        on purchase_year_spells.customer_id = customers.customer_id
    group by 1, 2, 3

),

base_year_before as (

    select
        periods.period_grain,
        periods.period_start,
        base_spells.customer_id
    from periods
    inner join base_spells
        on {{ is_in_base('periods.year_before_end', 'base_spells.spell_start', 'base_spells.spell_end') }}

),

base_at_end as (

    select
        periods.period_grain,
        periods.period_start,
        base_spells.customer_id
    from periods
    inner join base_spells
        on {{ is_in_base('periods.period_end', 'base_spells.spell_start', 'base_spells.spell_end') }}

),

annual_churn as (

    select
        base_year_before.period_grain,
        base_year_before.period_start,
        customers.segment,
        count(*) as customers_year_before,
        {{ count_where('base_at_end.customer_id is null') }} as churned_customers_year
    from base_year_before
    inner join customers
        on base_year_before.customer_id = customers.customer_id
    left join base_at_end
        on
            base_year_before.period_grain = base_at_end.period_grain
            and base_year_before.period_start = base_at_end.period_start
            and base_year_before.customer_id = base_at_end.customer_id
    group by 1, 2, 3

),

measured_by_segment as (

    select
        period_segments.period_grain,
        period_segments.period_start,
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
        keys=['period_grain', 'period_start'],
        counts=['orders_365d', 'purchasing_customers_365d', 'customers_year_before',
            'churned_customers_year'],
        amounts=['revenue_365d']) }}

),

measured as (

    select
        period_segments.period_grain,
        period_segments.period_start,
        period_segments.period_end,
        period_segments.is_period_complete,
        period_segments.segment,
        counted.orders_365d,
        cast(counted.revenue_365d as decimal(38, 2)) as revenue_365d,
        counted.purchasing_customers_365d,
        counted.customers_year_before,
        counted.churned_customers_year,
        {{ avg_order_value('counted.revenue_365d', 'counted.orders_365d') }} as avg_order_value,
        {{ purchase_frequency('counted.orders_365d', 'counted.purchasing_customers_365d') }}
            as purchase_frequency,
        {{ churn_rate('counted.churned_customers_year', 'counted.customers_year_before') }}
            as annual_churn_rate
    from period_segments
    inner join counted
        on
            period_segments.period_grain = counted.period_grain
            and period_segments.period_start = counted.period_start
            and period_segments.segment = counted.segment

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
