{#- CSAT share: responses scoring 4 or 5 on `satisfaction` (1-5) / responses. -#}
{% macro csat_pct(satisfied_responses, responses) -%}
    {{ safe_divide(satisfied_responses, responses) }}
{%- endmacro %}

{#- CSAT mean: the mean `satisfaction` score, from the sum of scores and their count. -#}
{% macro csat_mean(score_sum, responses) -%}
    {{ safe_divide(score_sum, responses) }}
{%- endmacro %}
