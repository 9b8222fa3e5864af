{#- Redemption rate = points redeemed / points earned in the period (magnitudes). -#}
{% macro redemption_rate(points_redeemed, points_earned) -%}
    {{ safe_divide(points_redeemed, points_earned) }}
{%- endmacro %}
