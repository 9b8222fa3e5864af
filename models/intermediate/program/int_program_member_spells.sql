{#- Each customer's spells of membership per program, and of 'any' program: the memberships of
    the program merged where they overlap or touch, [member_from, member_until) in days
    (member_until NULL: still open). A customer is a member of the program at the end of day d
    exactly when member_from <= d < member_until for one of these spells (is_member_at), and
    the spells of a customer and program do not overlap, so at most one holds d
    (merged_spells). -#}
{{ config(enabled=var('loyalty_program_enabled', true), materialized='table') }}
{%- set open_end = "cast('9999-12-31' as date)" %}

with

memberships as (

    select
        customer_id,
        program,
        joined_date,
        coalesce(left_date, {{ open_end }}) as left_until
    from {{ ref('stg_loyalty_memberships') }}

),

by_program as (

    select
        customer_id,
        program,
        joined_date,
        left_until
    from memberships

    union all

    select
        customer_id,
        'any' as program,
        joined_date,
        left_until
    from memberships

),

final as (

    {{ merged_spells('by_program', ['customer_id', 'program'], open_end) }}

)

select * from final
