{#- What joining changed, per join month and program: members who joined, and per member the
    valid orders and revenue in the 365 days before joined_date ([joined_date - 365,
    joined_date - 1]) and after it ([joined_date, joined_date + 364]). The after figures and
    the share still in the base count only the members with a whole year after joining
    (joined_date + 365 <= as-of date); "still in the base" is at the end of joined_date + 365.
    A member is a membership: a customer who joins twice counts twice. -#}
{{ config(enabled=var('loyalty_program_enabled', true)) }}

with

memberships as (

    select
        membership_id,
        customer_id,
        program,
        joined_date,
        cast({{ dbt.date_trunc('month', 'joined_date') }} as date) as join_month,
        cast({{ dbt.dateadd('day', -365, 'joined_date') }} as date) as before_start,
        cast({{ dbt.dateadd('day', 364, 'joined_date') }} as date) as after_end,
        cast({{ dbt.dateadd('day', 365, 'joined_date') }} as date) as year_after
    from {{ ref('stg_loyalty_memberships') }}

),

as_of as (

    select max(as_of_date) as as_of_date from {{ ref('int_periods') }}

),

orders as (

    select
        customer_id,
        order_date,
        revenue
    from {{ ref('int_orders_validated') }}

),

spells as (

    select
        customer_id,
        spell_start,
        spell_end
    from {{ ref('int_customer_spells') }}
    where window_days = {{ churn_window_days() }}

),

joined as (

    select
        memberships.membership_id,
        memberships.customer_id,
        memberships.program,
        memberships.join_month,
        memberships.joined_date,
        memberships.before_start,
        memberships.after_end,
        memberships.year_after,
        memberships.year_after <= as_of.as_of_date as has_year_after
    from memberships
    cross join as_of
    where memberships.joined_date <= as_of.as_of_date

),

member_orders as (

    select
        joined.membership_id,
        {{ count_where('orders.order_date < joined.joined_date') }} as orders_before,
        sum(case when orders.order_date < joined.joined_date then orders.revenue else 0 end)
            as revenue_before,
        {{ count_where('orders.order_date >= joined.joined_date') }} as orders_after,
        sum(case when orders.order_date >= joined.joined_date then orders.revenue else 0 end)
            as revenue_after
    from joined
    inner join orders
        on
            joined.customer_id = orders.customer_id
            and joined.before_start <= orders.order_date
            and joined.after_end >= orders.order_date
    group by 1

),

member_in_base as (

    select distinct joined.membership_id
    from joined
    inner join spells
        on
            joined.customer_id = spells.customer_id
            and {{ is_in_base('joined.year_after', 'spells.spell_start', 'spells.spell_end') }}

),

members as (

    select
        joined.program,
        joined.join_month,
        joined.has_year_after,
        coalesce(member_orders.orders_before, 0) as orders_before,
        coalesce(member_orders.revenue_before, 0) as revenue_before,
        coalesce(member_orders.orders_after, 0) as orders_after,
        coalesce(member_orders.revenue_after, 0) as revenue_after,
        member_in_base.membership_id is not null as is_in_base_year_after
    from joined
    left join member_orders
        on joined.membership_id = member_orders.membership_id
    left join member_in_base
        on joined.membership_id = member_in_base.membership_id

),

counted as (

    select
        join_month,
        program,
        count(*) as members_joined,
        {{ count_where('has_year_after') }} as members_with_year_after,
        cast(sum(orders_before) as {{ dbt.type_bigint() }}) as orders_before_365d,
        sum(revenue_before) as revenue_before_365d,
        cast(sum(case when has_year_after then orders_before else 0 end) as {{ dbt.type_bigint() }})
            as orders_before_365d_with_year_after,
        sum(case when has_year_after then revenue_before else 0 end)
            as revenue_before_365d_with_year_after,
        cast(sum(case when has_year_after then orders_after else 0 end) as {{ dbt.type_bigint() }})
            as orders_after_365d,
        sum(case when has_year_after then revenue_after else 0 end) as revenue_after_365d,
        {{ count_where('has_year_after and is_in_base_year_after') }} as members_in_base_year_after
    from members
    group by 1, 2

),

final as (

    select
        join_month,
        program,
        members_joined,
        members_with_year_after,
        orders_before_365d,
        cast(revenue_before_365d as decimal(38, 2)) as revenue_before_365d,
        {{ safe_divide('orders_before_365d', 'members_joined') }} as orders_before_per_member,
        {{ safe_divide('revenue_before_365d', 'members_joined') }} as revenue_before_per_member,
        {{ safe_divide('orders_before_365d_with_year_after', 'members_with_year_after') }}
            as orders_before_per_member_with_year_after,
        {{ safe_divide('revenue_before_365d_with_year_after', 'members_with_year_after') }}
            as revenue_before_per_member_with_year_after,
        orders_after_365d,
        cast(revenue_after_365d as decimal(38, 2)) as revenue_after_365d,
        {{ safe_divide('orders_after_365d', 'members_with_year_after') }} as orders_after_per_member,
        {{ safe_divide('revenue_after_365d', 'members_with_year_after') }} as revenue_after_per_member,
        members_in_base_year_after,
        {{ safe_divide('members_in_base_year_after', 'members_with_year_after') }}
            as share_in_base_year_after
    from counted

)

select * from final
