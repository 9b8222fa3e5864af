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
