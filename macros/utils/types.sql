{#- A double-precision float on every engine. dbt.type_float() is `float`, which is double
    precision on Postgres and Snowflake but single precision (REAL) on DuckDB: rates must
    agree to 1e-9 across engines. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'loyalty_analytics')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {{ return(dbt.type_float()) }}
{%- endmacro %}

{% macro duckdb__type_double() -%}
    {{ return('double') }}
{%- endmacro %}

{% macro postgres__type_double() -%}
    {{ return('double precision') }}
{%- endmacro %}

{% macro spark__type_double() -%}
    {{ return('double') }}
{%- endmacro %}
