{#- Every period of every grain for 'all' and for each customer segment: the dense grid the
    segment marts are built on, so a period without customers is a row of zeros and NULL
    rates rather than a missing row. -#}
with

periods as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete
    from {{ ref('int_periods') }}

),

segments as (

    select distinct segment from {{ ref('int_customers_unioned') }}
    union all
    select 'all' as segment

),

final as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_period_complete,
        segments.segment
    from periods
    cross join segments

)

select * from final
