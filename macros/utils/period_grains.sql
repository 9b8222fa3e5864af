{#- The period grains to build, validated: month, quarter and/or year. -#}
{% macro period_grains() -%}
    {%- set grains = var('period_grains', ['month', 'quarter', 'year']) -%}
    {%- if grains is string -%}{%- set grains = [grains] -%}{%- endif -%}
    {%- if grains | length == 0 -%}
        {{ exceptions.raise_compiler_error("var('period_grains') is empty: name at least one of month, quarter, year") }}
    {%- endif -%}
    {%- for grain in grains -%}
        {%- if grain not in ['month', 'quarter', 'year'] -%}
            {{ exceptions.raise_compiler_error(
                "var('period_grains') holds '" ~ grain ~ "': allowed grains are month, quarter and year") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(grains) }}
{%- endmacro %}

{#- The configured grains as a relation (period_grain, months_per_period), one row each. -#}
{% macro period_grains_relation() -%}
    {%- set months = {'month': 1, 'quarter': 3, 'year': 12} -%}
    {%- for grain in period_grains() %}
    select
        '{{ grain }}' as period_grain,
        {{ months[grain] }} as months_per_period
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- First day of the period of grain `grain_column` (a column holding month, quarter or year)
    that holds the date `date_expression`. -#}
{% macro period_start_of(grain_column, date_expression) -%}
    case {{ grain_column }}
        when 'month' then cast({{ dbt.date_trunc('month', date_expression) }} as date)
        when 'quarter' then cast({{ dbt.date_trunc('quarter', date_expression) }} as date)
        when 'year' then cast({{ dbt.date_trunc('year', date_expression) }} as date)
    end
{%- endmacro %}
