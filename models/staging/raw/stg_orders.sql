with

checked as (

    select * from {{ ref('base_raw__orders') }}
    where reject_reason is null

),

renamed as (

    select
        -- ids
        order_id,
        customer_id,

        -- categories
        status,

        -- numerics
        order_total,

        -- timestamps
        ordered_at,
        updated_at,

        -- derived
        {{ reporting_date('ordered_at') }} as order_date,
        -- only completed orders are purchases (metrics.md, "Valid order")
        status = 'completed' as is_completed

    from checked

)

select * from renamed
