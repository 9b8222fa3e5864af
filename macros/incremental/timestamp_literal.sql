{#- A Python datetime (or none, then `default`) as a SQL timestamp literal. -#}
{% macro timestamp_literal(value, default='1900-01-01 00:00:00') -%}
    {%- set text = value.strftime('%Y-%m-%d %H:%M:%S.%f') if value is not none else default -%}
    cast('{{ text }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- A Python date (or none, then `default`) as a SQL date literal. -#}
{% macro date_literal(value, default='1900-01-01') -%}
    {%- set text = value.strftime('%Y-%m-%d') if value is not none else default -%}
    cast('{{ text }}' as date)
{%- endmacro %}
