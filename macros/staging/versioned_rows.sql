{#- Version numbers and exact copies (version_and_copy_columns) without sorting every row:
    only the rows of a key that occurs more than once go through the window; the others are
    version 1 and no copy. `relation`: the typed rows; `keys`: the key columns. A row with a
    NULL key part is never grouped with another (it is rejected as a missing key anyway).
    The repeated keys are found once, in a CTE that both halves read: grouping every raw row
    by its key is the costly step. `relation` is read three times: at a full build the base
    models let DuckDB inline it rather than copy every raw row (inlined_at_full_build). -#}
{% macro versioned_rows(relation, keys, order_by, columns) -%}
    {%- set key_list = [keys] if keys is string else keys -%}
    {%- set join_on -%}
        {%- for key in key_list %}{{ relation }}.{{ key }} = duplicated_keys.{{ key }}{{ " and " if not loop.last }}{% endfor -%}
    {%- endset -%}
    with

    duplicated_keys as (
        select {{ key_list | join(', ') }}
        from {{ relation }}
        where {% for key in key_list %}{{ key }} is not null{{ " and " if not loop.last }}{% endfor %}
        group by {{ key_list | join(', ') }}
        having count(*) > 1
    )

    select
        single_rows.*,
        1 as version_number,
        false as is_exact_copy
    from (
        select {{ relation }}.*
        from {{ relation }}
        left join duplicated_keys
            on {{ join_on }}
        where duplicated_keys.{{ key_list[0] }} is null
    ) as single_rows

    union all

    select
        repeated_rows.*,
        {{ version_and_copy_columns(key_list | join(', '), order_by, columns) }}
    from (
        select {{ relation }}.*
        from {{ relation }}
        inner join duplicated_keys
            on {{ join_on }}
    ) as repeated_rows
{%- endmacro %}
