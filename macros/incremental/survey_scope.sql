{#- The first day whose survey periods change: the earliest changed answer (any version: the
    base model restamps every version of a re-derived key), the first day a customer whose
    customers row changed was seen (their answers move to another segment), or the first day
    a moved as-of date changes, whichever is earliest. A Python date. -#}
{% macro survey_cutoff() -%}
    {{ return(earliest_day([
        as_of_cutoff(),
        earliest_changed_date(ref('base_raw__survey_responses'), 'responded_at'),
        earliest_of_moved_customers('first_seen_date')])) }}
{%- endmacro %}

{#- Scope of mart_survey_scores: whole periods from survey_cutoff on; every period when the
    segments changed (each period has a row per segment of the grid). -#}
{% macro survey_period_scope() -%}
    {{ segment_grid_scope(survey_cutoff) }}
{%- endmacro %}
