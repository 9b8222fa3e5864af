with

source as (

    select * from {{ source('raw', 'orders') }}

),

renamed as (

    select
        -- ids
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,

        -- categories
        lower(trim(cast(status as {{ dbt.type_string() }}))) as status,
        -- Only completed orders are purchases (metrics.md, "Valid order").
        coalesce(lower(trim(cast(status as {{ dbt.type_string() }}))) = 'completed', false)
            as is_completed,

        -- numerics
        cast(order_total as decimal(18, 2)) as order_total,

        -- dates and timestamps
        cast(ordered_at as {{ dbt.type_timestamp() }}) as ordered_at,
        cast(cast(ordered_at as {{ dbt.type_timestamp() }}) as date) as order_date,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at

    from source

)

select * from renamed
