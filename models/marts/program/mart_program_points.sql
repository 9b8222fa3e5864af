{#- The points ledger per grain, period and program: points earned, redeemed and expired
    (magnitudes) and adjusted (signed) in the period; the outstanding balance at its end (the
    liability: the signed sum of every entry up to period_end); the redemption rate of the
    period and the breakage rate of the trailing 365 days; redeemers; members at the end (and
    by tier), joined and left. An entry belongs to the program of the customer's membership
    open at occurred_at (the first by joined_at when several are), to 'none' when no
    membership is open then. Entries after the as-of date fall in no period. -#}
{{ config(enabled=var('loyalty_program_enabled', true)) }}

with

periods as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        cast({{ dbt.dateadd('day', -364, 'period_end') }} as date) as window_start
    from {{ ref('int_periods') }}

),

memberships as (

    select
        membership_id,
        customer_id,
        program,
        tier,
        joined_at,
        left_at,
        joined_date,
        left_date
    from {{ ref('stg_loyalty_memberships') }}

),

entries as (

    select
        entry_id,
        customer_id,
        occurred_at,
        entry_date,
        entry_type,
        points
    from {{ ref('stg_loyalty_points') }}

),

open_memberships as (

    select
        entries.entry_id,
        memberships.program,
        row_number() over (
            partition by entries.entry_id
            order by memberships.joined_at, memberships.membership_id
        ) as membership_rank
    from entries
    inner join memberships
        on
            entries.customer_id = memberships.customer_id
            and entries.occurred_at >= memberships.joined_at
            and (memberships.left_at is null or entries.occurred_at < memberships.left_at)

),

entries_assigned as (

    select
        entries.entry_id,
        entries.customer_id,
        entries.entry_date,
        entries.entry_type,
        entries.points,
        coalesce(open_memberships.program, 'none') as program
    from entries
    left join open_memberships
        on
            entries.entry_id = open_memberships.entry_id
            and open_memberships.membership_rank = 1

),

programs as (

    select program from memberships
    union
    select program from entries_assigned

),

daily as (

    select
        program,
        entry_date,
        cast(sum(case when entry_type = 'earn' then points else 0 end) as {{ dbt.type_bigint() }})
            as points_earned,
        cast(sum(case when entry_type = 'redeem' then -points else 0 end) as {{ dbt.type_bigint() }})
            as points_redeemed,
        cast(sum(case when entry_type = 'expire' then -points else 0 end) as {{ dbt.type_bigint() }})
            as points_expired,
        cast(sum(case when entry_type = 'adjust' then points else 0 end) as {{ dbt.type_bigint() }})
            as points_adjusted,
        cast(sum(points) as {{ dbt.type_bigint() }}) as points_signed
    from entries_assigned
    group by 1, 2

),

ledger as (

    select
        periods.period_grain,
        periods.period_start,
        daily.program,
        sum(case when daily.entry_date >= periods.period_start then daily.points_earned else 0 end)
            as points_earned,
        sum(case when daily.entry_date >= periods.period_start then daily.points_redeemed else 0 end)
            as points_redeemed,
        sum(case when daily.entry_date >= periods.period_start then daily.points_expired else 0 end)
            as points_expired,
        sum(case when daily.entry_date >= periods.period_start then daily.points_adjusted else 0 end)
            as points_adjusted,
        sum(daily.points_signed) as points_outstanding,
        sum(case when daily.entry_date >= periods.window_start then daily.points_earned else 0 end)
            as points_earned_365d,
        sum(case when daily.entry_date >= periods.window_start then daily.points_expired else 0 end)
            as points_expired_365d
    from periods
    inner join daily
        on periods.period_end >= daily.entry_date
    group by 1, 2, 3

),

redeemers as (

    select
        periods.period_grain,
        periods.period_start,
        entries_assigned.program,
        count(distinct entries_assigned.customer_id) as active_redeemers
    from periods
    inner join entries_assigned
        on
            periods.period_start <= entries_assigned.entry_date
            and periods.period_end >= entries_assigned.entry_date
    where entries_assigned.entry_type = 'redeem'
    group by 1, 2, 3

),

members_at_end as (

    select
        periods.period_grain,
        periods.period_start,
        memberships.program,
        count(distinct memberships.customer_id) as members_end,
        count(distinct case when memberships.tier = 'bronze' then memberships.customer_id end)
            as members_end_bronze,
        count(distinct case when memberships.tier = 'silver' then memberships.customer_id end)
            as members_end_silver,
        count(distinct case when memberships.tier = 'gold' then memberships.customer_id end)
            as members_end_gold,
        count(distinct case
            when memberships.tier is null or memberships.tier not in ('bronze', 'silver', 'gold')
                then memberships.customer_id
        end) as members_end_other_tier
    from periods
    inner join memberships
        on {{ is_member_at('periods.period_end', 'memberships.joined_date', 'memberships.left_date') }}
    group by 1, 2, 3

),

moves as (

    select
        periods.period_grain,
        periods.period_start,
        memberships.program,
        {{ count_where('memberships.joined_date >= periods.period_start
            and memberships.joined_date <= periods.period_end') }} as members_joined,
        {{ count_where('memberships.left_date >= periods.period_start
            and memberships.left_date <= periods.period_end') }} as members_left
    from periods
    inner join memberships
        on
            periods.period_end >= memberships.joined_date
            and (memberships.left_date is null or periods.period_start <= memberships.left_date)
    group by 1, 2, 3

),

final as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_period_complete,
        programs.program,
        cast(coalesce(ledger.points_earned, 0) as {{ dbt.type_bigint() }}) as points_earned,
        cast(coalesce(ledger.points_redeemed, 0) as {{ dbt.type_bigint() }}) as points_redeemed,
        cast(coalesce(ledger.points_expired, 0) as {{ dbt.type_bigint() }}) as points_expired,
        cast(coalesce(ledger.points_adjusted, 0) as {{ dbt.type_bigint() }}) as points_adjusted,
        cast(coalesce(ledger.points_outstanding, 0) as {{ dbt.type_bigint() }}) as points_outstanding,
        {{ redemption_rate('ledger.points_redeemed', 'ledger.points_earned') }} as redemption_rate,
        cast(coalesce(ledger.points_earned_365d, 0) as {{ dbt.type_bigint() }}) as points_earned_365d,
        cast(coalesce(ledger.points_expired_365d, 0) as {{ dbt.type_bigint() }})
            as points_expired_365d,
        {{ breakage_rate('ledger.points_expired_365d', 'ledger.points_earned_365d') }}
            as breakage_rate,
        cast(coalesce(redeemers.active_redeemers, 0) as {{ dbt.type_bigint() }}) as active_redeemers,
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
    left join ledger
        on
            periods.period_grain = ledger.period_grain
            and periods.period_start = ledger.period_start
            and programs.program = ledger.program
    left join redeemers
        on
            periods.period_grain = redeemers.period_grain
            and periods.period_start = redeemers.period_start
            and programs.program = redeemers.program
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
