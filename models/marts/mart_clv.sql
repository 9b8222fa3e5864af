{#- Historical CLV per grain, period and segment (metrics.md, "Customer lifetime value"),
    over the 365 days that end on period_end, whatever the grain. -#}
with

period_segments as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment
    from {{ ref('int_period_segments') }}

),

periods as (

    select
        period_grain,
        period_start,
        period_end,
        cast({{ dbt.dateadd('day', -364, 'period_end') }} as date) as window_start,
        cast({{ dbt.dateadd('day', -365, 'period_end') }} as date) as year_before_end
    from {{ ref('int_periods') }}

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

),

base_spells as (

    select
        customer_id,
        spell_start,
        spell_end
    from {{ ref('int_customer_spells') }}

),

purchase_year_spells as (

    select
        customer_id,
        spell_start,
        spell_end
    from {{ ref('int_customer_purchase_year_spells') }}

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
        {{ segment_or_all() }} as segment,
        sum(daily_orders.orders) as orders,
        sum(daily_orders.revenue) as revenue
    from periods
    inner join daily_orders
        on
            daily_orders.order_date >= periods.window_start
            and daily_orders.order_date <= periods.period_end
    {{ group_by_period_and_segment(['periods.period_grain', 'periods.period_start']) }}

),

{#- A customer's spells do not overlap, so a day falls in at most one of them: count(*)
    counts customers. #}
window_purchasers as (

    select
        periods.period_grain,
        periods.period_start,
        {{ segment_or_all() }} as segment,
        count(*) as purchasing_customers
    from periods
    inner join purchase_year_spells
        on {{ is_in_base('periods.period_end',
            'purchase_year_spells.spell_start', 'purchase_year_spells.spell_end') }}
    inner join customers
        on purchase_year_spells.customer_id = customers.customer_id
    {{ group_by_period_and_segment(['periods.period_grain', 'periods.period_start']) }}

),

base_year_before as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
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
        {{ segment_or_all('customers.segment') }} as segment,
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
    group by grouping sets (
        (base_year_before.period_grain, base_year_before.period_start, customers.segment),
        (base_year_before.period_grain, base_year_before.period_start)
    )

),

measured as (

    select
        period_segments.period_grain,
        period_segments.period_start,
        period_segments.period_end,
        period_segments.is_period_complete,
        period_segments.segment,
        coalesce(window_orders.orders, 0) as orders_365d,
        cast(coalesce(window_orders.revenue, 0) as decimal(38, 2)) as revenue_365d,
        coalesce(window_purchasers.purchasing_customers, 0) as purchasing_customers_365d,
        coalesce(annual_churn.customers_year_before, 0) as customers_year_before,
        coalesce(annual_churn.churned_customers_year, 0) as churned_customers_year,
        {{ avg_order_value('window_orders.revenue', 'window_orders.orders') }} as avg_order_value,
        {{ purchase_frequency('window_orders.orders', 'window_purchasers.purchasing_customers') }}
            as purchase_frequency,
        {{ churn_rate('annual_churn.churned_customers_year', 'annual_churn.customers_year_before') }}
            as annual_churn_rate
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
            avg_lifespan_years('annual_churn_rate'), gross_margin_rate()) }} as clv
    from measured

)

select * from final
