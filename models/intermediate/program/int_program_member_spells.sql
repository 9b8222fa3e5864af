{#- Each customer's spells of membership per program and tier bucket, and of 'any' program:
    the memberships of the program (of that tier) merged where they overlap or touch,
    [member_from, member_until) in days (member_until NULL: still open). tier_bucket 'all'
    merges every tier of the program (the spells the member / non-member splits read); the
    buckets 'bronze', 'silver', 'gold' and 'other' (no tier or another one) merge that tier's
    memberships only (int_program_period_members counts its members). 'any' has the bucket
    'all' only. A customer is a member of the program (tier) at the end of day d exactly when
    member_from <= d < member_until for one of these spells (is_member_at), and the spells of
    a customer, program and bucket do not overlap, so at most one holds d (merged_spells).
    Merged once here, for every reader: merging the memberships again per tier took most of
    int_program_period_members' night at 10m orders (0.47 -> 0.12 s alone).
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
        case when tier in ('bronze', 'silver', 'gold') then tier else 'other' end as tier_bucket,
        joined_date,
        coalesce(left_date, {{ open_end }}) as left_until
    from {{ ref('stg_loyalty_memberships') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

),

spell_kinds as (

    -- what a membership is merged with: the program's memberships of any tier, those of its
    -- tier, and every membership of the customer (the program 'any')
    select 'program' as merged_by
    union all
    select 'tier' as merged_by
    union all
    select 'any' as merged_by

),

by_program_and_tier as (

    select
        memberships.customer_id,
        memberships.joined_date,
        memberships.left_until,
        case when spell_kinds.merged_by = 'any' then 'any' else memberships.program end as program,
        case when spell_kinds.merged_by = 'tier' then memberships.tier_bucket else 'all' end
            as tier_bucket
    from memberships
    cross join spell_kinds

),

spells as (

    {{ merged_spells('by_program_and_tier', ['customer_id', 'program', 'tier_bucket'], open_end) }}

),

final as (

    select
        customer_id,
        program,
        tier_bucket,
        spell_number,
        member_from,
        member_until,
        {{ loaded_at() }} as _loaded_at
    from spells

)

select * from final
