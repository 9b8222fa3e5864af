{#- Incremental strategy `replace_scope`: delete the rows of the target in the model's scope,
    then insert the rows the model computed for that scope. config(scope='<macro>') names the
    macro that returns the predicate, and the model filters its own rows with the same macro,
    so what is deleted is exactly what is recomputed, even when rows vanish (a refunded order
    ends a spell). When the model is rebuilt whole (a history setting changed, see
    is_partial_run), the scope is every row. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) -%}
    {%- set scope_macro = config.get('scope') -%}
    {%- if not scope_macro or scope_macro not in context -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy 'replace_scope' needs config scope='<macro name>', got '"
            ~ scope_macro ~ "'") }}
    {%- endif -%}
    {%- set changed = changed_history_settings() -%}
    {%- if changed -%}
        {{ log("loyalty: " ~ this.identifier ~ " is rebuilt whole, its history settings changed: "
            ~ changed | join('; '), info=true) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ context[scope_macro]() if not changed else '1 = 1' }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
