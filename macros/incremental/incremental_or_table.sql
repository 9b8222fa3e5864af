{#- The materialization of an incremental model: incremental, except on Spark, whose Parquet
    tables cannot delete rows (there it is a table rebuilt on every run). -#}
{% macro incremental_or_table() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}
