{#- Net Promoter Score of the question `recommend`. -#}
{% macro nps(promoters, detractors, responses) -%}
    {{ net_score(promoters, detractors, responses) }}
{%- endmacro %}
