with

source as (

    select * from {{ source('raw', 'customers') }}

),

renamed as (

    select
        -- ids
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,

        -- categories
        coalesce(upper(trim(cast(segment as {{ dbt.type_string() }}))), 'unknown') as segment,
        upper(trim(cast(country as {{ dbt.type_string() }}))) as country,

        -- timestamps
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at

    from source

)

select * from renamed
