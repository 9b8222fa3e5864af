{#- Engagement score = 100 x (w_f x cume_dist(active_days) + w_t x cume_dist(time_spent_seconds)
    + w_k x cume_dist(key_actions)), rounded to 2 decimals; cume_dist over the customers with an
    event in the same grain and period, ascending (ties share the higher rank). `partition_by`:
    the columns of the window's partition. -#}
{% macro engagement_score(active_days, time_spent_seconds, key_actions, partition_by, weights=none) -%}
    {%- set w = weights if weights is not none else engagement_weights() -%}
    {{ round_to(
        '100 * ('
        ~ w['active_days'] ~ ' * cume_dist() over (partition by ' ~ partition_by ~ ' order by ' ~ active_days ~ ')'
        ~ ' + ' ~ w['time_spent_seconds'] ~ ' * cume_dist() over (partition by ' ~ partition_by ~ ' order by ' ~ time_spent_seconds ~ ')'
        ~ ' + ' ~ w['key_actions'] ~ ' * cume_dist() over (partition by ' ~ partition_by ~ ' order by ' ~ key_actions ~ ')'
        ~ ')', 2) }}
{%- endmacro %}
