{#- The observation date of the predictive CLV: var('clv_observation_date') as a SQL date
    literal, validated; none when the var is unset (the as-of date is used). -#}
{% macro clv_observation_literal() -%}
    {%- set observation_var = var('clv_observation_date', none) -%}
    {%- set observation_literal = none -%}
    {%- if observation_var is not none and observation_var | string != '' -%}
        {%- set text = observation_var | string -%}
        {%- set parts = text.split('-') -%}
        {%- set is_date = modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) is not none
            and 1 <= parts[1] | int <= 12 and 1 <= parts[2] | int <= 31 -%}
        {%- if is_date -%}
            {%- set month_end = (modules.datetime.date(parts[0] | int + (parts[1] | int) // 12,
                (parts[1] | int) % 12 + 1, 1) - modules.datetime.timedelta(days=1)).day -%}
            {%- set is_date = parts[2] | int <= month_end -%}
        {%- endif -%}
        {%- if not is_date -%}
            {{ exceptions.raise_compiler_error(
                "var('clv_observation_date') must be a calendar date YYYY-MM-DD, got '" ~ text ~ "'") }}
        {%- endif -%}
        {%- set observation_literal = "cast('" ~ text ~ "' as date)" -%}
    {%- endif -%}
    {{ return(observation_literal) }}
{%- endmacro %}

{#- The observation relation (one row): as_of_date and observation_date. -#}
{% macro clv_observation_relation() -%}
    {%- set observation_literal = clv_observation_literal() -%}
    select
        max(as_of_date) as as_of_date,
        {% if observation_literal is not none -%}
            {{ observation_literal }}
        {%- else -%}
            max(as_of_date)
        {%- endif %} as observation_date
    from {{ ref('int_periods') }}
{%- endmacro %}

{#- The holdout validation's dates (metrics.md, "Predictive CLV: holdout validation"), one row:
    as_of_date, holdout_days = var('clv_holdout_days') and calibration_end_date = the as-of date
    minus the holdout days. The holdout is the h days (calibration_end_date, as_of_date].
    With the var unset (null) holdout_days and calibration_end_date are NULL. -#}
{% macro clv_holdout_relation() -%}
    {%- set holdout_days = clv_holdout_days() -%}
    select
        max(as_of_date) as as_of_date,
        {% if holdout_days is not none -%}
            cast({{ holdout_days }} as {{ dbt.type_int() }}) as holdout_days,
            cast({{ dbt.dateadd('day', -holdout_days, 'max(as_of_date)') }} as date)
                as calibration_end_date
        {%- else -%}
            cast(null as {{ dbt.type_int() }}) as holdout_days,
            cast(null as date) as calibration_end_date
        {%- endif %}
    from {{ ref('int_periods') }}
{%- endmacro %}

{#- The per-customer predictions of mart_customer_clv (customer_id, p_alive,
    predicted_clv_365d) for the models that run on every adapter (models/segments): where the
    predictive models are built (predictive_clv_enabled), computed as the mart computes them
    from int_customer_clv_predicted, so the segments need not wait for the mart (its deciles
    rank every customer); elsewhere an empty relation of the same columns, so those models
    build with NULL predictions. -#}
{% macro clv_predictions_relation() -%}
    {%- if predictive_clv_enabled() -%}
        (
            select
                customer_id,
                p_alive,
                {{ predicted_clv_365d('discounted_expected_purchases_365d', 'expected_avg_order_value') }}
                    as predicted_clv_365d
            from {{ ref('int_customer_clv_predicted') }}
        ) as clv_predictions
    {%- else -%}
        (
            select
                cast(null as {{ dbt.type_string() }}) as customer_id,
                cast(null as {{ type_double() }}) as p_alive,
                cast(null as {{ type_double() }}) as predicted_clv_365d
            from {{ ref('rfm_segment_map') }}
            where 1 = 0
        ) as no_predictions
    {%- endif -%}
{%- endmacro %}

{#- The predictive models (Python, models/predictive) are built: on DuckDB, whose adapter runs
    them in dbt's process, unless var predictive_clv_enabled is false (a host whose Python
    lacks the loyalty_analytics package). The models' YAML repeats this test in `enabled:`. -#}
{% macro predictive_clv_enabled() -%}
    {{ return(target.type == 'duckdb' and var('predictive_clv_enabled', true)) }}
{%- endmacro %}
