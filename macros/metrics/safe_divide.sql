{#- Every rate of the project divides through here: an empty denominator gives NULL,
    never 0 and never a division error (metrics.md, "Empty denominator"). -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}
