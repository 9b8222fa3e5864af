{#- The rejected rows of a checked base model with their original (raw) column values, the
    reason and the build time. `columns`: the raw columns, in contract order. -#}
{% macro quarantine_rows(base_model, columns) -%}
    with

    checked as (

        select * from {{ base_model }}
        where reject_reason is not null

    ),

    final as (

        select
            {% for column in columns -%}
                raw_{{ column }} as {{ column }},
            {% endfor -%}
            reject_reason,
            {{ quarantined_at() }} as quarantined_at
        from checked

    )

    select * from final
{%- endmacro %}

{#- `expression` cast to the data type of `column` in `relation` (introspected when the model
    is compiled), so a union with that column lines up on every engine; as it is while dbt
    parses or when the column is not found. -#}
{% macro cast_like(expression, relation, column) -%}
    {%- set data_type = raw_column_type(relation, column) -%}
    {%- if data_type -%}
        cast({{ expression }} as {{ data_type }})
    {%- else -%}
        {{ expression }}
    {%- endif -%}
{%- endmacro %}
