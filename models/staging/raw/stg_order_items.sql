with

source as (

    select * from {{ source('raw', 'order_items') }}

),

renamed as (

    select
        -- ids
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(line_number as {{ dbt.type_int() }}) as line_number,
        cast(product_id as {{ dbt.type_string() }}) as product_id,

        -- categories
        cast(product_category as {{ dbt.type_string() }}) as product_category,

        -- numerics
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(quantity as {{ dbt.type_int() }}) * cast(unit_price as decimal(18, 2))
            as line_amount

    from source

)

select * from renamed
