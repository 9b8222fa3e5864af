{#- Breakage rate = points expired / points earned, both over the trailing 365 days that end
    on period_end (magnitudes): the share of the points given that are never used. -#}
{% macro breakage_rate(points_expired_365d, points_earned_365d) -%}
    {{ safe_divide(points_expired_365d, points_earned_365d) }}
{%- endmacro %}
