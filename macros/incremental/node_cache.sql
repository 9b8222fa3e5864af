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
    compilation and its materialization share it. The scope macros read the watermark of
    `this` many times per node (last_loaded_at), in the model's SQL and again in the
    strategy's delete, and the scope itself twice (cached_scope); they keep the first answer
    here instead of asking the warehouse again. Only facts that hold for the node's whole run
    and depend on `this` as it was before the model's statements ran belong here (its
    watermark, a cutoff from it); a query on upstream tables alone goes to upstream_column. -#}
{% macro node_cache() -%}
    {%- if not execute or model is not mapping -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(run_cache().setdefault('node:' ~ model.unique_id, {})) }}
{%- endmacro %}

{#- The values of the one column `sql` returns (a tuple: a one-row aggregate's value is
    `[0]`), a query that reads only relations the asking node depends on, kept for the rest
    of the invocation (run_cache) under its text. Those relations are built before the node
    starts and stay as they are while the invocation runs, so the same text gives the same
    answer to every node that asks it: the scope macros of many models ask the same
    questions of the same upstream tables (the as-of date, the earliest changed order since a
    watermark they share after a nightly run). At 100k orders a night asked 62 of its 159
    compile-time queries again. Never for a query that reads `this`, which the node itself
    changes. -#}
{% macro upstream_column(sql) -%}
    {%- set cache = run_cache() -%}
    {%- set key = 'upstream query: ' ~ sql -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: run_query(sql).columns[0].values()}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{%- endmacro %}
