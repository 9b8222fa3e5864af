{#- An RFM score 1-5 (metrics.md, "Customer segments and who to win back"):
    ceil(5 x cume_dist()) over all scored customers, ascending by `order_by`; ties share a score
    (cume_dist counts every row tied with the current one).

    cume_dist() = k / n, with k the rows whose value is <= the current one and n all rows. The
    score is computed from k and n as integers, ceil(5 k / n), not from the engine's double
    cume_dist(): ceil() of a double that lands a hair above a whole number gives one more, and
    how an engine computes and rounds cume_dist() is its own. 5 k / n in double precision is
    exact when it is a whole number and at least 1 / n away from one otherwise, so ceil() is
    right on every engine.
    -#}
{% macro rfm_score(order_by) -%}
    cast(ceil(
        cast(5 * count(*) over (
            order by {{ order_by }} range between unbounded preceding and current row
        ) as {{ type_double() }})
        / count(*) over ()
    ) as {{ dbt.type_int() }})
{%- endmacro %}
