{#- A dict that lives as long as the node's run in this invocation: its compilation and its
    materialization share it (dbt gives each its own context, but one manifest graph). The
    scope macros read the same run state and watermark of `this` many times per node
    (is_partial_run, last_loaded_at), in the model's SQL and again in the strategy's delete;
    they keep the first answer here instead of asking the warehouse again. Only facts that
    hold for the node's whole run belong here: `this` as it was before the model's statements
    ran, and upstream tables, which are built before the node starts. Keyed by the
    invocation, so a manifest reused by a later command (dbtRunner) starts empty. -#}
{% macro node_cache() -%}
    {%- if not execute or model is not mapping or graph is not mapping -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set caches = graph.setdefault('loyalty_node_caches', {}) -%}
    {{ return(caches.setdefault(invocation_id ~ ':' ~ model.unique_id, {})) }}
{%- endmacro %}
