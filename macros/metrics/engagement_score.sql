{#- Engagement score = 100 x (w_f x cume_dist(active_days) + w_t x cume_dist(time_spent_seconds)
    + w_k x cume_dist(key_actions)), rounded to 2 decimals; cume_dist over the customers with an
    event in the same grain and period, ascending (ties share the higher rank). The arguments
    are the three cume_dists (cume_dist_of the measure's value_ranks). -#}
{% macro engagement_score(active_days_cume_dist, time_spent_cume_dist, key_actions_cume_dist,
        weights=none) -%}
    {%- set w = weights if weights is not none else engagement_weights() -%}
    {{ round_to(
        '100 * ('
        ~ w['active_days'] ~ ' * ' ~ active_days_cume_dist
        ~ ' + ' ~ w['time_spent_seconds'] ~ ' * ' ~ time_spent_cume_dist
        ~ ' + ' ~ w['key_actions'] ~ ' * ' ~ key_actions_cume_dist
        ~ ')', 2) }}
{%- endmacro %}

{#- The sum of a group's engagement scores, for their mean: each score has two decimals
    (engagement_score), so they are added as decimal(18, 2), exactly. Added as doubles, the
    last bits of the sum depend on the order in which the warehouse adds the rows, which
    differs from run to run when it adds them in parallel. -#}
{% macro engagement_score_sum(score) -%}
    sum(cast({{ score }} as decimal(18, 2)))
{%- endmacro %}
