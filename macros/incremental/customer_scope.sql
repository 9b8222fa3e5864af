{#- Scope of the per-customer models (spells, roll-ups, order and purchase-day summaries):
    every row of a customer whose orders, order lines or customers row changed. -#}
{% macro customer_scope() -%}
    customer_id in ({{ changed_customers() }})
{%- endmacro %}

{#- The valid orders of the changed customers (all valid orders when the model is built
    whole), as a relation. -#}
{% macro scoped_valid_orders() -%}
    {%- set scope = customer_scope() -%}
    {%- if is_partial_run() -%}
    (select * from {{ ref('int_orders_validated') }} where {{ scope }}) as scoped_orders
    {%- else -%}
    {{ ref('int_orders_validated') }}
    {%- endif -%}
{%- endmacro %}
