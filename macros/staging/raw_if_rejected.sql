{#- raw_<column> for each column, NULL when the row is staged (reject_reason is NULL): the
    quarantine needs the values as they arrived, a staged row is its typed values. -#}
{% macro raw_if_rejected(columns, relation) -%}
    {%- for column in columns %}
        case when {{ relation }}.reject_reason is not null then {{ relation }}.raw_{{ column }} end
            as raw_{{ column }}
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
