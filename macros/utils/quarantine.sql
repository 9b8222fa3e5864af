{#- Helpers of the staging rules (data-contract.md, "Staging rules"): every raw row is either
    staged or quarantined with one reject_reason, the first rule it breaks. -#}

{#- The build's start as a SQL timestamp: rows stamped later are "in the future". -#}
{% macro run_started_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- CASE branches for a timestamp column: missing, then outside [1990-01-01, build start]. -#}
{% macro reject_timestamp(column, missing_reason) -%}
    when {{ column }} is null then '{{ missing_reason }}'
    when
        {{ column }} < cast('1990-01-01' as {{ dbt.type_timestamp() }})
        or {{ column }} > {{ run_started_timestamp() }}
        then 'timestamp_out_of_range'
{%- endmacro %}

{#- Version numbers within a key, latest first, and exact copies, in one sort: rows are
    ordered by `order_by` within the key, which lists every other column, so identical rows
    are neighbours; a row equal to the one before it in every column is an exact copy.
    Emits `version_number` (1 = the row staged) and `is_exact_copy`. -#}
{% macro version_and_copy_columns(key, order_by, columns) -%}
    {%- set window = "over (partition by " ~ key ~ " order by " ~ (order_by | join(', ')) ~ ")" -%}
    row_number() {{ window }} as version_number,
    (
        row_number() {{ window }} > 1
        {% for column in columns -%}
        and lag({{ column }}) {{ window }} is not distinct from {{ column }}
        {% endfor -%}
    ) as is_exact_copy
{%- endmacro %}

{#- The build time, stamped on quarantined rows. -#}
{% macro quarantined_at() -%}
    {{ run_started_timestamp() }}
{%- endmacro %}
