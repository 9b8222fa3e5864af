{#- An incremental model whose table an earlier version of the project (or of the engine)
    wrote in a form this version cannot extend: stop, naming the model and the one rebuild
    that fixes it, instead of failing deep in the model's SQL. `reason` completes
    "<relation> ...". -#}
{% macro stop_until_rebuilt(reason) -%}
    {{ exceptions.raise_compiler_error(
        "loyalty: " ~ this ~ " " ~ reason ~ ". Rebuild it once: dbt build --full-refresh -s "
        ~ this.identifier) }}
{%- endmacro %}

{#- The column names of `this`, lower case. -#}
{% macro columns_of_this() -%}
    {{ return(adapter.get_columns_in_relation(this) | map(attribute='name')
        | map('lower') | list) }}
{%- endmacro %}
