{#- Per period and program: the members at the end of the period, in all and by tier (bronze,
    silver, gold, and other: no tier or another one), and the memberships that joined and
    left in the period. A customer counts once per program and tier however many of their
    memberships are open: int_program_member_spells holds the memberships of a customer,
    program and tier bucket merged into spells that do not overlap, so the members at the end
    of day d are the spells begun on or before d less those ended on or before it, a running
    sum of +1 and -1 changes by day, instead of a join of every membership to every period. -#}
{{ config(enabled=var('loyalty_program_enabled', true), materialized='table') }}

with

periods as (

    select
        period_grain,
        period_start,
        period_end
    from {{ ref('int_periods') }}

),

memberships as (

    select
        program,
        joined_date,
        left_date
    from {{ ref('stg_loyalty_memberships') }}

),

programs as (

    select distinct program from memberships

),

spells as (

    -- each customer's spells per program and tier bucket ('all': any tier), merged once in
    -- int_program_member_spells; its program 'any' (a member of at least one) is not counted
    -- here, where every program is one with a staged membership
    select
        member_spells.program,
        member_spells.tier_bucket,
        member_spells.member_from,
        member_spells.member_until
    from {{ ref('int_program_member_spells') }} as member_spells
    where member_spells.program in (select programs.program from programs)

),

changes as (

    select
        program,
        tier_bucket,
        member_from as change_date,
        1 as member_change
    from spells

    union all

    select
        program,
        tier_bucket,
        member_until as change_date,
        -1 as member_change
    from spells
    where member_until is not null

),

daily_changes as (

    select
        program,
        tier_bucket,
        change_date,
        sum(member_change) as member_change
    from changes
    group by 1, 2, 3

),

members_at_end as (

    select
        periods.period_grain,
        periods.period_start,
        daily_changes.program,
        sum(case when daily_changes.tier_bucket = 'all' then daily_changes.member_change else 0 end)
            as members_end,
        sum(case when daily_changes.tier_bucket = 'bronze' then daily_changes.member_change else 0 end)
            as members_end_bronze,
        sum(case when daily_changes.tier_bucket = 'silver' then daily_changes.member_change else 0 end)
            as members_end_silver,
        sum(case when daily_changes.tier_bucket = 'gold' then daily_changes.member_change else 0 end)
            as members_end_gold,
        sum(case when daily_changes.tier_bucket = 'other' then daily_changes.member_change else 0 end)
            as members_end_other_tier
    from periods
    inner join daily_changes
        on periods.period_end >= daily_changes.change_date
    group by 1, 2, 3

),

membership_moves as (

    -- a row per join and per leave, on its day
    select
        program,
        joined_date as move_date,
        1 as is_join
    from memberships

    union all

    select
        program,
        left_date as move_date,
        0 as is_join
    from memberships
    where left_date is not null

),

moves as (

    select
        periods.period_grain,
        periods.period_start,
        membership_moves.program,
        sum(membership_moves.is_join) as members_joined,
        sum(1 - membership_moves.is_join) as members_left
    from periods
    inner join membership_moves
        on
            periods.period_start <= membership_moves.move_date
            and periods.period_end >= membership_moves.move_date
    group by 1, 2, 3

),

final as (

    select
        cast(periods.period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(periods.period_start as date) as period_start,
        cast(programs.program as {{ dbt.type_string() }}) as program,
        cast(coalesce(members_at_end.members_end, 0) as {{ dbt.type_bigint() }}) as members_end,
        cast(coalesce(members_at_end.members_end_bronze, 0) as {{ dbt.type_bigint() }})
            as members_end_bronze,
        cast(coalesce(members_at_end.members_end_silver, 0) as {{ dbt.type_bigint() }})
            as members_end_silver,
        cast(coalesce(members_at_end.members_end_gold, 0) as {{ dbt.type_bigint() }})
            as members_end_gold,
        cast(coalesce(members_at_end.members_end_other_tier, 0) as {{ dbt.type_bigint() }})
            as members_end_other_tier,
        cast(coalesce(moves.members_joined, 0) as {{ dbt.type_bigint() }}) as members_joined,
        cast(coalesce(moves.members_left, 0) as {{ dbt.type_bigint() }}) as members_left
    from periods
    cross join programs
    left join members_at_end
        on
            periods.period_grain = members_at_end.period_grain
            and periods.period_start = members_at_end.period_start
            and programs.program = members_at_end.program
    left join moves
        on
            periods.period_grain = moves.period_grain
            and periods.period_start = moves.period_start
            and programs.program = moves.program

)

select * from final
