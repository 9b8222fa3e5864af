{#- The keys whose raw rows `this` (a base model: one row per raw row) does not all hold yet.
    Raw tables are append-only, so a key whose row count in `raw_relation` differs from its
    count in `this` got rows since the last run: a new key, a new version, a late order line,
    an exact copy, whatever their timestamps say. Also re-derived on every run: the keys of
    rows held back as `timestamp_out_of_range` (a stamp after the build start comes into range
    as time passes), and `extra_keys`, a select of more keys (order lines: their orders
    changed). When the raw table holds as many rows as `this` and nothing is held back, the
    counting is skipped (see has_new_raw_rows).
    raw_key_expression: the key of a raw row as `this` stores it; key: that column of `this`. -#}
{% macro changed_raw_keys(raw_relation, raw_key_expression, key, extra_keys=none) -%}
    {%- if has_new_raw_rows(raw_relation) %}
    select raw_counts.changed_key
    from (
        select
            {{ raw_key_expression }} as changed_key,
            count(*) as raw_rows
        from {{ raw_relation }}
        group by 1
    ) as raw_counts
    left join (
        select
            {{ key }} as changed_key,
            count(*) as held_rows
        from {{ this }}
        group by 1
    ) as held_counts
        on raw_counts.changed_key = held_counts.changed_key
    where held_counts.held_rows is null or held_counts.held_rows != raw_counts.raw_rows
    union
    select {{ key }} as changed_key from {{ this }}
    where reject_reason = 'timestamp_out_of_range'
    {%- else %}
    select {{ key }} as changed_key from {{ this }} where false
    {%- endif %}
    {%- if extra_keys %}
    union
    {{ extra_keys }}
    {%- endif %}
{%- endmacro %}

{#- False when `raw_relation` holds exactly as many rows as `this` and no row of `this` is
    held back as out of range: then, the raw table being append-only, nothing is new.
    Counting rows is cheap where counting per key is not. -#}
{% macro has_new_raw_rows(raw_relation) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set result = run_query(
        'select (select count(*) from ' ~ raw_relation ~ ') - (select count(*) from ' ~ this ~ ')'
        ~ ", (select count(*) from " ~ this ~ " where reject_reason = 'timestamp_out_of_range')") -%}
    {%- set row = result.rows[0] -%}
    {{ return(row[0] != 0 or row[1] != 0) }}
{%- endmacro %}
