{#- The trailing year of mart_clv per grain, period, segment (each and 'all'), program and
    member status at the end of the period: valid orders, revenue and purchasers in the 365
    days ending on period_end, the customers in the base 365 days before and those of them out
    of it at period_end. The members' are counted from int_program_member_years (each member
    of any program, once per program they belong to); the non-members' are the whole base's
    (mart_clv) less the members'. -#}
{{ config(enabled=var('loyalty_program_enabled', true), materialized='table') }}
{%- set counts = ['orders_365d', 'purchasing_customers_365d', 'customers_year_before',
    'churned_customers_year'] %}

with

programs as (

    {{ programs_relation() }}

),

member_years as (

    select
        member_years.period_grain,
        member_years.period_start,
        member_spells.program,
        customers.segment,
        member_years.orders_365d,
        member_years.revenue_365d,
        member_years.is_in_base_year_before,
        member_years.is_in_base_end
    from {{ ref('int_program_member_years') }} as member_years
    inner join {{ ref('int_periods') }} as periods
        on
            member_years.period_grain = periods.period_grain
            and member_years.period_start = periods.period_start
    inner join {{ ref('int_program_member_spells') }} as member_spells
        on
            member_years.customer_id = member_spells.customer_id
            and {{ is_member_at('periods.period_end', 'member_spells.member_from',
                'member_spells.member_until') }}
    inner join {{ ref('dim_customers') }} as customers
        on member_years.customer_id = customers.customer_id

),

members_by_segment as (

    select
        period_grain,
        period_start,
        program,
        segment,
        cast(sum(orders_365d) as {{ dbt.type_bigint() }}) as orders_365d,
        sum(revenue_365d) as revenue_365d,
        {{ count_where('orders_365d > 0') }} as purchasing_customers_365d,
        {{ count_where('is_in_base_year_before') }} as customers_year_before,
        {{ count_where('is_in_base_year_before and not is_in_base_end') }}
            as churned_customers_year
    from member_years
    group by 1, 2, 3, 4

),

members as (

    {{ union_all_segment(
        'members_by_segment',
        keys=['period_grain', 'period_start', 'program'],
        counts=counts,
        amounts=['revenue_365d']) }}

),

whole_base as (

    select
        period_grain,
        period_start,
        segment,
        orders_365d,
        revenue_365d,
        purchasing_customers_365d,
        customers_year_before,
        churned_customers_year
    from {{ ref('mart_clv') }}

),

final as (

    {{ split_by_member_status(counts + ['revenue_365d']) }}

)

select * from final
