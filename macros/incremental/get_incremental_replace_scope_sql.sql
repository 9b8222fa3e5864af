{#- Incremental strategy `replace_scope`: delete the rows of the target in the model's scope,
    then insert the rows the model computed for that scope. config(scope='<macro>') names the
    macro that returns the predicate; the model filters its own rows with cached_scope() of it,
    and the delete here uses the same text, rendered once per node (node_cache), so what is
    deleted is exactly what is recomputed, even when rows vanish (a refunded order ends a
    spell). When the model is rebuilt whole (a history setting changed, see is_partial_run),
    the scope is every row. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) -%}
    {%- set changed = changed_history_settings() -%}
    {%- if changed -%}
        {{ log("loyalty: " ~ this.identifier ~ " is rebuilt whole, its history settings changed: "
            ~ changed | join('; '), info=true) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ cached_scope(config.get('scope')) if not changed else '1 = 1' }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The output of the scope macro `scope_macro` (a predicate on the model's rows), rendered
    once per node run (node_cache): the model's SQL and the strategy's delete get the same
    text. While dbt parses it renders on every call, so dbt records the refs it takes.
    The model names its scope twice, in config(scope=...) and in cached_scope('...'), since
    dbt's parse has no config to read yet: when the model runs, the two must be the same
    macro, or the delete would take other rows than the model recomputes. (A dbt unit test
    renders the model with its own config, which names no scope: nothing to compare.) -#}
{% macro cached_scope(scope_macro) -%}
    {%- if not scope_macro or scope_macro not in context -%}
        {{ exceptions.raise_compiler_error(
            "no scope macro named '" ~ scope_macro ~ "': incremental_strategy 'replace_scope'"
            ~ " needs config scope='<macro name>'") }}
    {%- endif -%}
    {%- set configured = config.get('scope') if execute else none -%}
    {%- if configured and scope_macro != configured -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ " filters its rows with cached_scope('" ~ scope_macro ~ "'), but its"
            ~ " config names scope='" ~ configured ~ "': the strategy replace_scope"
            ~ " deletes the rows of the config's scope, so both must name the same macro") }}
    {%- endif -%}
    {%- set cache = node_cache() -%}
    {%- set key = 'scope:' ~ scope_macro -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: context[scope_macro]()}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{%- endmacro %}
