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

{#- round(x, digits) on a double. Postgres rounds only numerics to a number of digits. -#}
{% macro round_to(expression, digits) -%}
    {{ return(adapter.dispatch('round_to', 'loyalty_analytics')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_to(expression, digits) -%}
    round(cast({{ expression }} as {{ type_double() }}), {{ digits }})
{%- endmacro %}

{% macro postgres__round_to(expression, digits) -%}
    cast(round(cast({{ expression }} as numeric), {{ digits }}) as {{ type_double() }})
{%- endmacro %}
