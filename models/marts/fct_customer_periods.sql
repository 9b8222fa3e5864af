{#- One row per customer, grain and period from the customer's first period on, for every
    period in which the customer is active or in the base at its start or its end
    (data-contract.md). A lapsed customer has no rows until they come back.
    Incremental: a run recomputes every row of the customers whose orders, order lines or
    customers row changed, and, for everybody, the rows of the periods a moved as-of date
    changes (customer_period_scope). -#}
{{ config(
    materialized=incremental_or_table(),
    scope='customer_period_scope',
    pre_hook="{{ join_sides_as_written(true) }}",
    post_hook="{{ join_sides_as_written(false) }}") }}
{%- set scope = cached_scope('customer_period_scope') %}
{%- set changed = changed_customers() %}
{%- set changed_only = ' and spells.is_changed' if is_partial_run() else '' %}

with

periods as (

    select
        period_grain,
        period_start,
        period_end
    from {{ ref('int_periods') }}

),

{#- A customer's second spell, if any: one row per customer who has one (a left join, since
    Spark takes no subquery in a select list). #}

second_spells as (

    select customer_id
    from {{ ref('int_customer_spells') }}
    where window_days = {{ churn_window_days() }} and spell_number = 2

),

spells as (

    select
        all_spells.customer_id,
        all_spells.spell_start,
        all_spells.spell_end,
        {{ 'all_spells.customer_id in (' ~ changed ~ ')' if is_partial_run() else 'true' }}
            as is_changed,
        second_spells.customer_id is not null as has_other_spells
    from {{ ref('int_customer_spells') }} as all_spells
    left join second_spells
        on all_spells.customer_id = second_spells.customer_id
    where all_spells.window_days = {{ churn_window_days() }}

),

customer_orders as (

    select
        customer_id,
        period_grain,
        period_start,
        orders,
        revenue,
        distinct_categories
    from {{ ref('int_customer_periods_aggregated') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

),

customers as (

    select
        customer_id,
        segment,
        first_order_date
    from {{ ref('dim_customers') }}

),

{%- if is_partial_run() %}

{#- An unchanged customer's rows before the periods a moved as-of date changes stand. #}

recent_periods as (

    select
        period_grain,
        period_start,
        period_end
    from periods
    where {{ period_from(as_of_cutoff()) }}

),
{%- endif %}

{#- The pairs of a spell and a period it touches. Spells of a customer do not overlap, so a
    customer with one spell has one pair per period, taken as it is; only the pairs of
    customers with more than one spell are grouped below (at 10m orders, 2.3M of 23M pairs:
    grouping all of them took 4.4 of the query's 7.8 s alone). The two sets of pairs are
    joined separately, so that neither is stored. A changed customer's spells meet every
    period, an unchanged one's the recent periods only. #}

single_spell_pairs as (

    {{ spells_touching_periods('spells', 'periods', 'not spells.has_other_spells' ~ changed_only) }}
    {%- if is_partial_run() %}
    union all
    {{ spells_touching_periods('spells', 'recent_periods', 'not spells.has_other_spells and not spells.is_changed') }}
    {%- endif %}

),

multiple_spell_pairs as (

    {{ spells_touching_periods('spells', 'periods', 'spells.has_other_spells' ~ changed_only) }}
    {%- if is_partial_run() %}
    union all
    {{ spells_touching_periods('spells', 'recent_periods', 'spells.has_other_spells and not spells.is_changed') }}
    {%- endif %}

),

{#- One spell's flags for the period: in the base at its start (the end of the day before it)
    and at its end, 1 or 0. A customer with more than one spell takes the largest of each. #}
{%- set in_base_at_start = 'case when ' ~ is_in_base(dbt.dateadd('day', -1, 'period_start'))
    ~ ' then 1 else 0 end' %}
{%- set in_base_at_end = 'case when ' ~ is_in_base('period_end') ~ ' then 1 else 0 end' %}

spell_periods as (

    select
        customer_id,
        period_grain,
        period_start,
        period_end,
        {{ in_base_at_start }} as in_base_start_flag,
        {{ in_base_at_end }} as in_base_end_flag
    from single_spell_pairs

    union all

    select
        customer_id,
        period_grain,
        period_start,
        period_end,
        max({{ in_base_at_start }}) as in_base_start_flag,
        max({{ in_base_at_end }}) as in_base_end_flag
    from multiple_spell_pairs
    group by 1, 2, 3, 4

),

{#- The hash tables: customers (1M rows at 10m orders) and customer_orders (7.7M), not the
    spell periods (23M): the pre-hook keeps the sides as written (join_sides_as_written). #}

flagged as (

    select
        spell_periods.customer_id,
        spell_periods.period_grain,
        spell_periods.period_start,
        spell_periods.period_end,
        customers.segment,
        coalesce(customer_orders.orders, 0) as orders,
        coalesce(cast(customer_orders.revenue as decimal(38, 2)), 0) as revenue,
        coalesce(customer_orders.distinct_categories, 0) as distinct_categories,
        coalesce(customer_orders.orders, 0) > 0 as is_active,
        coalesce(
            customers.first_order_date >= spell_periods.period_start
            and customers.first_order_date <= spell_periods.period_end,
            false
        ) as is_new,
        spell_periods.in_base_start_flag = 1 as is_in_base_start,
        spell_periods.in_base_end_flag = 1 as is_in_base_end
    from spell_periods
    inner join customers
        on spell_periods.customer_id = customers.customer_id
    left join customer_orders
        on
            spell_periods.customer_id = customer_orders.customer_id
            and spell_periods.period_grain = customer_orders.period_grain
            and spell_periods.period_start = customer_orders.period_start

),

final as (

    select
        customer_id,
        period_grain,
        period_start,
        period_end,
        segment,
        orders,
        revenue,
        distinct_categories,
        is_active,
        is_new,
        is_in_base_start,
        is_in_base_end,
        is_in_base_start and is_in_base_end as is_retained,
        is_in_base_start and not is_in_base_end as is_churned,
        is_in_base_end and not is_in_base_start and not is_new as is_reactivated,
        {{ loaded_at() }} as _loaded_at
    from flagged

)

select * from final
