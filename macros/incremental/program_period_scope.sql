{#- The first day whose member splits (int_program_*_by_status) change: the earliest of
    customer_period_cutoff (a changed order of any version or order line, exchange rate,
    customers row or as-of date), a changed membership of any version (who is a member
    when), a changed engagement event or survey answer, and the first day a customer whose customers row changed was seen (its segment moves on every
    row of that customer, orders, answers and events alike). -#}
{% macro program_period_cutoff() -%}
    {%- set memberships = ref('base_raw__loyalty_memberships') -%}
    {%- set responses = ref('base_raw__survey_responses') -%}
    {{ return(earliest_day([
        customer_period_cutoff(),
        earliest_changed_date(memberships, 'joined_at', in_reporting_zone=false),
        earliest_changed_date(ref('base_raw__engagement_events'), 'occurred_at'),
        earliest_changed_date(responses, 'responded_at'),
        earliest_of_moved_customers('first_seen_date')])) }}
{%- endmacro %}

{#- The earliest order date (reporting_date) of an order whose lines were written after
    this model's watermark (a Python date, or none): base_raw__order_items keeps it on each
    line as _order_date, so this reads the lines of the night alone, not the orders. -#}
{% macro earliest_changed_line_date() -%}
    {%- set lines = ref('base_raw__order_items') -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(upstream_column('select min(_order_date) from ' ~ lines
        ~ ' where _loaded_at > ' ~ last_loaded_at())[0]) }}
{%- endmacro %}

{#- True when the programs differ from those `this` holds (the first membership of a new
    program, or the last of one gone): every period has a row per program. -#}
{% macro programs_changed() -%}
    {{ return(values_changed('program', programs_relation())) }}
{%- endmacro %}

{#- Scope of the member splits of engagement and answers, whose periods hold rows of the
    engaged and answering customers' segments only: whole periods from program_period_cutoff
    on; every period when the programs changed. -#}
{% macro program_period_scope() -%}
    {%- if programs_changed() -%}
    1 = 1
    {%- else -%}
    {{ period_from(program_period_cutoff()) }}
    {%- endif -%}
{%- endmacro %}

{#- Scope of the member split of the segment marts (int_program_periods_by_status), whose
    periods hold a row per segment of the grid: as program_period_scope, and every period
    when the segments changed too. -#}
{% macro program_segment_period_scope() -%}
    {%- if segments_changed() -%}
    1 = 1
    {%- else -%}
    {{ program_period_scope() }}
    {%- endif -%}
{%- endmacro %}

{#- Scope of int_program_year_changes: the changes dated from program_period_cutoff on
    (`first_day`, when the caller has it already). -#}
{% macro program_change_scope(first_day=none) -%}
    change_date >= {{ date_literal(first_day if first_day is not none else program_period_cutoff()) }}
{%- endmacro %}
