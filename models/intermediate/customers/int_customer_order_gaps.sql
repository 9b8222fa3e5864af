{#- Per customer with a valid order: their order days (several orders on a day are one order
    day) and the median gap in days between consecutive order days (NULL with one order
    day): the middle gap of an odd count, the mean of the two middle ones of an even count.
    Read by mart_customers_at_risk (the overdue rule).
    SQL on every adapter (dbt.datediff; the median from row_number, not an engine's
    median()). Incremental: a run recomputes the customers whose orders changed
    (customer_scope). -#}

with

order_days as (

    select distinct
        customer_id,
        order_date
    from {{ scoped_valid_orders() }}

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

customers as (

    select
        customer_id,
        count(*) as order_days
    from order_days
    group by 1

),

final as (

    select
        customers.customer_id,
        cast(customers.order_days as {{ dbt.type_bigint() }}) as order_days,
        cast(median_gaps.median_gap_days as {{ type_double() }}) as median_gap_days,
        {{ loaded_at() }} as _loaded_at
    from customers
    left join median_gaps
        on customers.customer_id = median_gaps.customer_id

)

select * from final
