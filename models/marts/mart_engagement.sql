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

events_with_periods as (

    select
        events.customer_id,
        events.event_date,
        events.event_type,
        events.duration_seconds,
        grains.period_grain,
        {{ period_start_of('grains.period_grain', 'events.event_date') }} as period_start
    from events
    cross join grains

),

customer_periods as (

    select
        events_with_periods.customer_id,
        events_with_periods.period_grain,
        events_with_periods.period_start,
        periods.period_end,
        periods.is_period_complete,
        count(distinct events_with_periods.event_date) as active_days,
        cast(coalesce(sum(case
            when events_with_periods.event_type = 'session' then events_with_periods.duration_seconds
        end), 0) as {{ dbt.type_bigint() }}) as time_spent_seconds,
        {{ count_where("events_with_periods.event_type = 'key_action'") }} as key_actions
    from events_with_periods
    inner join periods
        on
            events_with_periods.period_grain = periods.period_grain
            and events_with_periods.period_start = periods.period_start
            and events_with_periods.event_date <= periods.period_end
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
