{#- The first months mart_cohorts recomputes, from order_period_cutoff D (a changed order,
    exchange rate or customers row, or a moved as-of date, dates its change on or after D):
    - first_month: D's month. From it on, every cohort's measured months change: who is
      active, the revenue, which months the as-of date reaches;
    - first_cohort: the month of D - repeat_window_days. A changed order moves a first or
      second order date only on or after D, and a second order counts as a repeat within the
      window after the first, so the size and repeat customers of the cohorts from it on
      change (every row of theirs). It is never later than first_month.
    Python dates. -#}
{% macro cohort_scope_months() -%}
    {%- set day = order_period_cutoff() -%}
    {%- set window_start = day - modules.datetime.timedelta(days=repeat_window_days()) -%}
    {{ return({
        'first_month': day.replace(day=1),
        'first_cohort': window_start.replace(day=1),
    }) }}
{%- endmacro %}

{#- Scope of mart_cohorts: every row of the cohorts from first_cohort on, and every cohort's
    rows of the months from first_month on (cohort_scope_months). -#}
{% macro cohort_scope() -%}
    {%- set months = cohort_scope_months() -%}
    (
        cohort_month >= {{ date_literal(months['first_cohort']) }}
        or {{ dbt.dateadd('month', 'months_since_first_order', 'cohort_month') }}
        >= {{ date_literal(months['first_month']) }}
    )
{%- endmacro %}
