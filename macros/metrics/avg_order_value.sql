{#- Average order value = revenue / valid orders. -#}
{% macro avg_order_value(revenue, orders) -%}
    {{ safe_divide(revenue, orders) }}
{%- endmacro %}
