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
        -- decimal(38, 2): quantity x a price near the decimal(18, 2) limit still fits
        quantity * cast(unit_price as decimal(38, 2)) as line_amount

    from checked

)

select * from renamed
