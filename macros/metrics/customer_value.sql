{#- Customer value = average order value x purchase frequency. -#}
{% macro customer_value(avg_order_value, purchase_frequency) -%}
    (({{ avg_order_value }}) * ({{ purchase_frequency }}))
{%- endmacro %}
