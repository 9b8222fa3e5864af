{#- The trailing year of each customer who is a member of any program at the end of a period
    (mart_clv's measures, per customer): valid orders and revenue in the 365 days ending on
    period_end, and whether the customer was in the base (an order in the W days ending on the
    day, W = var('churn_window_days')) at the end of period_end - 365 and of period_end.

    No join of order days to periods: one pass over each member's order days and period ends,
    ordered by day number, sums the orders of the windows that end on each period end (window
    frames by day: RANGE between n PRECEDING and m PRECEDING). -#}
{{ config(enabled=var('loyalty_program_enabled', true)) }}
{%- set window_days = churn_window_days() %}
{%- set epoch = "cast('1970-01-01' as date)" %}

with

members_at_end as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        member_spells.customer_id
    from {{ ref('int_periods') }} as periods
    inner join {{ ref('int_program_member_spells') }} as member_spells
        on {{ is_member_at('periods.period_end', 'member_spells.member_from',
            'member_spells.member_until') }}
    where member_spells.program = 'any'

),

member_customers as (

    select distinct customer_id from members_at_end

),

order_days as (

    select
        orders.customer_id,
        orders.order_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as orders,
        sum(orders.revenue) as revenue
    from {{ ref('int_orders_validated') }} as orders
    inner join member_customers
        on orders.customer_id = member_customers.customer_id
    group by 1, 2

),

{#- The asked rows (a member's period ends) add nothing to the sums; a window frame by day
    number takes every row of the days it spans, so an order on period_end counts. #}

timeline as (

    select
        customer_id,
        {{ dbt.datediff(epoch, 'order_date', 'day') }} as day_number,
        cast(null as {{ dbt.type_string() }}) as period_grain,
        cast(null as date) as period_start,
        orders,
        revenue,
        1 as order_days
    from order_days

    union all

    select
        customer_id,
        {{ dbt.datediff(epoch, 'period_end', 'day') }} as day_number,
        period_grain,
        period_start,
        0 as orders,
        0 as revenue,
        0 as order_days
    from members_at_end

),

windowed as (

    select
        period_grain,
        period_start,
        customer_id,
        sum(orders) over (
            partition by customer_id order by day_number
            range between 364 preceding and current row
        ) as orders_365d,
        sum(revenue) over (
            partition by customer_id order by day_number
            range between 364 preceding and current row
        ) as revenue_365d,
        sum(order_days) over (
            partition by customer_id order by day_number
            range between {{ window_days - 1 }} preceding and current row
        ) as order_days_base_end,
        sum(order_days) over (
            partition by customer_id order by day_number
            range between {{ 365 + window_days - 1 }} preceding and 365 preceding
        ) as order_days_base_year_before
    from timeline

),

final as (

    select
        period_grain,
        period_start,
        customer_id,
        cast(orders_365d as {{ dbt.type_bigint() }}) as orders_365d,
        revenue_365d,
        coalesce(order_days_base_year_before, 0) > 0 as is_in_base_year_before,
        coalesce(order_days_base_end, 0) > 0 as is_in_base_end
    from windowed
    where period_grain is not null

)

select * from final
