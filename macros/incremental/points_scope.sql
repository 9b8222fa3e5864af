{#- The first day whose points periods (mart_program_points) change: the earliest changed
    points entry (any version: the base model restamps every version of a re-derived key),
    the earliest joined_at of a changed membership (any version: an entry belongs to the
    membership open when it occurred, so a changed membership moves entries from its start
    on, and the members at each period end), or the first day a moved as-of date changes,
    whichever is earliest. The program's dates are UTC dates (stg_loyalty_points). A Python
    date. -#}
{% macro points_cutoff() -%}
    {{ return(earliest_day([
        as_of_cutoff(),
        earliest_changed_date(ref('base_raw__loyalty_points'), 'occurred_at',
            in_reporting_zone=false),
        earliest_changed_date(ref('base_raw__loyalty_memberships'), 'joined_at',
            in_reporting_zone=false)])) }}
{%- endmacro %}

{#- Scope of mart_program_points: whole periods from points_cutoff on (a period's balance and
    trailing-year rates read every entry up to its end, so they are recomputed from all of
    them); every period when the programs it holds changed (a row per program and period). -#}
{% macro points_period_scope() -%}
    {%- if values_changed('program', 'select program from ' ~ ref('int_program_period_members')
            ~ ' union select program from ' ~ ref('int_customer_points_days')) -%}
    1 = 1
    {%- else -%}
    {{ period_from(points_cutoff()) }}
    {%- endif -%}
{%- endmacro %}
