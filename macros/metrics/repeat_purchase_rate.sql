{#- RPR = customers with >= 2 valid orders in the period / customers with >= 1. -#}
{% macro repeat_purchase_rate(repeat_customers, active_customers) -%}
    {{ safe_divide(repeat_customers, active_customers) }}
{%- endmacro %}
