{#- Purchase frequency = valid orders / distinct purchasing customers (over a year for CLV). -#}
{% macro purchase_frequency(orders, customers) -%}
    {{ safe_divide(orders, customers) }}
{%- endmacro %}
