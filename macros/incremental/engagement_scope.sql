{#- Scope of int_customer_engagement_days: every day of a customer with a changed event. -#}
{% macro engagement_day_scope() -%}
    customer_id in ({{ changed_event_customers() }})
{%- endmacro %}

{#- The first day whose engagement periods change: the earliest changed event or the first
    day a moved as-of date changes, whichever is earlier. -#}
{% macro engagement_cutoff() -%}
    {{ return(earliest_day([
        as_of_cutoff(),
        earliest_changed_date(ref('base_raw__engagement_events'), 'occurred_at')])) }}
{%- endmacro %}

{#- Scope of mart_engagement: whole periods from engagement_cutoff on (a score ranks a
    customer among everybody in the period), and every row of a customer whose customers row,
    so segment, changed. -#}
{% macro engagement_period_scope() -%}
    (
        {{ period_from(engagement_cutoff()) }}
        or customer_id in ({{ changed_customer_rows() }})
    )
{%- endmacro %}
