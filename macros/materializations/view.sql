{#- The view materialization on DuckDB: the view is dropped and created again inside one
    transaction (see table.sql, beside it, for why). dbt's default builds
    `<model>__dbt_tmp`, renames the old view away, renames the new one into place and drops
    the old: this does the same in two statements and a commit. An enforced contract is
    checked by create_view_as, as before. -#}
{% materialization view, adapter='duckdb' %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='view') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {{ drop_relation_if_exists(existing_relation) }}
    {% call statement('main') -%}
        {{ get_create_view_as_sql(target_relation, sql) }}
    {%- endcall %}

    {{ return(loyalty_analytics.finish_replacing(target_relation, existing_relation, post_hooks)) }}
{% endmaterialization %}
