{#- Returning AOV uplift = AOV of returning customers (first order before the period) / AOV
    of new customers (first order in it) - 1; the second article's "existing customers spend
    31 % more" is 0.31. -#}
{% macro returning_aov_uplift(returning_aov, new_aov) -%}
    ({{ safe_divide(returning_aov, new_aov) }} - 1)
{%- endmacro %}
