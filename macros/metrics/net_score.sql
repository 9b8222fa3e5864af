{#- A net score like NPS: 100 x (promoters - detractors) / responses, in [-100, 100]. NULL
    when there is no response. The same formula serves NPS and the three parts of the CLI. -#}
{% macro net_score(promoters, detractors, responses) -%}
    (100 * {{ safe_divide('(' ~ promoters ~ ') - (' ~ detractors ~ ')', responses) }})
{%- endmacro %}

{#- NPS bands on the 0-10 scale: promoter 9-10, passive 7-8, detractor 0-6. -#}
{% macro is_promoter(score) -%}
    ({{ score }} >= 9)
{%- endmacro %}

{% macro is_passive(score) -%}
    ({{ score }} >= 7 and {{ score }} <= 8)
{%- endmacro %}

{% macro is_detractor(score) -%}
    ({{ score }} <= 6)
{%- endmacro %}
