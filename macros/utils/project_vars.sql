{#- Validated project vars: a bad value stops the build with a message that names the var,
    instead of an SQL error deep in a model. -#}

{% macro churn_window_days() -%}
    {{ return(_positive_integer_var('churn_window_days', 365)) }}
{%- endmacro %}

{% macro repeat_window_days() -%}
    {{ return(_positive_integer_var('repeat_window_days', 90, allow_zero=true)) }}
{%- endmacro %}

{% macro gross_margin_rate() -%}
    {%- set value = var('gross_margin_rate', 1.0) -%}
    {%- if value is string or value is boolean or value is not number or value < 0 or value > 1 -%}
        {{ exceptions.raise_compiler_error(
            "var('gross_margin_rate') must be a number in [0, 1], got " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The as-of date as a SQL date literal, or none when the var is not set (then the date of
    the latest valid order applies, see int_periods). -#}
{% macro as_of_date_literal() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error(
            "var('as_of_date') must be a date YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    {%- set year, month, day = text.split('-') | map('int') | list -%}
    {%- set next_month = modules.datetime.date(year + (month // 12), month % 12 + 1, 1) if 1 <= month <= 12 else none -%}
    {%- if next_month is none or day < 1
        or day > (next_month - modules.datetime.timedelta(days=1)).day -%}
        {{ exceptions.raise_compiler_error(
            "var('as_of_date') is not a calendar date: '" ~ text ~ "'") }}
    {%- endif -%}
    {{ return("cast('" ~ text ~ "' as date)") }}
{%- endmacro %}

{% macro _positive_integer_var(name, default, allow_zero=false) -%}
    {%- set value = var(name, default) -%}
    {%- set minimum = 0 if allow_zero else 1 -%}
    {%- if value is string or value is boolean or value is not number or value != (value | int) or value < minimum -%}
        {{ exceptions.raise_compiler_error(
            "var('" ~ name ~ "') must be a whole number >= " ~ minimum ~ ", got " ~ value) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}

{#- var('engagement_weights'): {active_days: w_f, time_spent_seconds: w_t, key_actions: w_k},
    each >= 0, summing to 1. Default 1/3 each. -#}
{% macro engagement_weights() -%}
    {%- set default = {'active_days': 1 / 3, 'time_spent_seconds': 1 / 3, 'key_actions': 1 / 3} -%}
    {%- set weights = var('engagement_weights', default) -%}
    {%- set keys = ['active_days', 'time_spent_seconds', 'key_actions'] -%}
    {%- if weights is not mapping or (weights.keys() | list | sort) != (keys | sort) -%}
        {{ exceptions.raise_compiler_error(
            "var('engagement_weights') must map active_days, time_spent_seconds and key_actions "
            ~ "to weights, got " ~ weights) }}
    {%- endif -%}
    {%- set ns = namespace(total=0) -%}
    {%- for key in keys -%}
        {%- set value = weights[key] -%}
        {%- if value is string or value is boolean or value is not number or value < 0 -%}
            {{ exceptions.raise_compiler_error(
                "var('engagement_weights') has a negative or non-numeric weight " ~ key ~ " = " ~ value
                ~ " (all weights: " ~ weights ~ ")") }}
        {%- endif -%}
        {%- set ns.total = ns.total + value -%}
    {%- endfor -%}
    {%- if (ns.total - 1) | abs > 0.000001 -%}
        {{ exceptions.raise_compiler_error(
            "var('engagement_weights') must sum to 1, got " ~ ns.total ~ " from " ~ weights) }}
    {%- endif -%}
    {{ return(weights) }}
{%- endmacro %}

{#- var('clv_holdout_days'): the holdout of the predictive CLV's validation (metrics.md,
    "Predictive CLV: holdout validation"), a whole number of days >= 1, or null (the default):
    no holdout, the four holdout models are not built (their `enabled`). -#}
{% macro clv_holdout_days() -%}
    {%- set value = var('clv_holdout_days', none) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(_positive_integer_var('clv_holdout_days', none)) }}
{%- endmacro %}

{#- var('overdue_factor'): a customer is overdue when the days since their last order day
    exceed this many times their own median gap between order days (default 2); a number > 0. -#}
{% macro overdue_factor() -%}
    {%- set value = var('overdue_factor', 2) -%}
    {%- if value is string or value is boolean or value is not number or value <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "var('overdue_factor') must be a number > 0, got " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- var('p_alive_threshold'): a P(alive) below it puts a customer on the win-back list
    (default 0.5); a number in [0, 1]. -#}
{% macro p_alive_threshold() -%}
    {%- set value = var('p_alive_threshold', 0.5) -%}
    {%- if value is string or value is boolean or value is not number or value < 0 or value > 1 -%}
        {{ exceptions.raise_compiler_error(
            "var('p_alive_threshold') must be a number in [0, 1], got " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- var('reporting_currency'): the ISO 4217 code every amount is reported in (default SEK).
    Orders without a currency (no orders.currency column, or NULL) are in it and need no
    exchange rate. Three letters; returned upper case. -#}
{% macro reporting_currency() -%}
    {%- set value = var('reporting_currency', 'SEK') -%}
    {%- if value is not string or not modules.re.match('^[A-Za-z]{3}$', value) -%}
        {{ exceptions.raise_compiler_error(
            "var('reporting_currency') must be a three-letter ISO 4217 code such as SEK or EUR, got "
            ~ value) }}
    {%- endif -%}
    {{ return(value | upper) }}
{%- endmacro %}
