{#- Per grain, period and customer segment: the customers in the base at the end of
    period_end − 365 days, and those of them no longer in the base at the end of period_end
    (the annual churn of the CLV, metrics.md). In the base at the end of a day: the day falls
    in one of the customer's spells of the churn window (int_customer_spells). A customer's
    spells do not overlap, so a day falls in at most one of them: a customer of the year
    before is one joined row, with the spell that holds period_end or with none (churned).
    Only segments with a customer in the base a year before have a row.
    Ephemeral, a CTE of mart_clv: the mart reads it for the periods of its scope, and the
    database applies that filter to the periods here. -#}
with

periods as (

    select
        period_grain,
        period_start,
        period_end,
        cast({{ dbt.dateadd('day', -365, 'period_end') }} as date) as year_before_end
    from {{ ref('int_periods') }}

),

base_spells as (

    select
        customer_id,
        spell_start,
        spell_end
    from {{ ref('int_customer_spells') }}
    where window_days = {{ churn_window_days() }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('dim_customers') }}

),

{#- The spell at period_end is joined by customer (its dates checked in the join), not as a
    second period × spell join: the periods come from one side only, so a filter on them
    reaches both spell lookups. #}

final as (

    select
        periods.period_grain,
        periods.period_start,
        customers.segment,
        count(*) as customers_year_before,
        {{ count_where('spell_at_end.customer_id is null') }} as churned_customers_year
    from periods
    inner join base_spells as spell_year_before
        on {{ is_in_base('periods.year_before_end',
            'spell_year_before.spell_start', 'spell_year_before.spell_end') }}
    inner join customers
        on spell_year_before.customer_id = customers.customer_id
    left join base_spells as spell_at_end
        on
            spell_year_before.customer_id = spell_at_end.customer_id
            and {{ is_in_base('periods.period_end', 'spell_at_end.spell_start', 'spell_at_end.spell_end') }}
    group by 1, 2, 3

)

select * from final
