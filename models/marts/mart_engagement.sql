{#- Engagement per customer, grain and period (metrics.md, "Engagement"): active days, time
    spent, key actions, and the engagement score ranking the customer among those with an
    event in the same period. Events after the as-of date fall in no period. -#}
with

events as (

    select
        customer_id,
        event_date,
        event_type,
        duration_seconds
    from {{ ref('stg_engagement_events') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_unioned') }}

),

periods as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete
    from {{ ref('int_periods') }}

),

grains as (

    {{ period_grains_relation() }}

),

{#- One row per customer and day first: the period roll-ups then read days, not events. #}

events_daily as (

    select
        customer_id,
        event_date,
        cast(
            coalesce(sum(case when event_type = 'session' then duration_seconds end), 0)
            as {{ dbt.type_bigint() }}
        ) as time_spent_seconds,
        {{ count_where("event_type = 'key_action'") }} as key_actions
    from events
    group by 1, 2

),

days_with_periods as (

    select
        events_daily.customer_id,
        events_daily.event_date,
        events_daily.time_spent_seconds,
        events_daily.key_actions,
        grains.period_grain,
        {{ period_start_of('grains.period_grain', 'events_daily.event_date') }} as period_start
    from events_daily
    cross join grains

),

customer_periods as (

    select
        days_with_periods.customer_id,
        days_with_periods.period_grain,
        days_with_periods.period_start,
        periods.period_end,
        periods.is_period_complete,
        count(*) as active_days,
        cast(sum(days_with_periods.time_spent_seconds) as {{ dbt.type_bigint() }}) as time_spent_seconds,
        cast(sum(days_with_periods.key_actions) as {{ dbt.type_bigint() }}) as key_actions
    from days_with_periods
    inner join periods
        on
            days_with_periods.period_grain = periods.period_grain
            and days_with_periods.period_start = periods.period_start
            and days_with_periods.event_date <= periods.period_end
    group by 1, 2, 3, 4, 5

),

final as (

    select
        customer_periods.customer_id,
        customer_periods.period_grain,
        customer_periods.period_start,
        customer_periods.period_end,
        customer_periods.is_period_complete,
        customers.segment,
        customer_periods.active_days,
        customer_periods.time_spent_seconds,
        customer_periods.key_actions,
        {{ engagement_score(
            'customer_periods.active_days',
            'customer_periods.time_spent_seconds',
            'customer_periods.key_actions',
            'customer_periods.period_grain, customer_periods.period_start') }} as engagement_score
    from customer_periods
    inner join customers
        on customer_periods.customer_id = customers.customer_id

)

select * from final
