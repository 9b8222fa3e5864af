{#- The RFM segments over time, for the dashboard: per grain, period and rfm_segment (the
    customer's segment at the as-of date, mart_customer_segments), the segment's customers who
    bought in the period, their valid orders and revenue. A view of where each period's revenue
    came from, by who the customers are today. SQL on every adapter. -#}
with

customer_periods as (

    select
        customer_id,
        period_grain,
        period_start,
        orders,
        revenue,
        is_active
    from {{ ref('fct_customer_periods') }}
    where is_active

),

segments as (

    select
        customer_id,
        rfm_segment
    from {{ ref('mart_customer_segments') }}

),

periods as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete
    from {{ ref('int_periods') }}

),

aggregated as (

    select
        customer_periods.period_grain,
        customer_periods.period_start,
        segments.rfm_segment,
        count(*) as active_customers,
        sum(customer_periods.orders) as orders,
        sum(customer_periods.revenue) as revenue
    from customer_periods
    inner join segments
        on customer_periods.customer_id = segments.customer_id
    group by 1, 2, 3

),

final as (

    select
        cast(aggregated.period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(aggregated.period_start as date) as period_start,
        cast(periods.period_end as date) as period_end,
        cast(periods.is_period_complete as boolean) as is_period_complete,
        cast(aggregated.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(aggregated.active_customers as {{ dbt.type_bigint() }}) as active_customers,
        cast(aggregated.orders as {{ dbt.type_bigint() }}) as orders,
        cast(aggregated.revenue as decimal(38, 2)) as revenue
    from aggregated
    inner join periods
        on
            aggregated.period_grain = periods.period_grain
            and aggregated.period_start = periods.period_start

)

select * from final
