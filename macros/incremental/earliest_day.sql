{#- The earliest of `days` (Python dates; a none is a source that changed nothing) that are
    not none, or none when none is known: the first day a cutoff macro's changes reach. -#}
{% macro earliest_day(days) -%}
    {%- set known = days | reject('none') | list -%}
    {{ return(known | min if known else none) }}
{%- endmacro %}
