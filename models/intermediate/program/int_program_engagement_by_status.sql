{#- Engagement per grain, period, segment (each and 'all'), program and member status at the
    end of the period: the customers with an event in the period (mart_engagement) and the sum
    of their engagement scores.
    Incremental: a run recomputes whole periods from the earliest one a changed event, a
    changed customers row or a moved as-of date reaches; every period when the programs
    changed (program_period_scope). -#}
{{ config(
    enabled=var('loyalty_program_enabled', true),
    materialized=incremental_or_table(),
    scope='program_period_scope') }}
{%- set scope = cached_scope('program_period_scope') %}
{%- set in_scope = 'where ' ~ scope if is_partial_run() else '' %}

with

programs as (

    {{ programs_relation() }}

),

member_spells as (

    {{ member_spells_relation() }}

),

engagement as (

    select
        period_grain,
        period_start,
        period_end,
        customer_id,
        segment,
        engagement_score
    from {{ ref('mart_engagement') }}
    {{ in_scope }}

),

engagement_by_status as (

    {{ with_member_status('engagement', ['period_grain', 'period_start', 'segment',
        'engagement_score']) }}

),

engagement_by_segment as (

    select
        period_grain,
        period_start,
        program,
        member_status,
        segment,
        count(*) as engaged_customers,
        {{ engagement_score_sum('engagement_score') }} as engagement_score_sum
    from engagement_by_status
    group by 1, 2, 3, 4, 5

),

segments_unioned as (

    {{ union_all_segment(
        'engagement_by_segment',
        keys=['period_grain', 'period_start', 'program', 'member_status'],
        counts=['engaged_customers'],
        amounts=['engagement_score_sum']) }}

),

final as (

    select
        period_grain,
        period_start,
        program,
        member_status,
        segment,
        engaged_customers,
        engagement_score_sum,
        {{ loaded_at() }} as _loaded_at
    from segments_unioned

)

select * from final
