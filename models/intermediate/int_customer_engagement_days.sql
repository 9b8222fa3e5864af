{#- Engagement per customer and day: time spent in sessions and key actions. The period
    roll-ups of mart_engagement read days, not events (about half as many rows).
    Incremental: a run recomputes the days from the earliest date of an event (re)loaded
    since its last run on. -#}
-- depends_on: {{ ref('base_raw__engagement_events') }}
{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='replace_where',
    replace_where='engagement_day_scope',
    on_schema_change='fail',
) }}

with

events as (

    select
        customer_id,
        event_date,
        event_type,
        duration_seconds
    from {{ ref('stg_engagement_events') }}
    {%- if is_incremental() %}
    where {{ engagement_day_scope() }}
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
