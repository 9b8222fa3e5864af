{#- The run state: per incremental model, the settings it was last built with and the as-of
    date it was built for, in table loyalty_run_state of the target schema. A setting that
    rewrites history (a var below) and differs from the recorded one makes the next run
    rebuild the model whole (is_partial_run); the recorded as-of date tells how far a moved
    as-of date reaches back (as_of_cutoff). -#}

{#- Qualified with the database: a schema named like the database (a DuckDB file shop.duckdb
    with schema shop) is otherwise ambiguous. -#}
{% macro run_state_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='loyalty_run_state')) }}
{%- endmacro %}

{#- on-run-start: the table exists before any model reads it, committed at once (dbt rolls
    back what its on-run-start hooks leave open). Spark keeps no incremental models. -#}
{% macro create_run_state() -%}
    {%- if target.type == 'spark' -%}
    select 1
    {%- else -%}
    create table if not exists {{ run_state_relation() }} (
        model_name {{ dbt.type_string() }},
        setting_name {{ dbt.type_string() }},
        setting_value {{ dbt.type_string() }},
        recorded_at {{ dbt.type_timestamp() }}
    )
    {%- endif -%}
{%- endmacro %}

{#- The adapter's own create_schema: it spells the schema as its engine wants it (Postgres
    without the database). -#}
{% macro create_target_schema() -%}
    {%- if execute and target.type != 'spark' -%}
        {%- do create_schema(api.Relation.create(database=target.database, schema=target.schema)) -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro commit_hook() -%}
    {{ 'select 1' if target.type == 'spark' else 'commit' }}
{%- endmacro %}

{#- The validated value of every var that rewrites history, as text: a model built with other
    values holds rows that a full refresh would compute differently. -#}
{% macro history_settings() -%}
    {%- set settings = {
        'as_of_date': var('as_of_date', none),
        'churn_window_days': churn_window_days(),
        'repeat_window_days': repeat_window_days(),
        'period_grains': period_grains(),
        'gross_margin_rate': gross_margin_rate(),
        'engagement_weights': engagement_weights(),
        'clv_observation_date': var('clv_observation_date', none),
        'clv_discount_rate_monthly': var('clv_discount_rate_monthly', 0.01),
        'clv_min_repeat_customers': var('clv_min_repeat_customers', 10),
        'reporting_timezone': var('reporting_timezone', 'UTC'),
        'reporting_currency': reporting_currency(),
    } -%}
    {%- set texts = {} -%}
    {%- for name, value in settings.items() -%}
        {%- do texts.update({name: tojson(value, sort_keys=true)}) -%}
    {%- endfor -%}
    {{ return(texts) }}
{%- endmacro %}

{#- The rows recorded for `this`: {setting_name: setting_value}; empty when none (a table
    built before the run state existed, or not built yet). The whole table is read once per
    invocation (run_cache), at the first model that asks, instead of once per model: a
    model's rows are written only by its own post-hook, after its last read, so what the
    table held when the invocation first read it is what each model would read itself. -#}
{% macro recorded_run_state() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set cache = run_cache() -%}
    {%- if 'recorded_run_states' not in cache -%}
        {#- The on-run-start hooks create the table before any model runs; a command without
            them (dbt compile) on a warehouse without it reads nothing. -#}
        {%- set recorded = {} -%}
        {%- if adapter.get_relation(target.database, target.schema, 'loyalty_run_state') -%}
            {%- set result = run_query(
                "select model_name, setting_name, setting_value from " ~ run_state_relation()) -%}
            {%- for row in result.rows -%}
                {%- do recorded.setdefault(row[0], {}).update({row[1]: row[2]}) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- do cache.update({'recorded_run_states': recorded}) -%}
    {%- endif -%}
    {{ return(cache['recorded_run_states'].get(this.identifier, {})) }}
{%- endmacro %}

{#- The history settings whose value differs from the one `this` was built with, as
    "name (was X, now Y)"; every one of them when nothing is recorded. -#}
{% macro changed_history_settings() -%}
    {%- set recorded = recorded_run_state() -%}
    {%- set changed = [] -%}
    {%- for name, value in history_settings().items() -%}
        {%- if recorded.get(name) != value -%}
            {%- do changed.append(name ~ " (was " ~ recorded.get(name, 'not recorded') ~ ", now " ~ value ~ ")") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(changed) }}
{%- endmacro %}

{#- The as-of date `this` was last built for (a Python date), or none. -#}
{% macro recorded_as_of_date() -%}
    {%- set text = recorded_run_state().get('as_of_date_built') -%}
    {%- if text is none or text == 'null' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(modules.datetime.datetime.strptime(text, '%Y-%m-%d').date()) }}
{%- endmacro %}

{#- post-hook of every model: for an incremental one, what it was built with, for the next
    run. For the others it renders nothing, and dbt runs no statement for an empty hook (a
    `select 1` here cost each of them a round trip: about 50 a run). -#}
{% macro record_run_state() -%}
    {%- if target.type != 'spark' and model.config.materialized == 'incremental'
        and config.get('incremental_strategy') == 'replace_scope' -%}
    {#- The as-of date, for the models that read it: they ref int_periods, so it is built
        by now (another model's hook could catch it half replaced). Found where it was built,
        which in a host project can be another schema than this model's (docs/warehouse.md,
        "As a package"). Read by the insert itself ('YYYY-MM-DD', or 'null' without valid
        orders), not by a query of its own first: one round trip a model less. -#}
    {%- set as_of_sql = "'null'" -%}
    {%- if 'model.loyalty_analytics.int_periods' in model.depends_on.nodes -%}
        {%- set periods = graph.nodes['model.loyalty_analytics.int_periods'] -%}
        {%- set periods = adapter.get_relation(periods.database, periods.schema, periods.alias) -%}
        {%- set as_of_sql = "(select coalesce(cast(max(as_of_date) as " ~ dbt.type_string()
            ~ "), 'null') from " ~ periods ~ ")" -%}
    {%- endif -%}
    delete from {{ run_state_relation() }} where model_name = '{{ this.identifier }}';
    insert into {{ run_state_relation() }} (model_name, setting_name, setting_value, recorded_at)
    values
    {%- for name, value in history_settings().items() %}
        ('{{ this.identifier }}', '{{ name }}', '{{ value | replace("'", "''") }}', {{ loaded_at() }}),
    {%- endfor %}
        ('{{ this.identifier }}', 'as_of_date_built', {{ as_of_sql }}, {{ loaded_at() }})
    {%- endif -%}
{%- endmacro %}
