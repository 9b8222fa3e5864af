{#- The points ledger per grain, period and program: points earned, redeemed and expired
    (magnitudes) and adjusted (signed) in the period; the outstanding balance at its end (the
    liability: the signed sum of every entry up to period_end); the redemption rate of the
    period and the breakage rate of the trailing 365 days; redeemers; members at the end (and
    by tier), joined and left (int_program_period_members). An entry belongs to the program
    of the customer's membership open at occurred_at (the first by joined_at when several
    are), to 'none' when no membership is open then (int_customer_points_days). Entries after the as-of date fall in
    no period.
    Incremental: a run recomputes whole periods from the first day a changed points entry or
    membership, or a moved as-of date, reaches; every period when the programs changed
    (points_period_scope). -#}
{{ config(
    enabled=var('loyalty_program_enabled', true),
    materialized=incremental_or_table(),
    scope='points_period_scope') }}
{%- set scope = cached_scope('points_period_scope') %}
{%- set in_scope = scope if is_partial_run() else none %}

with

periods as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        cast({{ dbt.dateadd('day', -364, 'period_end') }} as date) as window_start
    from {{ ref('int_periods') }}
    {%- if in_scope %}
    where {{ in_scope }}
    {%- endif %}

),

points_days as (

    -- per customer, program and day, each entry already in its program
    select
        customer_id,
        program,
        entry_date,
        points_earned,
        points_redeemed,
        points_expired,
        points_adjusted,
        points_signed,
        redeem_entries
    from {{ ref('int_customer_points_days') }}

),

period_members as (

    select
        period_grain,
        period_start,
        program,
        members_end,
        members_end_bronze,
        members_end_silver,
        members_end_gold,
        members_end_other_tier,
        members_joined,
        members_left
    from {{ ref('int_program_period_members') }}
    {%- if in_scope %}
    where {{ in_scope }}
    {%- endif %}

),

programs as (

    -- each program with a staged membership (a row per period in int_program_period_members,
    -- all of them, not only those in scope), and those the entries fall in ('none' among them)
    select program from {{ ref('int_program_period_members') }}
    union
    select program from points_days

),

daily as (

    select
        program,
        entry_date,
        sum(points_earned) as points_earned,
        sum(points_redeemed) as points_redeemed,
        sum(points_expired) as points_expired,
        sum(points_adjusted) as points_adjusted,
        sum(points_signed) as points_signed
    from points_days
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
        points_days.program,
        count(distinct points_days.customer_id) as active_redeemers
    from periods
    inner join points_days
        on
            periods.period_start <= points_days.entry_date
            and periods.period_end >= points_days.entry_date
    where points_days.redeem_entries > 0
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
        cast(coalesce(period_members.members_end, 0) as {{ dbt.type_bigint() }}) as members_end,
        cast(coalesce(period_members.members_end_bronze, 0) as {{ dbt.type_bigint() }})
            as members_end_bronze,
        cast(coalesce(period_members.members_end_silver, 0) as {{ dbt.type_bigint() }})
            as members_end_silver,
        cast(coalesce(period_members.members_end_gold, 0) as {{ dbt.type_bigint() }})
            as members_end_gold,
        cast(coalesce(period_members.members_end_other_tier, 0) as {{ dbt.type_bigint() }})
            as members_end_other_tier,
        cast(coalesce(period_members.members_joined, 0) as {{ dbt.type_bigint() }}) as members_joined,
        cast(coalesce(period_members.members_left, 0) as {{ dbt.type_bigint() }}) as members_left,
        {{ loaded_at() }} as _loaded_at
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
    left join period_members
        on
            periods.period_grain = period_members.period_grain
            and periods.period_start = period_members.period_start
            and programs.program = period_members.program

)

select * from final
