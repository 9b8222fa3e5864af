{#- Predicted CLV over the next 365 days (docs/predictive_clv.md): BG/NBD's expected purchases
    of the next 365 days, discounted monthly, x Gamma-Gamma's expected spend per purchase x
    the gross margin rate (var gross_margin_rate unless given). NULL when either model has no
    prediction. -#}
{% macro predicted_clv_365d(discounted_expected_purchases, expected_avg_order_value, margin=none) -%}
    {{ discounted_expected_purchases }}
    * {{ expected_avg_order_value }}
    * {{ margin if margin is not none else gross_margin_rate() }}
{%- endmacro %}
