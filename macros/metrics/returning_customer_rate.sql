{#- Returning customer rate = active customers whose first order is before the period
    / active customers. -#}
{% macro returning_customer_rate(returning_customers, active_customers) -%}
    {{ safe_divide(returning_customers, active_customers) }}
{%- endmacro %}
