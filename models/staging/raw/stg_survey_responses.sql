with

source as (

    select * from {{ source('raw', 'survey_responses') }}

),

renamed as (

    select
        -- ids
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,

        -- categories
        lower(trim(cast(question as {{ dbt.type_string() }}))) as question,

        -- numerics
        cast(score as {{ dbt.type_int() }}) as score,

        -- dates and timestamps
        cast(responded_at as {{ dbt.type_timestamp() }}) as responded_at,
        cast(cast(responded_at as {{ dbt.type_timestamp() }}) as date) as response_date

    from source

)

select * from renamed
