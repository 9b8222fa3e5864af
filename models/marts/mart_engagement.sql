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

as_of as (

    select max(as_of_date) as as_of_date from {{ ref('int_periods') }}

),

{#- Days are summed into customer months once, months into quarters and years: the three
    grains from one pass over the customer days instead of three. An event day after the
    as-of date falls in no period; every other day lies in its period, which ends on or
    after it. #}

customer_months as (

    select
        events_daily.customer_id,
        cast({{ dbt.date_trunc('month', 'events_daily.event_date') }} as date) as month_start,
        count(*) as active_days,
        sum(events_daily.time_spent_seconds) as time_spent_seconds,
        sum(events_daily.key_actions) as key_actions
    from events_daily
    cross join as_of
    where events_daily.event_date <= as_of.as_of_date
    {%- if is_partial_run() %}
        and events_daily.event_date >= (select min(periods.period_start) from periods)
    {%- endif %}
    group by 1, 2

),

months_with_periods as (

    select
        customer_months.customer_id,
        customer_months.active_days,
        customer_months.time_spent_seconds,
        customer_months.key_actions,
        grains.period_grain,
        {{ period_start_of('grains.period_grain', 'customer_months.month_start') }} as period_start
    from customer_months
    cross join grains

),

customer_periods as (

    select
        months_with_periods.customer_id,
        months_with_periods.period_grain,
        months_with_periods.period_start,
        periods.period_end,
        periods.is_period_complete,
        sum(months_with_periods.active_days) as active_days,
        sum(months_with_periods.time_spent_seconds) as time_spent_seconds,
        sum(months_with_periods.key_actions) as key_actions
    from months_with_periods
    inner join periods
        on
            months_with_periods.period_grain = periods.period_grain
            and months_with_periods.period_start = periods.period_start
    group by 1, 2, 3, 4, 5

),

segmented as (

    select
        customer_periods.customer_id,
        customer_periods.period_grain,
        customer_periods.period_start,
        customer_periods.period_end,
        customer_periods.is_period_complete,
        customers.segment,
        cast(customer_periods.active_days as {{ dbt.type_bigint() }}) as active_days,
        cast(customer_periods.time_spent_seconds as {{ dbt.type_bigint() }}) as time_spent_seconds,
        cast(customer_periods.key_actions as {{ dbt.type_bigint() }}) as key_actions
    from customer_periods
    inner join customers
        on customer_periods.customer_id = customers.customer_id

),

{#- Where each customer's measures rank among the period's (value_ranks): the score's three
    cume_dists, counted per distinct value instead of three sorts of every customer period. #}

active_days_ranks as (

    {{ value_ranks('segmented', 'active_days', ['period_grain', 'period_start']) }}

),

time_spent_ranks as (

    {{ value_ranks('segmented', 'time_spent_seconds', ['period_grain', 'period_start']) }}

),

key_actions_ranks as (

    {{ value_ranks('segmented', 'key_actions', ['period_grain', 'period_start']) }}

),

scored as (

    select
        segmented.*,
        {{ engagement_score(
            cume_dist_of('active_days_ranks'),
            cume_dist_of('time_spent_ranks'),
            cume_dist_of('key_actions_ranks')) }} as engagement_score,
        {{ loaded_at() }} as _loaded_at
    from segmented
    left join active_days_ranks
        on
            segmented.period_grain = active_days_ranks.period_grain
            and segmented.period_start = active_days_ranks.period_start
            and segmented.active_days = active_days_ranks.ranked_value
    left join time_spent_ranks
        on
            segmented.period_grain = time_spent_ranks.period_grain
            and segmented.period_start = time_spent_ranks.period_start
            and segmented.time_spent_seconds = time_spent_ranks.ranked_value
    left join key_actions_ranks
        on
            segmented.period_grain = key_actions_ranks.period_grain
            and segmented.period_start = key_actions_ranks.period_start
            and segmented.key_actions = key_actions_ranks.ranked_value

),

final as (

    select * from scored
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

)

select * from final
