{#- Hooks of a model whose hash joins DuckDB is to build as the query writes them: the right
    side of a join is the hash table. DuckDB swaps the sides when it estimates the left side
    smaller, and a filter's or a range join's estimate can be far off: fct_customer_periods'
    left join of 23M spell periods (estimated 1.1M) to 7.7M customer periods built its hash
    table on the 23M rows (at 10m orders, written to a table alone: 11.0 s and 2.5 GB of
    buffers, against 9.0 s and 1.3 GB with the sides as written). Set before the model's
    query, reset after (the setting belongs to the thread's connection); nothing on other
    engines. -#}
{% macro join_sides_as_written(start) -%}
    {{ return(adapter.dispatch('join_sides_as_written', 'loyalty_analytics')(start)) }}
{%- endmacro %}

{% macro default__join_sides_as_written(start) -%}
{%- endmacro %}

{% macro duckdb__join_sides_as_written(start) -%}
    {{ "set disabled_optimizers = 'build_side_probe_side'" if start else 'reset disabled_optimizers' }}
{%- endmacro %}
