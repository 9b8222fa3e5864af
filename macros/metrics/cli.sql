{#- Customer Loyalty Index: the mean of the net scores of `recommend`, `repurchase` and
    `try_new`. NULL unless all three have at least one response (a NULL net score makes the
    sum NULL). -#}
{% macro cli(recommend_net_score, repurchase_net_score, try_new_net_score) -%}
    ((({{ recommend_net_score }}) + ({{ repurchase_net_score }}) + ({{ try_new_net_score }})) / 3.0)
{%- endmacro %}
