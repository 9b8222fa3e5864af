{#- Where each value of a measure ranks among the rows of its partition, for cume_dist-style
    metrics: a select of the `partition_by` columns, the value as `ranked_value`,
    `rows_at_or_below` (k: the rows of the partition whose value is <= it) and
    `rows_in_partition` (n), one row per partition and distinct value of `value` in
    `relation`. cume_dist() = k / n, ties sharing the higher rank.

    The rows are counted per value first and the running count taken over the values: a
    window over the distinct values instead of a sort of every row. At 10m orders:
    mart_customer_segments (three scores over 1M customers, rfm_score_of) alone 0.67 -> 0.35 s;
    mart_engagement (three ranks over 11M customer periods, 2,933 distinct active_days,
    694,388 time spent and 6,663 key actions per grain and period) see BENCHMARKS.md.
    The caller joins each row to its value's ranks on the partition and the value. Its
    measures are never NULL; a NULL would find no rank and fail the caller's not_null
    constraint on what it computes from it, rather than lose the row. -#}
{% macro value_ranks(relation, value, partition_by=[]) -%}
    {%- set partition_list = partition_by | join(', ') %}
    {%- set leading_columns = partition_list ~ ', ' if partition_by else '' %}
    {%- set over_partition = 'partition by ' ~ partition_list if partition_by else '' %}
    select
        {{ leading_columns }}ranked_value,
        sum(value_rows) over (
            {{ over_partition }} order by ranked_value
            range between unbounded preceding and current row
        ) as rows_at_or_below,
        sum(value_rows) over ({{ over_partition }}) as rows_in_partition
    from (
        select
            {{ leading_columns }}{{ value }} as ranked_value,
            count(*) as value_rows
        from {{ relation }}
        group by {{ leading_columns }}{{ value }}
    ) as value_counts
{%- endmacro %}

{#- cume_dist() of a row from its value_ranks columns (`ranks`: the CTE or alias that holds
    them): k / n in double precision, in brackets, the division every engine's cume_dist()
    makes, so the value is the window function's to the last bit (checked on DuckDB at 10m,
    the 11M rows of mart_engagement, each measure). -#}
{% macro cume_dist_of(ranks) -%}
    (
        cast({{ ranks }}.rows_at_or_below as {{ type_double() }})
        / cast({{ ranks }}.rows_in_partition as {{ type_double() }})
    )
{%- endmacro %}
