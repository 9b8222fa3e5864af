{#- Marts report each customer segment and 'all' (the whole base) side by side. One
    aggregation with grouping sets gives both; the 'all' row is the one where segment is
    rolled up. -#}
{% macro group_by_period_and_segment(period_columns=['period_grain', 'period_start']) -%}
    {%- set periods = period_columns | join(', ') -%}
    group by grouping sets (({{ periods }}, segment), ({{ periods }}))
{%- endmacro %}

{% macro segment_or_all(column='segment') -%}
    case when grouping({{ column }}) = 1 then 'all' else {{ column }} end
{%- endmacro %}

{#- Number of rows where a boolean condition holds (portable count_if). -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}
