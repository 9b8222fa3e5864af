{#- Engagement per customer and day: time spent in sessions and key actions. The period
    roll-ups of mart_engagement read days, not events (about half as many rows).
    Incremental: a run recomputes every day of the customers with a changed event
    (engagement_day_scope), however old the event. -#}
{{ config(scope='engagement_day_scope') }}
{%- set scope = cached_scope('engagement_day_scope') %}

with

events as (

    select
        customer_id,
        event_date,
        event_type,
        duration_seconds
    from {{ ref('stg_engagement_events') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

),

final as (

    select
        customer_id,
        event_date,
        cast(
            coalesce(sum(case when event_type = 'session' then duration_seconds end), 0)
            as {{ dbt.type_bigint() }}
        ) as time_spent_seconds,
        {{ count_where("event_type = 'key_action'") }} as key_actions,
        {{ loaded_at() }} as _loaded_at
    from events
    group by 1, 2

)

select * from final
