{#- A model's key: fails on each value (or combination of values) of the key columns that
    occurs more than once, and on each one with a NULL in a key column. One query does what
    unique (or a unique combination) and not_null on every key column did in several: one
    scan and one grouping of the table instead of one per test.

    On the key column:            data_tests: [primary_key]
    On the model, a composite key:
        data_tests:
          - primary_key:
              arguments:
                column_names: [period_grain, period_start, segment]
    A key column listed in nullable_columns may be NULL: its NULLs count as one value, as
    they do in a GROUP BY (mart_data_quality's row_date, NULL for rows without a date).
-#}
{% test primary_key(model, column_name=none, column_names=none, nullable_columns=[]) %}
{%- if column_name is not none and column_names is not none -%}
    {{ exceptions.raise_compiler_error(
        "primary_key on " ~ model ~ ": on the column " ~ column_name
        ~ ", it takes no column_names: set it on the model for a composite key"
    ) }}
{%- endif -%}
{%- set key = [column_name] if column_name is not none else (column_names or []) -%}
{%- if key | length == 0 -%}
    {{ exceptions.raise_compiler_error(
        "primary_key on " ~ model ~ ": give the key, on its column or as column_names: [...]"
    ) }}
{%- endif -%}
{%- for column in nullable_columns if column not in key -%}
    {{ exceptions.raise_compiler_error(
        "primary_key on " ~ model ~ ": nullable column " ~ column ~ " is not in the key"
    ) }}
{%- endfor %}

select
    {{ key | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ key | join(', ') }}
having
    count(*) > 1
    {%- for column in key if column not in nullable_columns %}
    or {{ column }} is null
    {%- endfor %}

{% endtest %}
