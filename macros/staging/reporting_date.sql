{#- The calendar date of a UTC timestamp in the reporting time zone, var('reporting_timezone')
    (default UTC; an IANA name such as Europe/Stockholm): order, answer and event dates,
    hence periods, windows and the as-of date, are taken there. Each engine converts with its
    own time zone functions, which never read the session's zone. -#}
{% macro reporting_date(column) -%}
    {%- set zone = var('reporting_timezone', 'UTC') -%}
    {%- if zone is not string or not modules.re.match('^[-A-Za-z0-9_+/]+$', zone) -%}
        {{ exceptions.raise_compiler_error(
            "var('reporting_timezone') must be an IANA time zone name such as Europe/Stockholm, got "
            ~ zone) }}
    {%- endif -%}
    {%- if zone | upper == 'UTC' -%}
    cast({{ column }} as date)
    {%- else -%}
    {{ adapter.dispatch('utc_to_local_date', 'loyalty_analytics')(column, zone) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__utc_to_local_date(column, zone) -%}
    cast(({{ column }} at time zone 'UTC') at time zone '{{ zone }}' as date)
{%- endmacro %}

{% macro duckdb__utc_to_local_date(column, zone) -%}
    cast(timezone('{{ zone }}', timezone('UTC', {{ column }})) as date)
{%- endmacro %}

{% macro spark__utc_to_local_date(column, zone) -%}
    to_date(from_utc_timestamp({{ column }}, '{{ zone }}'))
{%- endmacro %}
