{#- One row per loyalty membership, its current (latest valid) version. -#}
{{ config(enabled=var('loyalty_program_enabled', true)) }}

with

checked as (

    select * from {{ ref('base_raw__loyalty_memberships') }}
    where reject_reason is null

),

renamed as (

    select
        -- ids
        membership_id,
        customer_id,

        -- categories
        program,
        tier,

        -- timestamps
        joined_at,
        left_at,
        updated_at,

        -- derived
        cast(joined_at as date) as joined_date,
        cast(left_at as date) as left_date

    from checked

)

select * from renamed
