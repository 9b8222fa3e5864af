{#- The rejected raw order lines (base_raw__order_items), and the lines of the orders held
    back for want of an exchange rate, as `order_rejected` (their order is quarantined as
    `no_exchange_rate`), with their typed values cast to the raw columns' types. -#}
{%- set rateless_orders = orders_without_rate() %}
{%- set base = ref('base_raw__order_items') %}
{%- set columns = ['order_id', 'line_number', 'product_id', 'product_category', 'quantity', 'unit_price'] %}

{{ quarantine_rows(base, columns, held_back={
    'reason': 'order_rejected', 'where': 'order_id in (' ~ rateless_orders ~ ')'}
    if orders_have_currency() else none) }}
