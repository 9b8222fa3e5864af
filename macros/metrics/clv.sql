{#- Historical CLV = customer value x average lifespan in years x gross margin rate. -#}
{% macro clv(customer_value, avg_lifespan_years, gross_margin_rate=none) -%}
    {%- set margin = gross_margin_rate if gross_margin_rate is not none else var('gross_margin_rate', 1.0) -%}
    (({{ customer_value }}) * ({{ avg_lifespan_years }}) * cast({{ margin }} as {{ type_double() }}))
{%- endmacro %}
