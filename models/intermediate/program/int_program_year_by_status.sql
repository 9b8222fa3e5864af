{#- The trailing year of mart_clv per grain, period, segment (each and 'all'), program and
    member status at the end of the period: valid orders, revenue and purchasers in the 365
    days ending on period_end, the customers in the base 365 days before and those of them out
    of it at period_end. The members' are the sums of their changes by day up to period_end
    (int_program_year_changes); the non-members' are the whole base's (mart_clv) less the
    members'. -#}
{{ config(enabled=var('loyalty_program_enabled', true), materialized='table') }}
{%- set counts = ['orders_365d', 'purchasing_customers_365d', 'customers_year_before',
    'churned_customers_year'] %}

with

programs as (

    {{ programs_relation() }}

),

members_by_segment as (

    select
        periods.period_grain,
        periods.period_start,
        changes.program,
        changes.segment,
        cast(sum(changes.orders_365d) as {{ dbt.type_bigint() }}) as orders_365d,
        sum(changes.revenue_365d) as revenue_365d,
        cast(sum(changes.purchasing_customers_365d) as {{ dbt.type_bigint() }})
            as purchasing_customers_365d,
        cast(sum(changes.customers_year_before) as {{ dbt.type_bigint() }})
            as customers_year_before,
        cast(
            sum(changes.customers_year_before - changes.customers_kept_year)
            as {{ dbt.type_bigint() }}
        ) as churned_customers_year
    from {{ ref('int_periods') }} as periods
    inner join {{ ref('int_program_year_changes') }} as changes
        on periods.period_end >= changes.change_date
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
