with

checked as (

    select * from {{ ref('base_raw__engagement_events') }}
    where reject_reason is null

),

renamed as (

    select
        -- ids
        event_id,
        customer_id,

        -- categories
        event_type,

        -- timestamps
        occurred_at,

        -- derived
        {{ reporting_date('occurred_at') }} as event_date,
        -- a key action's duration is ignored
        case when event_type = 'session' then duration_seconds end as duration_seconds

    from checked

)

select * from renamed
