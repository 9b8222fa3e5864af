{#- One row per staged order line. Its prices are in its order's currency (stg_orders.currency);
    the lines of an order held back for want of an exchange rate are quarantined with it
    (quarantine_order_items, `order_rejected`). -#}
{%- set rateless_orders = orders_without_rate() %}
{#- Without a currency column no order waits for a rate: nothing is held back. #}
{%- set is_held_back = '(order_id in (' ~ rateless_orders ~ '))' if orders_have_currency() else 'false' %}

with

checked as (

    select * from {{ ref('base_raw__order_items') }}
    where
        reject_reason is null
        and not {{ is_held_back }}

),

renamed as (

    select
        -- ids
        order_id,
        line_number,
        product_id,

        -- categories
        product_category,

        -- numerics
        quantity,
        unit_price,
        -- decimal(38, 2): quantity x a price near the decimal(18, 2) limit still fits
        quantity * cast(unit_price as decimal(38, 2)) as line_amount

    from checked

)

select * from renamed
