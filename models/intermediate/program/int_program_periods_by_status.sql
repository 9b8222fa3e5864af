{#- Retention and purchases per grain, period, segment (each and 'all'), program and member
    status at the end of the period: the counts of mart_retention and mart_purchases, split.
    The members' are counted from their rows of fct_customer_periods whose period_end a spell
    of membership holds (int_program_member_spells); the non-members' are the whole base's
    (the two marts) less the members'.
    Incremental: a run recomputes whole periods from the earliest one a changed order, order
    line, membership, answer, event or customers row or a moved as-of date reaches; every
    period when the programs or the segments changed (program_segment_period_scope). -#}
{{ config(
    enabled=var('loyalty_program_enabled', true),
    materialized=incremental_or_table(),
    scope='program_segment_period_scope') }}
{%- set scope = cached_scope('program_segment_period_scope') %}
{%- set in_scope = 'where ' ~ scope if is_partial_run() else '' %}
{%- set counts = ['customers_start', 'customers_end', 'new_customers', 'churned_customers',
    'active_customers', 'repeat_customers', 'multi_category_customers',
    'single_category_customers', 'orders'] %}

with

programs as (

    {{ programs_relation() }}

),

member_spells as (

    {{ member_spells_relation() }}

),

customer_periods as (

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
        is_churned
    from {{ ref('fct_customer_periods') }}
    {{ in_scope }}

),

members_by_segment as (

    select
        customer_periods.period_grain,
        customer_periods.period_start,
        member_spells.program,
        customer_periods.segment,
        {{ count_where('customer_periods.is_in_base_start') }} as customers_start,
        {{ count_where('customer_periods.is_in_base_end') }} as customers_end,
        {{ count_where('customer_periods.is_new') }} as new_customers,
        {{ count_where('customer_periods.is_churned') }} as churned_customers,
        {{ count_where('customer_periods.is_active') }} as active_customers,
        {{ count_where('customer_periods.is_active and customer_periods.orders >= 2') }}
            as repeat_customers,
        {{ count_where('customer_periods.is_active and customer_periods.distinct_categories >= 2') }}
            as multi_category_customers,
        {{ count_where('customer_periods.is_active and customer_periods.distinct_categories = 1') }}
            as single_category_customers,
        cast(sum(customer_periods.orders) as {{ dbt.type_bigint() }}) as orders,
        sum(customer_periods.revenue) as revenue
    from customer_periods
    inner join member_spells
        on
            customer_periods.customer_id = member_spells.customer_id
            and {{ is_member_at('customer_periods.period_end', 'member_spells.member_from',
                'member_spells.member_until') }}
    group by 1, 2, 3, 4

),

members as (

    {{ union_all_segment(
        'members_by_segment',
        keys=['period_grain', 'period_start', 'program'],
        counts=counts,
        amounts=['revenue']) }}

),

retention as (

    select
        period_grain,
        period_start,
        segment,
        customers_start,
        customers_end,
        new_customers,
        churned_customers
    from {{ ref('mart_retention') }}
    {{ in_scope }}

),

purchases as (

    select
        period_grain,
        period_start,
        segment,
        active_customers,
        repeat_customers,
        multi_category_customers,
        single_category_customers,
        orders,
        revenue
    from {{ ref('mart_purchases') }}
    {{ in_scope }}

),

whole_base as (

    select
        retention.period_grain,
        retention.period_start,
        retention.segment,
        retention.customers_start,
        retention.customers_end,
        retention.new_customers,
        retention.churned_customers,
        purchases.active_customers,
        purchases.repeat_customers,
        purchases.multi_category_customers,
        purchases.single_category_customers,
        purchases.orders,
        purchases.revenue
    from retention
    inner join purchases
        on
            retention.period_grain = purchases.period_grain
            and retention.period_start = purchases.period_start
            and retention.segment = purchases.segment

),

final as (

    {{ split_by_member_status(counts + ['revenue'], stamped=true) }}

)

select * from final
