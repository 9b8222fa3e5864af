with

checked as (

    select * from {{ ref('base_raw__order_items') }}
    where reject_reason is null

),

renamed as (

    select
        -- ids
        order_id,
        line_number,
        product_id,

        -- categories
        product_category,

        -- numerics
        quantity,
        unit_price,
        quantity * unit_price as line_amount

    from checked

)

select * from renamed
