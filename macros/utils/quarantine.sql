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

{#- 1 for the first of a group of rows identical in every column, 2, 3 … for its copies. -#}
{% macro copy_number(columns) -%}
    row_number() over (partition by {{ columns | join(', ') }} order by {{ columns[0] }})
{%- endmacro %}

{#- The build time, stamped on quarantined rows. -#}
{% macro quarantined_at() -%}
    {{ run_started_timestamp() }}
{%- endmacro %}
