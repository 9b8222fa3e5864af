{#- Per grain, period and customer segment: the customers with a valid order in the 365 days
    that end on period_end, whatever the grain. Such a customer has a 365-day spell
    (int_customer_spells) that holds period_end. A customer's spells do not overlap, so a day
    falls in at most one of them: count(*) counts customers. Only segments with a purchaser
    have a row.
    Ephemeral, a CTE of mart_clv: the mart reads it for the periods of its scope, and the
    database applies that filter to the periods here. -#}
with

periods as (

    select
        period_grain,
        period_start,
        period_end
    from {{ ref('int_periods') }}

),

purchase_year_spells as (

    select
        customer_id,
        spell_start,
        spell_end
    from {{ ref('int_customer_spells') }}
    where window_days = 365

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('dim_customers') }}

),

final as (

    select
        periods.period_grain,
        periods.period_start,
        customers.segment,
        count(*) as purchasing_customers_365d
    from periods
    inner join purchase_year_spells
        on {{ is_in_base('periods.period_end',
            'purchase_year_spells.spell_start', 'purchase_year_spells.spell_end') }}
    inner join customers
        on purchase_year_spells.customer_id = customers.customer_id
    group by 1, 2, 3

)

select * from final
