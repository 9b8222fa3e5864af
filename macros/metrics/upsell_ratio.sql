{#- Upsell ratio = customers buying >= 2 distinct categories / customers buying exactly 1.
    A ratio, not a share: it can exceed 1. -#}
{% macro upsell_ratio(multi_category_customers, single_category_customers) -%}
    {{ safe_divide(multi_category_customers, single_category_customers) }}
{%- endmacro %}
