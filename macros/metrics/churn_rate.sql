{#- Churn rate = churned / S: the share of the base at the start that has left it by the end.
    (The first source article prints the CRR formula under "churn"; see the README.) -#}
{% macro churn_rate(churned_customers, customers_start) -%}
    {{ safe_divide(churned_customers, customers_start) }}
{%- endmacro %}
