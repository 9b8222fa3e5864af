{#- The period grains to build, validated: month, quarter and/or year. -#}
{% macro period_grains() -%}
    {%- set grains = var('period_grains', ['month', 'quarter', 'year']) -%}
    {%- if grains is string -%}{%- set grains = [grains] -%}{%- endif -%}
    {%- for grain in grains -%}
        {%- if grain not in ['month', 'quarter', 'year'] -%}
            {{ exceptions.raise_compiler_error(
                "var('period_grains') holds '" ~ grain ~ "': allowed grains are month, quarter and year") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(grains) }}
{%- endmacro %}

{#- Months in one period of a grain. -#}
{% macro months_per_period(grain) -%}
    {{ return({'month': 1, 'quarter': 3, 'year': 12}[grain]) }}
{%- endmacro %}
