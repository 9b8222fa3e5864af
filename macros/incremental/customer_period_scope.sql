{#- Scope of fct_customer_periods: every row of a changed customer, and every customer's rows
    of the periods a moved as-of date changes. -#}
{% macro customer_period_scope() -%}
    (
        customer_id in ({{ changed_customers() }})
        or {{ period_from(as_of_cutoff()) }}
    )
{%- endmacro %}
