{#- Per customer, program and day: the customer's loyalty points entries of the day by type.
    An entry belongs to the program of the customer's membership open at occurred_at (the
    first by joined_at, then membership_id, when several are), to 'none' when no membership
    is open then. Read by mart_program_points, which sums these rows per program and period
    instead of assigning every entry of the ledger to a membership every night.
    Incremental per customer (program_customer_scope): a run recomputes every row of a
    customer with a changed points entry or membership; a table on Spark. -#}
{{ config(
    enabled=var('loyalty_program_enabled', true),
    materialized=incremental_or_table(),
    scope='program_customer_scope',
) }}
{#- Taken on every call, also while dbt parses, so dbt knows the refs of the scope. #}
{%- set scope = cached_scope('program_customer_scope') %}

with

entries as (

    select
        entry_id,
        customer_id,
        occurred_at,
        entry_date,
        entry_type,
        points
    from {{ ref('stg_loyalty_points') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

),

memberships as (

    select
        membership_id,
        customer_id,
        program,
        joined_at,
        left_at
    from {{ ref('stg_loyalty_memberships') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

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

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(program as {{ dbt.type_string() }}) as program,
        cast(entry_date as date) as entry_date,
        cast(sum(case when entry_type = 'earn' then points else 0 end) as {{ dbt.type_bigint() }})
            as points_earned,
        cast(sum(case when entry_type = 'redeem' then -points else 0 end) as {{ dbt.type_bigint() }})
            as points_redeemed,
        cast(sum(case when entry_type = 'expire' then -points else 0 end) as {{ dbt.type_bigint() }})
            as points_expired,
        cast(sum(case when entry_type = 'adjust' then points else 0 end) as {{ dbt.type_bigint() }})
            as points_adjusted,
        cast(sum(points) as {{ dbt.type_bigint() }}) as points_signed,
        {{ count_where("entry_type = 'redeem'") }} as redeem_entries,
        {{ loaded_at() }} as _loaded_at
    from entries_assigned
    group by 1, 2, 3

)

select * from final
