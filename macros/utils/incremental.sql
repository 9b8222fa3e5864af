{#- Helpers of the incremental models (README, "Incremental runs").

    Raw tables are append-only: a nightly load adds rows (new keys, new versions of a key,
    late copies). An incremental run re-derives only the keys that may have changed and
    replaces all rows of those keys (delete+insert on the key), so a key's rows are always
    computed from all of its raw rows, as in a full refresh. Every row written carries
    `_loaded_at`, the start of the run that wrote it: a downstream model picks up what changed
    upstream since its own last run by comparing the two. -#}

{#- Days before the newest stamp already loaded that an incremental run looks back for late
    rows (var incremental_lookback_days, default 3). A row older than that which arrives
    later is found by `dbt build` (the source test rows_reconcile: raw = staged + quarantined
    fails) and loaded by `dbt build --full-refresh`. -#}
{% macro incremental_lookback_days() -%}
    {{ return(_positive_integer_var('incremental_lookback_days', 3, allow_zero=true)) }}
{%- endmacro %}

{#- The start of this run, stamped on every row an incremental model writes. -#}
{% macro loaded_at() -%}
    {{ run_started_timestamp() }}
{%- endmacro %}

{#- A raw key as non-null text: NULL and '' (both a missing key) become ''. The key the
    base models replace rows by. -#}
{% macro raw_key(column) -%}
    coalesce(cast({{ column }} as {{ dbt.type_string() }}), '')
{%- endmacro %}

{#- The keys of `raw_relation` that may have changed since `this` was last built: those with a
    row stamped (in any of `stamp_columns`) on or after the newest stamp of a staged row of
    `this` minus the lookback, and those with a row whose stamp is missing, unreadable, before
    1990 or after the build start (they are checked again on every run). None at all when
    nothing can have changed (has_new_raw_rows). -#}
{% macro changed_raw_keys(raw_relation, key_column, stamp_columns) -%}
    select distinct {{ raw_key(key_column) }} as changed_key
    from {{ raw_relation }}
    {%- if not has_new_raw_rows(raw_relation) %}
    where false
    {%- else %}
    where
        {%- for column in stamp_columns %}
        {%- set stamp = dbt.safe_cast(column, dbt.type_timestamp()) %}
        {{ "or " if not loop.first }}{{ stamp }} is null
        or {{ is_out_of_range(stamp) }}
        or {{ stamp }} >= {{ dbt.dateadd('day', -incremental_lookback_days(), timestamp_literal(
            scalar_of_this('max(' ~ column ~ ')', 'reject_reason is null'), '1900-01-01 00:00:00')) }}
        {%- endfor %}
    {%- endif %}
{%- endmacro %}

{#- False when `raw_relation` cannot hold anything `this` has not seen: a base model holds one
    row per raw row, so with append-only raw tables equal row counts mean nothing was
    appended, and no row of `this` waits for its stamp to come into range (a row stamped after
    the build start is checked again once time has passed it). Counting is free in DuckDB;
    the check skips the lookback's scan of a table that got nothing new tonight. -#}
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

{#- The newest `_loaded_at` of `this`: rows of an upstream model loaded after it are new to
    this model. Read once, when the model is compiled, and written into the SQL as a literal:
    a constant lets the database skip the row groups of older stamps (they are appended in
    stamp order), where a subquery would scan the whole stamp column. -#}
{% macro last_loaded_at() -%}
    {{ timestamp_literal(scalar_of_this('max(_loaded_at)'), '1900-01-01 00:00:00') }}
{%- endmacro %}

{#- One value computed on `this` at compile time (none while parsing or when it is NULL). -#}
{% macro scalar_of_this(expression, where=none) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query('select ' ~ expression ~ ' from ' ~ this
        ~ (' where ' ~ where if where else '')) -%}
    {{ return(result.columns[0].values()[0] if result.rows | length > 0 else none) }}
{%- endmacro %}

{% macro timestamp_literal(value, default) -%}
    {%- set text = value.strftime('%Y-%m-%d %H:%M:%S.%f') if value is not none else default -%}
    cast('{{ text }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Version numbers and exact copies (version_and_copy_columns) without sorting every row:
    only the rows of a key that occurs more than once go through the window; the others are
    version 1 and no copy. `relation`: the typed rows; `keys`: the key columns. A row with a
    NULL key part is never grouped with another (it is rejected as a missing key anyway).
    The repeated keys are found once, in a CTE of their own that both halves read: grouping
    every raw row by its key is the costly step (written out twice, it took 31 of the 37 s
    of CPU of base_raw__engagement_events' query at 10m orders). -#}
{% macro versioned_rows(relation, keys, order_by, columns) -%}
    {%- set key_list = [keys] if keys is string else keys -%}
    {%- set join_on -%}
        {%- for key in key_list %}{{ relation }}.{{ key }} = duplicated_keys.{{ key }}{{ " and " if not loop.last }}{% endfor -%}
    {%- endset -%}
    with

    duplicated_keys as (
        {{ duplicated_keys(relation, key_list) }}
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

{#- The keys (all parts non-null) that occur on more than one row of `relation`. -#}
{% macro duplicated_keys(relation, key_list) -%}
    select {{ key_list | join(', ') }}
    from {{ relation }}
    where {% for key in key_list %}{{ key }} is not null{{ " and " if not loop.last }}{% endfor %}
    group by {{ key_list | join(', ') }}
    having count(*) > 1
{%- endmacro %}

{#- raw_<column> for each column, NULL when the row is staged (reject_reason is NULL): the
    quarantine needs the values as they arrived, a staged row is its typed values. -#}
{% macro raw_if_rejected(columns, relation) -%}
    {%- for column in columns %}
        case when {{ relation }}.reject_reason is not null then {{ relation }}.raw_{{ column }} end
            as raw_{{ column }}
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The materialization of an incremental model: incremental, except on Spark, whose Parquet
    tables cannot delete rows (there it is a table rebuilt on every run). -#}
{% macro incremental_or_table() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{#- Custom incremental strategy `replace_where`: delete the rows of the target that the
    model's scope predicate selects, then insert the rows the model computed for that scope.
    config(replace_where='<macro>') names a macro that returns the predicate; the model
    filters its own rows with the same macro, so what is deleted is exactly what is
    recomputed, even when a key's rows shrink or vanish (a refunded order ends a spell). Both
    statements read the target before it changes. -#}
{% macro get_incremental_replace_where_sql(arg_dict) -%}
    {%- set scope_macro = config.get('replace_where') -%}
    {%- if not scope_macro or scope_macro not in context -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy 'replace_where' needs config replace_where='<macro name>', got '"
            ~ scope_macro ~ "'") }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ context[scope_macro]() }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- Customers whose orders or customers row were (re)loaded since this model's last run: all
    versions of a re-derived order are restamped, so a customer an order moved away from is
    among them too. Models that use it declare `-- depends_on:` both base models. -#}
{% macro changed_customers() -%}
    select customer_id from {{ ref('base_raw__orders') }}
    where _loaded_at > {{ last_loaded_at() }} and customer_id is not null
    union
    select customer_id from {{ ref('base_raw__customers') }}
    where _loaded_at > {{ last_loaded_at() }}
{%- endmacro %}

{#- Scope of the per-customer models: every row of a changed customer. -#}
{% macro customer_scope() -%}
    customer_id in ({{ changed_customers() }})
{%- endmacro %}

{#- The valid orders of the changed customers (all valid orders on a full refresh), as a
    relation for customer_base_spells and the per-customer roll-ups. -#}
{% macro scoped_valid_orders() -%}
    {%- if is_incremental() -%}
    (select * from {{ ref('int_orders_validated') }} where {{ customer_scope() }}) as scoped_orders
    {%- else -%}
    {{ ref('int_orders_validated') }}
    {%- endif -%}
{%- endmacro %}

{#- The as-of date of this model's last run: the latest period_end it holds (a literal, as
    last_loaded_at). -#}
{% macro previous_as_of_date() -%}
    {%- set value = scalar_of_this('max(period_end)') -%}
    cast('{{ value.strftime("%Y-%m-%d") if value is not none else "1900-01-01" }}' as date)
{%- endmacro %}

{#- The first day a later as-of date can change: the day after the previous one. The period
    that holds it is the first whose rows change (if the previous as-of date ended its
    period, that is the next period). -#}
{% macro first_day_after_previous_as_of() -%}
    cast({{ dbt.dateadd('day', 1, previous_as_of_date()) }} as date)
{%- endmacro %}

{#- True for the rows of the periods from the one holding `day` on, per grain. -#}
{% macro period_from(day) -%}
    period_start >= {{ period_start_of('period_grain', day) }}
{%- endmacro %}

{#- Scope of fct_customer_periods: every row of a changed customer, and every customer's
    rows from the period a later as-of date changes on. -#}
{% macro customer_period_scope() -%}
    (
        {{ customer_scope() }}
        or {{ period_from(first_day_after_previous_as_of()) }}
    )
{%- endmacro %}

{#- The earliest event date among the engagement events (staged or not) re-derived since
    this model's last run; NULL when there are none. -#}
{% macro earliest_changed_event_date() -%}
    (
        select min(cast(occurred_at as date))
        from {{ ref('base_raw__engagement_events') }}
        where _loaded_at > {{ last_loaded_at() }}
    )
{%- endmacro %}

{#- Scope of int_customer_engagement_days: the days from the earliest changed event on. -#}
{% macro engagement_day_scope() -%}
    event_date >= {{ earliest_changed_event_date() }}
{%- endmacro %}

{#- Scope of mart_engagement: the periods from the one holding the earliest changed event
    date or the day after the previous as-of date on, and every row of a customer whose
    customers row (so, segment) changed. -#}
{% macro engagement_period_scope() -%}
    (
        {{ period_from(engagement_period_cutoff()) }}
        or customer_id in (
            select customer_id from {{ ref('base_raw__customers') }}
            where _loaded_at > {{ last_loaded_at() }}
        )
    )
{%- endmacro %}

{% macro engagement_period_cutoff() -%}
    coalesce(
        least({{ earliest_changed_event_date() }}, {{ first_day_after_previous_as_of() }}),
        {{ first_day_after_previous_as_of() }}
    )
{%- endmacro %}

{#- Scope of the order-based period marts (mart_clv): the periods from the one holding the
    earliest order date re-derived since this model's last run, the day after the previous
    as-of date, or the first order of a customer whose segment may have changed. A changed
    order moves spells up to W days later, so every later period is in scope. -#}
{% macro order_period_scope() -%}
    {{ period_from(order_period_cutoff()) }}
{%- endmacro %}

{% macro order_period_cutoff() -%}
    coalesce(
        least(
            (
                select min(cast(ordered_at as date))
                from {{ ref('base_raw__orders') }}
                where _loaded_at > {{ last_loaded_at() }}
            ),
            (
                select min(first_order_date)
                from {{ ref('dim_customers') }}
                where customer_id in (
                    select customer_id from {{ ref('base_raw__customers') }}
                    where _loaded_at > {{ last_loaded_at() }}
                )
            ),
            {{ first_day_after_previous_as_of() }}
        ),
        {{ first_day_after_previous_as_of() }}
    )
{%- endmacro %}

{#- Customers with any re-derived row since this model's last run: orders, customers row,
    survey answers or engagement events (an id seen for the first time joins the segment
    'unknown'). -#}
{% macro changed_customers_with_activity() -%}
    {{ changed_customers() }}
    union
    select customer_id from {{ ref('base_raw__survey_responses') }}
    where _loaded_at > {{ last_loaded_at() }} and customer_id is not null
    union
    select customer_id from {{ ref('base_raw__engagement_events') }}
    where _loaded_at > {{ last_loaded_at() }} and customer_id is not null
{%- endmacro %}

{#- Scope of the customer models (int_customers_unioned, dim_customers). -#}
{% macro customer_activity_scope() -%}
    customer_id in ({{ changed_customers_with_activity() }})
{%- endmacro %}

{#- The stamps of the rows of `this` whose key is re-derived, one per distinct row: a
    re-derived row equal to one of them (every typed column and the reason) keeps its stamp,
    so downstream models see only the rows that really changed, not the whole lookback. -#}
{% macro previous_stamps(relation, key, columns) -%}
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        reject_reason,
        max(_loaded_at) as _loaded_at
    from {{ this }}
    where {{ key }} in (select {{ key }} from {{ relation }})
    group by
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        reject_reason
{%- endmacro %}

{#- `_loaded_at` of a base model's row: the previous stamp of an unchanged row on an
    incremental run (joined as `previous`), else this run's start. -#}
{% macro base_loaded_at() -%}
    {%- if is_incremental() -%}
    coalesce(previous._loaded_at, {{ loaded_at() }})
    {%- else -%}
    {{ loaded_at() }}
    {%- endif -%}
{%- endmacro %}

{#- The join of a base model's checked rows to their previous stamps (incremental runs). -#}
{% macro join_previous_stamps(relation, columns) -%}
    {%- if is_incremental() %}
    left join previous
        on
            {%- for column in columns %}
            {{ relation }}.{{ column }} is not distinct from previous.{{ column }}
            and {% endfor -%}
            {{ relation }}.reject_reason is not distinct from previous.reject_reason
    {%- endif %}
{%- endmacro %}

{#- The final select of a base model: on an incremental run, only the keys with a row that is
    new or changed (stamped by this run); a key whose re-derived rows all equal the stored
    ones is left as it is, so the lookback costs a comparison, not a rewrite. -#}
{% macro select_changed_keys(relation, key) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where {{ key }} in (
        select {{ key }} from {{ relation }}
        where _loaded_at = {{ loaded_at() }}
    )
    {%- endif %}
{%- endmacro %}
