{#- Fails on every row whose value lies outside [min_value, max_value]. NULL passes: an empty
    denominator gives a NULL rate by design; pair with not_null where NULL is wrong. -#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}

select {{ column_name }} as failing_value
from {{ model }}
where
    {{ column_name }} is not null
    and (
        false
        {% if min_value is not none %}or {{ column_name }} < {{ min_value }}{% endif %}
        {% if max_value is not none %}or {{ column_name }} > {{ max_value }}{% endif %}
    )

{% endtest %}
