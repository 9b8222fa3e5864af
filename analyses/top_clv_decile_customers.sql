{#- Customers in the top decile of lifetime revenue, with the historical CLV of their segment
    in the latest month beside them: whom to look after first. -#}
with

customers as (

    select
        customer_id,
        segment,
        first_order_date,
        last_order_date,
        lifetime_orders,
        lifetime_revenue
    from {{ ref('dim_customers') }}
    where lifetime_orders > 0

),

latest_clv as (

    select
        segment,
        clv
    from {{ ref('mart_clv') }}
    where
        period_grain = 'month'
        and period_start = (select max(latest.period_start) from {{ ref('mart_clv') }} as latest)

),

ranked as (

    select
        customer_id,
        segment,
        first_order_date,
        last_order_date,
        lifetime_orders,
        lifetime_revenue,
        ntile(10) over (order by 6 desc) as revenue_decile
    from customers

),

final as (

    select
        ranked.customer_id,
        ranked.segment,
        ranked.first_order_date,
        ranked.last_order_date,
        ranked.lifetime_orders,
        ranked.lifetime_revenue,
        latest_clv.clv as segment_clv
    from ranked
    left join latest_clv
        on ranked.segment = latest_clv.segment
    where ranked.revenue_decile = 1

)

select * from final
order by 6 desc
