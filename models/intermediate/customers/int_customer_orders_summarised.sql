{#- Lifetime purchase summary per customer from the valid orders. second_order_date is the
    date of the second valid order by time (it can be the first order's day). order_days:
    days with a valid order (several orders on a day are one order day); median_gap_days:
    the median gap in days between consecutive order days (NULL with one order day), the
    middle gap of an odd count, the mean of the two middle ones of an even count (from
    row_number, not an engine's median(): SQL on every adapter); the overdue rule of
    mart_customers_at_risk reads it.
    Incremental: a run recomputes the customers whose orders changed (customer_scope). -#}

with

orders as (

    select
        customer_id,
        order_id,
        ordered_at,
        order_date,
        revenue
    from {{ scoped_valid_orders() }}

),

order_days as (

    select distinct
        customer_id,
        order_date
    from orders

),

order_days_paired as (

    select
        customer_id,
        order_date,
        lag(order_date) over (partition by customer_id order by order_date)
            as previous_order_date
    from order_days

),

gaps as (

    select
        customer_id,
        {{ dbt.datediff(
            'previous_order_date', 'order_date', 'day'
        ) }} as gap_days
    from order_days_paired
    where previous_order_date is not null

),

gaps_numbered as (

    select
        customer_id,
        gap_days,
        row_number() over (partition by customer_id order by gap_days) as gap_number,
        count(*) over (partition by customer_id) as gap_count
    from gaps

),

median_gaps as (

    -- 2 x gap_number between gap_count and gap_count + 2 picks exactly the middle gap of an
    -- odd count and the two middle ones of an even count
    select
        customer_id,
        avg(cast(gap_days as {{ type_double() }})) as median_gap_days
    from gaps_numbered
    where 2 * gap_number between gap_count and gap_count + 2
    group by 1

),

orders_ranked as (

    select
        customer_id,
        order_date,
        revenue,
        row_number() over (
            partition by customer_id
            order by ordered_at, order_id
        ) as order_sequence
    from orders

),

summarised as (

    select
        customer_id,
        min(order_date) as first_order_date,
        min(case when order_sequence = 2 then order_date end) as second_order_date,
        max(order_date) as last_order_date,
        count(*) as lifetime_orders,
        count(distinct order_date) as order_days,
        sum(revenue) as lifetime_revenue
    from orders_ranked
    group by 1

),

final as (

    select
        summarised.customer_id,
        summarised.first_order_date,
        summarised.second_order_date,
        summarised.last_order_date,
        summarised.lifetime_orders,
        summarised.lifetime_revenue,
        cast(summarised.order_days as {{ dbt.type_bigint() }}) as order_days,
        cast(median_gaps.median_gap_days as {{ type_double() }}) as median_gap_days,
        {{ loaded_at() }} as _loaded_at
    from summarised
    left join median_gaps
        on summarised.customer_id = median_gaps.customer_id

)

select * from final
