{#- The rejected raw orders (base_raw__orders), and the orders in a foreign currency with no
    exchange rate on or before their order date: valid rows that stg_orders does not stage,
    with reason `no_exchange_rate` and their values as they arrived (a valid row's typed
    values, cast to the type the raw column has). Rebuilt on every run: an order leaves the
    quarantine on the run that first sees its rate. -#}
{%- set rateless_orders = orders_without_rate() %}
{%- set base = ref('base_raw__orders') %}
{%- set columns = [
    'order_id', 'customer_id', 'ordered_at', 'status', 'order_total', 'updated_at', 'currency'] %}

{%- if orders_have_currency() %}

with

rejected as (

    {{ quarantine_rows(base, columns) }}

),

without_rate as (

    select
        {% for column in columns -%}
            {{ cast_like(column, base, 'raw_' ~ column) }} as {{ column }},
        {% endfor -%}
        'no_exchange_rate' as reject_reason,
        {{ quarantined_at() }} as quarantined_at
    from {{ base }}
    where order_id in ({{ rateless_orders }})

),

final as (

    select * from rejected
    union all
    select * from without_rate

)

select * from final

{%- else %}

    {{ quarantine_rows(base, columns) }}

{%- endif %}
