{#- Per grain, period and customer segment: the valid orders and their revenue in the 365
    days that end on period_end, whatever the grain (metrics.md, "Customer lifetime value").
    The orders are summed per day and segment in int_clv_orders_daily, so the trailing-year
    join runs over days, not orders. Only segments with an order in the window have a row.
    Ephemeral, a CTE of mart_clv: the mart reads it for the periods of its scope, and the
    database applies that filter to the periods here. -#}
with

periods as (

    select
        period_grain,
        period_start,
        period_end,
        cast({{ dbt.dateadd('day', -364, 'period_end') }} as date) as window_start
    from {{ ref('int_periods') }}

),

daily_orders as (

    select
        order_date,
        segment,
        orders,
        revenue
    from {{ ref('int_clv_orders_daily') }}

),

final as (

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

)

select * from final
