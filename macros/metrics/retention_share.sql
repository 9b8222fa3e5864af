{#- Cohort retention share = cohort customers active in the month / cohort size. -#}
{% macro retention_share(active_customers, cohort_size) -%}
    {{ safe_divide(active_customers, cohort_size) }}
{%- endmacro %}
