{#- A raw timestamp column as a UTC timestamp without time zone, whatever the session's time
    zone: a `timestamp` column already holds UTC (the data contract), a `timestamp with time
    zone` one is converted to UTC by the engine's own function (a plain cast would take the
    session's zone). Text and other types are cast as before (NULL when unreadable).
    relation: the raw relation, introspected when the model is compiled. -#}
{% macro utc_timestamp(column, relation) -%}
    {%- set data_type = raw_column_type(relation, column) -%}
    {%- if 'time zone' in data_type and 'without time zone' not in data_type
        or data_type in ['timestamptz', 'timestamp_tz'] -%}
        {{ adapter.dispatch('timestamptz_to_utc', 'loyalty_analytics')(column) }}
    {%- else -%}
        {{ dbt.safe_cast(column, dbt.type_timestamp()) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__timestamptz_to_utc(column) -%}
    cast({{ column }} at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__timestamptz_to_utc(column) -%}
    timezone('UTC', {{ column }})
{%- endmacro %}

{#- Spark's TIMESTAMP is an instant shown in the session zone, which the profile pins to UTC
    (docs/engines.md). -#}
{% macro spark__timestamptz_to_utc(column) -%}
    {{ dbt.safe_cast(column, dbt.type_timestamp()) }}
{%- endmacro %}

{#- The lower-case data type of `column` in raw relation `relation` ('' while parsing or when
    unknown). The columns are asked once per invocation (raw_columns). -#}
{% macro raw_column_type(relation, column) -%}
    {%- for found in raw_columns(relation) -%}
        {%- if found.name == column | lower -%}
            {{ return(found.data_type) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
