{#- The RFM score 1-5 of a row from its value_ranks columns (`ranks`: the CTE or alias that
    holds them; metrics.md, "Customer segments and who to win back"): ceil(5 x cume_dist())
    over all the scored customers, ascending by the measure; ties share a score (k counts
    every customer tied with the current one).

    The score is computed from k and n as integers, ceil(5 k / n), not from the engine's
    double cume_dist(): ceil() of a double that lands a hair above a whole number gives one
    more, and how an engine computes and rounds cume_dist() is its own. 5 k / n in double
    precision is exact when it is a whole number and at least 1 / n away from one otherwise,
    so ceil() is right on every engine.
    -#}
{% macro rfm_score_of(ranks) -%}
    cast(ceil(
        cast(5 * {{ ranks }}.rows_at_or_below as {{ type_double() }})
        / cast({{ ranks }}.rows_in_partition as {{ type_double() }})
    ) as {{ dbt.type_int() }})
{%- endmacro %}
