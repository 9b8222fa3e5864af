{#- One row per period grain and calendar period, from the period of the earliest valid order
    to the period that holds the as-of date (metrics.md, "As-of date"). The last period ends
    at the as-of date. -#}
{{ config(materialized='table') }}

{%- set as_of_literal = as_of_date_literal() %}

with

orders as (

    select order_date from {{ ref('stg_orders') }}
    where is_completed

),

bounds as (

    select
        min(order_date) as first_order_date,
        {% if as_of_literal is not none -%}
            {{ as_of_literal }} as as_of_date
        {%- else -%}
            max(order_date) as as_of_date
        {%- endif %}
    from orders

),

grains as (

    {{ period_grains_relation() }}

),

numbers as (

    {{ integer_series(12) }}

),

periods_unbounded as (

    select
        grains.period_grain,
        grains.months_per_period,
        bounds.as_of_date,
        cast({{ dbt.dateadd(
            'month',
            'numbers.n * grains.months_per_period',
            period_start_of('grains.period_grain', 'bounds.first_order_date')) }} as date)
            as period_start
    from bounds
    cross join grains
    cross join numbers

),

periods_bounded as (

    select
        period_grain,
        period_start,
        as_of_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'months_per_period', 'period_start')) }} as date)
            as calendar_period_end
    from periods_unbounded
    where period_start <= as_of_date

),

final as (

    select
        period_grain,
        period_start,
        calendar_period_end,
        as_of_date,
        case
            when calendar_period_end < as_of_date then calendar_period_end
            else as_of_date
        end as period_end,
        calendar_period_end <= as_of_date as is_period_complete
    from periods_bounded

)

select * from final
