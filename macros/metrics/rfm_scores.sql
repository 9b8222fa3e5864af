{#- The RFM score 1-5 of every value of one measure (metrics.md, "Customer segments and who to
    win back"): a select of (score_value, score), one row per distinct value of `value` in
    `relation` (one row per scored customer). score = ceil(5 x cume_dist()) over all the
    customers, ascending by `value`; ties share a score (cume_dist counts every customer tied
    with the current one). The customers are counted per value (value_ranks): k of them at
    or below the value, n in all.

    The score is computed from k and n as integers, ceil(5 k / n), not from the engine's
    double cume_dist(): ceil() of a double that lands a hair above a whole number gives one
    more, and how an engine computes and rounds cume_dist() is its own. 5 k / n in double
    precision is exact when it is a whole number and at least 1 / n away from one otherwise,
    so ceil() is right on every engine.
    -#}
{% macro rfm_scores(relation, value) -%}
    select
        ranked_value as score_value,
        cast(ceil(
            cast(5 * rows_at_or_below as {{ type_double() }})
            / cast(rows_in_partition as {{ type_double() }})
        ) as {{ dbt.type_int() }}) as score
    from ({{ value_ranks(relation, value) }}) as ranks
{%- endmacro %}
