{#- One row per staged order line. Its prices are in its order's currency (stg_orders.currency);
    the lines of an order held back for want of an exchange rate are quarantined with it
    (quarantine_order_items, `order_rejected`). -#}
{%- set rateless_orders = orders_without_rate() %}

with

checked as (

    select * from {{ ref('base_raw__order_items') }}
    where
        reject_reason is null
        {%- if orders_have_currency() %}
        and order_id not in ({{ rateless_orders }})
        {%- endif %}

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
