{#- The rejected raw orders (base_raw__orders), and the orders in a foreign currency with no
    exchange rate on or before their order date: valid rows that stg_orders does not stage,
    with reason `no_exchange_rate` and their values as they arrived (a valid row's typed
    values, cast to the type the raw column has). Rebuilt on every run: an order leaves the
    quarantine on the run that first sees its rate. -#}
{%- set rateless_orders = orders_without_rate() %}
{%- set base = ref('base_raw__orders') %}
{%- set columns = [
    'order_id', 'customer_id', 'ordered_at', 'status', 'order_total', 'updated_at', 'currency'] %}

{{ quarantine_rows(base, columns, held_back={
    'reason': 'no_exchange_rate', 'where': 'order_id in (' ~ rateless_orders ~ ')'}
    if orders_have_currency() else none) }}
