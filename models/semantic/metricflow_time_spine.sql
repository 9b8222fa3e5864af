{#- MetricFlow's daily time spine: one row per day from the first day of the earliest period
    to the as-of date (the end of the latest period), so every period of every grain the marts
    hold is covered. Days from the project's integer_series (2^16 days, ~179 years), cut to
    that range: no engine-specific series function. -#}
{{ config(materialized='table') }}

with

periods as (

    select
        period_start,
        period_end
    from {{ ref('int_periods') }}

),

bounds as (

    select
        min(period_start) as first_date,
        max(period_end) as last_date
    from periods

),

numbers as (

    {{ integer_series(16) }}

),

days as (

    select
        cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.first_date') }} as date) as date_day,
        bounds.last_date
    from bounds
    cross join numbers

),

final as (

    select date_day
    from days
    where date_day <= last_date

)

select * from final
