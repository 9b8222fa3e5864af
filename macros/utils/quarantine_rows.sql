{#- The rejected rows of a checked base model with their original (raw) column values, the
    reason and the build time. `columns`: the raw columns, in contract order. `held_back`
    (optional, {reason, where}): valid rows that staging holds back all the same (orders
    waiting for an exchange rate, and their lines), quarantined with that reason and their
    typed values cast to the raw columns' types. -#}
{% macro quarantine_rows(base_model, columns, held_back=none) -%}
    with

    checked as (

        select * from {{ base_model }}
        where reject_reason is not null

    ),

    rejected as (

        select
            {% for column in columns -%}
                raw_{{ column }} as {{ column }},
            {% endfor -%}
            reject_reason,
            {{ quarantined_at() }} as quarantined_at
        from checked

    ),

    {%- if held_back %}

    held_back as (

        select
            {% for column in columns -%}
                {{ cast_like(column, base_model, 'raw_' ~ column) }} as {{ column }},
            {% endfor -%}
            '{{ held_back.reason }}' as reject_reason,
            {{ quarantined_at() }} as quarantined_at
        from {{ base_model }}
        where reject_reason is null and {{ held_back.where }}

    ),

    {%- endif %}

    final as (

        select * from rejected
        {%- if held_back %}
        union all
        select * from held_back
        {%- endif %}

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
