{#- Each customer's spells of membership per program, and of 'any' program: the memberships of
    the program merged where they overlap or touch, [member_from, member_until) in days
    (member_until NULL: still open). A customer is a member of the program at the end of day d
    exactly when member_from <= d < member_until for one of these spells (is_member_at), and
    the spells of a customer and program do not overlap, so at most one holds d. -#}
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

{#- A membership starts a spell unless it joins on or before the latest end of the earlier
    ones. #}

flagged as (

    select
        customer_id,
        program,
        joined_date,
        left_until,
        case
            when joined_date <= max(left_until) over (
                partition by customer_id, program
                order by joined_date, left_until
                rows between unbounded preceding and 1 preceding
            ) then 0
            else 1
        end as is_spell_start
    from by_program

),

numbered as (

    select
        customer_id,
        program,
        joined_date,
        left_until,
        sum(is_spell_start) over (
            partition by customer_id, program
            order by joined_date, left_until
            rows between unbounded preceding and current row
        ) as spell_number
    from flagged

),

final as (

    select
        customer_id,
        program,
        spell_number,
        min(joined_date) as member_from,
        case
            when max(left_until) < {{ open_end }} then max(left_until)
        end as member_until
    from numbered
    group by 1, 2, 3

)

select * from final
