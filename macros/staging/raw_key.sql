{#- A raw key as non-null text: NULL and '' (both a missing key) become ''. The key the base
    models replace rows by, so a row with a missing key is re-derived like any other. -#}
{% macro raw_key(column) -%}
    coalesce(cast({{ column }} as {{ dbt.type_string() }}), '')
{%- endmacro %}
