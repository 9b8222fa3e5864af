{#- Engagement per customer, grain and period (metrics.md, "Engagement"): active days, time
    spent, key actions, and the engagement score ranking the customer among those with an
    event in the same period. Events after the as-of date fall in no period.
    Incremental: a run recomputes whole periods (a score ranks a customer among everybody in
    the period) from the earliest one a changed event or a moved as-of date reaches, and every
    row of a customer whose segment may have changed (engagement_period_scope). -#}
{{ config(materialized=incremental_or_table(), scope='engagement_period_scope') }}
{%- set scope = cached_scope('engagement_period_scope') %}
{%- set segment_changed = changed_customer_rows() %}

with

events_daily as (

    select
        customer_id,
        event_date,
        time_spent_seconds,
        key_actions
    from {{ ref('int_customer_engagement_days') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_unioned') }}

),

periods as (

    select
        all_periods.period_grain,
        all_periods.period_start,
        all_periods.period_end,
        all_periods.is_period_complete
    from {{ ref('int_periods') }} as all_periods
    {%- if is_partial_run() %}
    {#- The periods in scope: computed whole, then cut to the scope in `final`. #}
    where
        {{ period_from(engagement_cutoff()) }}
        or exists (
            select 1
            from {{ this }} as previous
            where
                previous.period_grain = all_periods.period_grain
                and previous.period_start = all_periods.period_start
                and previous.customer_id in ({{ segment_changed }})
        )
    {%- endif %}

),

grains as (

    {{ period_grains_relation() }}

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
    {%- if is_partial_run() %}
    where events_daily.event_date >= (select min(period_start) from periods)
    {%- endif %}

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

scored as (

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
            'customer_periods.period_grain, customer_periods.period_start') }} as engagement_score,
        {{ loaded_at() }} as _loaded_at
    from customer_periods
    inner join customers
        on customer_periods.customer_id = customers.customer_id

),

final as (

    select * from scored
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

)

select * from final
