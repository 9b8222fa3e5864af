{#- One row per staged order, its amount in the reporting currency. With the optional
    orders.currency column, an order in another currency converts at the latest rate of its
    currency on or before its order date (stg_exchange_rates), with no rounding; one without
    such a rate is not staged but quarantined as `no_exchange_rate` (quarantine_orders).
    Without the column every order is in the reporting currency and no rate is read. A view:
    a late rate is seen at once (the per-customer models learn of it through
    customers_of_changed_rates). -#}
{%- set rates_relation = ref('stg_exchange_rates') %}
{%- set has_currency = orders_have_currency() %}
{%- set reporting = reporting_currency() %}

with

checked as (

    select * from {{ ref('base_raw__orders') }}
    where reject_reason is null

),

{%- if has_currency %}

rates as (

    select
        currency,
        rate_date,
        next_rate_date,
        rate_to_reporting
    from {{ rates_relation }}

),
{%- endif %}

dated as (

    select
        *,
        {{ reporting_date('ordered_at') }} as order_date,
        {{ order_currency('currency') }} as order_currency
    from checked

),

converted as (

    select
        dated.order_id,
        dated.customer_id,
        dated.status,
        dated.order_currency as currency,
        dated.order_total as original_order_total,
        {%- if has_currency %}
            case
                when dated.order_currency = '{{ reporting }}' then cast(1 as decimal(18, 8))
                else rates.rate_to_reporting
            end as rate_to_reporting,
        {%- else %}
            cast(1 as decimal(18, 8)) as rate_to_reporting,
        {%- endif %}
        dated.ordered_at,
        dated.updated_at,
        dated.order_date
    from dated
    {%- if has_currency %}
    left join rates
        on
            dated.order_currency = rates.currency
            and dated.order_currency != '{{ reporting }}'
            and dated.order_date >= rates.rate_date
            and (rates.next_rate_date is null or dated.order_date < rates.next_rate_date)
    where rates.currency is not null or dated.order_currency = '{{ reporting }}'
    {%- endif %}

),

renamed as (

    select
        -- ids
        order_id,
        customer_id,

        -- categories
        status,
        currency,

        -- numerics
        {%- if has_currency %}
            cast(original_order_total * rate_to_reporting as decimal(38, 10)) as order_total,
        {%- else %}
            original_order_total as order_total,
        {%- endif %}
        original_order_total,
        rate_to_reporting,

        -- timestamps
        ordered_at,
        updated_at,

        -- derived
        order_date,
        -- only completed orders are purchases (metrics.md, "Valid order")
        status = 'completed' as is_completed

    from converted

)

select * from renamed
