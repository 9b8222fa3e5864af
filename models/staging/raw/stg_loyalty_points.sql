{#- One row per loyalty points entry, signed. -#}
{{ config(enabled=var('loyalty_program_enabled', true)) }}

with

checked as (

    select * from {{ ref('base_raw__loyalty_points') }}
    where reject_reason is null

),

renamed as (

    select
        -- ids
        entry_id,
        customer_id,
        order_id,

        -- categories
        entry_type,

        -- numerics
        points,

        -- timestamps
        occurred_at,

        -- derived
        cast(occurred_at as date) as entry_date

    from checked

)

select * from renamed
