{#- Marts report each customer segment and 'all' (the whole base) side by side. Every
    measure is a count of customers (each in exactly one segment) or a sum, so the 'all' row
    is the sum of the segment rows: aggregate once by segment, then add the 'all' rows from
    that small aggregate.

    relation: a CTE with the key columns, `segment` and the measures. -#}
{% macro union_all_segment(relation, keys, counts=[], amounts=[]) -%}
    select
        {% for key in keys -%}
        {{ key }},
        {% endfor -%}
        segment
        {%- for column in counts + amounts %},
        {{ column }}
        {%- endfor %}
    from {{ relation }}

    union all

    select
        {% for key in keys -%}
        {{ key }},
        {% endfor -%}
        'all' as segment
        {%- for column in counts %},
        cast(sum({{ column }}) as {{ dbt.type_bigint() }}) as {{ column }}
        {%- endfor %}
        {%- for column in amounts %},
        sum({{ column }}) as {{ column }}
        {%- endfor %}
    from {{ relation }}
    group by {% for key in keys %}{{ key }}{{ ", " if not loop.last }}{% endfor %}
{%- endmacro %}

{#- Number of rows where a boolean condition holds (portable count_if): 0 over no rows. -#}
{% macro count_where(condition) -%}
    cast(coalesce(sum(case when {{ condition }} then 1 else 0 end), 0) as {{ dbt.type_bigint() }})
{%- endmacro %}
