{#- The columns of raw relation `relation`, as {name, data_type} with both in lower case,
    asked of the warehouse once per invocation: the change sets of every incremental model
    ask whether the raw orders have a currency (orders_have_currency), the staging models the
    type of each raw timestamp, the quarantine the type of each raw value it keeps; a night
    at 100k described raw.orders 30 times. The raw tables are the run's input: their columns
    do not change while it runs. Kept in run_cache (macros/incremental/node_cache.sql), so
    a manifest reused by a later command (dbtRunner) asks again. Nothing while dbt parses. -#}
{% macro raw_columns(relation) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set cache = run_cache() -%}
    {%- set key = 'raw_columns:' ~ relation -%}
    {%- if key not in cache -%}
        {%- set found = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do found.append({'name': column.name | lower, 'data_type': column.dtype | lower}) -%}
        {%- endfor -%}
        {%- do cache.update({key: found}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{%- endmacro %}
