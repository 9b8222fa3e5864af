{#- One value computed on `this` when the model is compiled (none while parsing, when the
    table does not exist yet, or when the value is NULL): compile-time literals let the
    database prune, where a subquery would scan. -#}
{% macro scalar_of_this(expression, where=none) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query('select ' ~ expression ~ ' from ' ~ this
        ~ (' where ' ~ where if where else '')) -%}
    {{ return(result.columns[0].values()[0] if result.rows | length > 0 else none) }}
{%- endmacro %}
