{#- A dict that lives as long as this invocation (a `dbt run`, `dbt build`, ...), shared by
    all its nodes and hooks through the manifest's graph (dbt gives each node and hook a
    context of its own, but one graph). Keyed by the invocation, so a manifest reused by a
    later command (dbtRunner) starts empty. Only facts that cannot change while the
    invocation runs belong here directly (raw_columns: the raw tables are the run's input). -#}
{% macro run_cache() -%}
    {%- if graph is not mapping -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set caches = graph.setdefault('loyalty_run_caches', {}) -%}
    {{ return(caches.setdefault(invocation_id, {})) }}
{%- endmacro %}

{#- A dict that lives as long as the node's run in this invocation (in run_cache): its
    compilation and its materialization share it. The scope macros read the same run state
    and watermark of `this` many times per node (is_partial_run, last_loaded_at), in the
    model's SQL and again in the strategy's delete; they keep the first answer here instead of
    asking the warehouse again. Only facts that hold for the node's whole run belong here:
    `this` as it was before the model's statements ran, and upstream tables, which are built
    before the node starts. -#}
{% macro node_cache() -%}
    {%- if not execute or model is not mapping -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(run_cache().setdefault('node:' ~ model.unique_id, {})) }}
{%- endmacro %}
