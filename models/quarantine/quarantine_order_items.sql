{#- The rejected raw order lines (base_raw__order_items), and the lines of the orders held
    back for want of an exchange rate, as `order_rejected` (their order is quarantined as
    `no_exchange_rate`), with their typed values cast to the raw columns' types. -#}
{%- set rateless_orders = orders_without_rate() %}
{%- set base = ref('base_raw__order_items') %}
{%- set columns = ['order_id', 'line_number', 'product_id', 'product_category', 'quantity', 'unit_price'] %}

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
        'order_rejected' as reject_reason,
        {{ quarantined_at() }} as quarantined_at
    from {{ base }}
    where
        reject_reason is null
        and order_id in ({{ rateless_orders }})

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
