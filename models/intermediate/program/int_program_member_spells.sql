{#- Each customer's spells of membership per program, and of 'any' program: the memberships of
    the program merged where they overlap or touch, [member_from, member_until) in days
    (member_until NULL: still open). A customer is a member of the program at the end of day d
    exactly when member_from <= d < member_until for one of these spells (is_member_at), and
    the spells of a customer and program do not overlap, so at most one holds d
    (merged_spells).
    Incremental: a run recomputes every spell of a customer with a changed membership
    (membership_customer_scope); a customer's spells depend on their memberships alone. -#}
{{ config(
    enabled=var('loyalty_program_enabled', true),
    materialized=incremental_or_table(),
    scope='membership_customer_scope',
) }}
{%- set scope = cached_scope('membership_customer_scope') %}
{%- set open_end = "cast('9999-12-31' as date)" %}

with

memberships as (

    select
        customer_id,
        program,
        joined_date,
        coalesce(left_date, {{ open_end }}) as left_until
    from {{ ref('stg_loyalty_memberships') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

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

spells as (

    {{ merged_spells('by_program', ['customer_id', 'program'], open_end) }}

),

final as (

    select
        customer_id,
        program,
        spell_number,
        member_from,
        member_until,
        {{ loaded_at() }} as _loaded_at
    from spells

)

select * from final
