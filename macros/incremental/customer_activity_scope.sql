{#- Scope of int_customers_unioned: every customer with a changed row in any raw table. -#}
{% macro customer_activity_scope() -%}
    customer_id in ({{ changed_customers_with_activity() }})
{%- endmacro %}

{#- Scope of dim_customers: the changed customers, and those first seen on or after the first
    day a moved as-of date changes (they enter or leave the dimension with it). -#}
{% macro dim_customer_scope() -%}
    (
        customer_id in ({{ changed_customers_with_activity() }})
        or first_seen_date >= {{ date_literal(as_of_cutoff()) }}
    )
{%- endmacro %}
