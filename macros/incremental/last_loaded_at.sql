{#- The watermark of `this`: the newest `_loaded_at` it holds. Rows an upstream model wrote
    after it are new to this model; a run that failed or wrote nothing leaves the watermark
    where it was, so the next run sees those rows again. Read once per node run
    (node_cache): the model's statements, which move it, run after every read. -#}
{% macro last_loaded_at() -%}
    {%- set cache = node_cache() -%}
    {%- if 'last_loaded_at' not in cache -%}
        {%- do check_loaded_at_column() -%}
        {%- do cache.update({'last_loaded_at': scalar_of_this('max(_loaded_at)')}) -%}
    {%- endif -%}
    {{ timestamp_literal(cache['last_loaded_at']) }}
{%- endmacro %}

{#- A table an earlier version of the project built before its model became incremental has
    no `_loaded_at` (nor a run state): stop with what to do, not a binder error. Checked only
    for such a table, so a model's own incremental runs pay one small read of the run state. -#}
{% macro check_loaded_at_column() -%}
    {%- if execute and is_incremental() and config.get('incremental_strategy') == 'replace_scope'
        and not recorded_run_state() -%}
        {%- if '_loaded_at' not in columns_of_this() -%}
            {{ stop_until_rebuilt("has no _loaded_at column: an earlier version of the "
                ~ "project built it before the model was incremental") }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
