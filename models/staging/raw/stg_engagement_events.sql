with

source as (

    select * from {{ source('raw', 'engagement_events') }}

),

renamed as (

    select
        -- ids
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,

        -- categories
        lower(trim(cast(event_type as {{ dbt.type_string() }}))) as event_type,

        -- numerics
        cast(duration_seconds as {{ dbt.type_int() }}) as duration_seconds,

        -- dates and timestamps
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(cast(occurred_at as {{ dbt.type_timestamp() }}) as date) as event_date

    from source

)

select * from renamed
