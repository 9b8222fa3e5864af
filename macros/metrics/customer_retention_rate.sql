{#- CRR = (E - N) / S: customers in the base at the end of the period, less the new ones,
    over the customers in the base at its start. Reactivated customers count in E, so CRR
    can exceed 1 - churn_rate by reactivated / S. -#}
{% macro customer_retention_rate(customers_end, new_customers, customers_start) -%}
    {{ safe_divide('(' ~ customers_end ~ ') - (' ~ new_customers ~ ')', customers_start) }}
{%- endmacro %}
