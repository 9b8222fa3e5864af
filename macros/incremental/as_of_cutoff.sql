{#- The as-of date of this run (a Python date, none while parsing or without valid orders),
    read from int_periods, which every run rebuilds before the models that read it. Read
    once per invocation (upstream_column). -#}
{% macro current_as_of_date() -%}
    {%- set periods = ref('int_periods') -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(upstream_column('select max(as_of_date) from ' ~ periods)[0]) }}
{%- endmacro %}

{#- The first day whose rows a moved as-of date can change: the day after the earlier of the
    as-of date `this` was built for and today's. The as-of date moves forward with new
    orders and back when the latest day's orders are cancelled, across period boundaries
    either way; the period that holds this day and every later one are recomputed. A Python
    date (1900-01-01 when either is unknown: everything). -#}
{% macro as_of_cutoff() -%}
    {%- set periods = ref('int_periods') -%}
    {%- set built = recorded_as_of_date() -%}
    {%- set current = current_as_of_date() if built is not none else none -%}
    {%- if built is none or current is none -%}
        {{ return(modules.datetime.date(1900, 1, 1)) }}
    {%- endif -%}
    {{ return([built, current] | min + modules.datetime.timedelta(days=1)) }}
{%- endmacro %}

{#- True for the rows of the periods from the one holding the date `day` (a Python date) on,
    per grain. -#}
{% macro period_from(day) -%}
    period_start >= {{ period_start_of('period_grain', date_literal(day)) }}
{%- endmacro %}
