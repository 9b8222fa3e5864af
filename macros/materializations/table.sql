{#- The table materialization on DuckDB: the new table is built beside the old one, then the
    old one is dropped and the new one renamed into its place, all in one transaction, so a
    reader sees the old table or the new one, never neither, and the model may read its own
    previous table while it runs (the BTYD fit reuses its parameters).

    dbt-duckdb's own table materialization does the same with about twice the statements and
    the cache updates: it renames the old table to `<model>__dbt_backup`, drops it after the
    commit, and looks for indexes and foreign keys to carry over. A node's work in dbt is what
    a nightly run is made of at small sizes (docs/performance.md): this saves about 30 ms of
    dbt's time per table. What the model's config asks is kept: hooks in and out of the
    transaction, an enforced contract (create_table_as checks the columns and declares their
    types), Python models, indexes, grants and persist_docs. Foreign-key constraints between
    tables are not carried over (the project declares none). Postgres and Spark keep their
    own materializations. dbt takes the root project's materialization over the adapter's, so
    a project that installs this one as a package keeps dbt-duckdb's. -#}
{% materialization table, adapter='duckdb', supported_languages=['sql', 'python'] %}
    {%- set language = model['language'] -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set build_relation = make_intermediate_relation(target_relation) -%}

    {#- left behind by a run that stopped half-way -#}
    {{ drop_relation_if_exists(load_cached_relation(build_relation)) }}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% call statement('main', language=language) -%}
        {{- create_table_as(False, build_relation, compiled_code, language) }}
    {%- endcall %}
    {{ drop_relation_if_exists(existing_relation) }}
    {{ adapter.rename_relation(build_relation, target_relation) }}

    {% do create_indexes(target_relation) %}
    {{ return(loyalty_analytics.finish_replacing(target_relation, existing_relation, post_hooks)) }}
{% endmaterialization %}

{#- The end of both materializations (table.sql, view.sql): the post-hooks inside the
    transaction, grants and docs, the commit, the post-hooks outside it. They call it by its
    package's name: a host project that opts in to them (docs/warehouse.md) runs them in its
    own namespace, where a bare `finish_replacing` is undefined. -#}
{% macro finish_replacing(target_relation, existing_relation, post_hooks) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do apply_grants(target_relation, config.get('grants'),
        should_revoke=should_revoke(existing_relation, full_refresh_mode=True)) %}
    {% do persist_docs(target_relation, model) %}

    -- `COMMIT` happens here
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmacro %}
