with

checked as (

    select * from {{ ref('base_raw__customers') }}
    where reject_reason is null

),

renamed as (

    select
        -- ids
        customer_id,

        -- categories
        segment,
        country,

        -- timestamps
        created_at,
        updated_at

    from checked

)

select * from renamed
