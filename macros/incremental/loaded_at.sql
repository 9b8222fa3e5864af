{#- The start of this run, stamped as `_loaded_at` on every row an incremental model writes. -#}
{% macro loaded_at() -%}
    {{ run_started_timestamp() }}
{%- endmacro %}
