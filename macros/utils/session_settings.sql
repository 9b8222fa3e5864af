{#- Hooks of a model whose hash joins DuckDB is to build as the query writes them: the right
    side of a join is the hash table. DuckDB swaps the sides when it estimates the left side
    smaller, and a filter's or a range join's estimate can be far off: fct_customer_periods'
    left join of 23M spell periods (estimated 1.1M) to 7.7M customer periods built its hash
    table on the 23M rows (at 10m orders, written to a table alone: 11.0 s and 2.5 GB of
    buffers, against 9.0 s and 1.3 GB with the sides as written; duckdb_session_setting). -#}
{% macro join_sides_as_written(start) -%}
    {{ return(duckdb_session_setting('disabled_optimizers', "'build_side_probe_side'", start)) }}
{%- endmacro %}

{#- A pre-hook (start: true) or post-hook (start: false) that sets DuckDB's `name` to `value`
    for one model's queries and resets it after: the setting belongs to the connection of the
    dbt thread that runs the model. Nothing on other engines. -#}
{% macro duckdb_session_setting(name, value, start) -%}
    {{ return(adapter.dispatch('duckdb_session_setting', 'loyalty_analytics')(name, value, start)) }}
{%- endmacro %}

{% macro default__duckdb_session_setting(name, value, start) -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__duckdb_session_setting(name, value, start) -%}
    {{ return('set ' ~ name ~ ' = ' ~ value if start else 'reset ' ~ name) }}
{%- endmacro %}
