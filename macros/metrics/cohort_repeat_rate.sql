{#- Cohort repeat rate = cohort customers with a second valid order within the repeat window
    / cohort size. is_repeat_within_window decides who counts. -#}
{% macro cohort_repeat_rate(repeat_customers, cohort_size) -%}
    {{ safe_divide(repeat_customers, cohort_size) }}
{%- endmacro %}

{#- True when the second valid order (a different order, possibly on the same day) falls
    within window_days days after the first order's date; false when there is none. -#}
{% macro is_repeat_within_window(first_order_date, second_order_date, window_days=none) -%}
    {%- set days = window_days if window_days is not none else repeat_window_days() -%}
    coalesce({{ dbt.datediff(first_order_date, second_order_date, 'day') }} <= {{ days }}, false)
{%- endmacro %}
