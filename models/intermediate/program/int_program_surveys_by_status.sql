{#- Survey answers per grain, period, segment (each and 'all'), program and member status at
    the end of the period: each answer of a known customer, in each period that holds its date
    (the counts of mart_survey_scores; anonymous answers count nowhere here). The members' are
    counted from their answers; the non-members' are all the answers' less the members'.
    Incremental: a run recomputes whole periods from the earliest one a changed answer, a
    changed customers row or a moved as-of date reaches; every period when the programs
    changed (program_period_scope). -#}
{{ config(
    enabled=var('loyalty_program_enabled', true),
    materialized=incremental_or_table(),
    scope='program_period_scope') }}
{%- set scope = cached_scope('program_period_scope') %}
{%- set in_scope = 'where ' ~ scope if is_partial_run() else '' %}
{%- set counts = ['promoters', 'detractors', 'nps_responses', 'repurchase_promoters',
    'repurchase_detractors', 'repurchase_responses', 'try_new_promoters', 'try_new_detractors',
    'try_new_responses'] %}

with

programs as (

    {{ programs_relation() }}

),

member_spells as (

    {{ member_spells_relation() }}

),

grains as (

    {{ period_grains_relation() }}

),

responses_dated as (

    select
        responses.customer_id,
        responses.response_date,
        responses.question,
        responses.score,
        grains.period_grain,
        {{ period_start_of('grains.period_grain', 'responses.response_date') }} as period_start
    from {{ ref('stg_survey_responses') }} as responses
    cross join grains

),

responses_periodised as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        responses_dated.customer_id,
        customers.segment,
        responses_dated.question,
        responses_dated.score
    from responses_dated
    inner join {{ ref('int_periods') }} as periods
        on
            responses_dated.period_grain = periods.period_grain
            and responses_dated.period_start = periods.period_start
            and responses_dated.response_date <= periods.period_end
    inner join {{ ref('int_customers_unioned') }} as customers
        on responses_dated.customer_id = customers.customer_id

),

responses as (

    select
        period_grain,
        period_start,
        period_end,
        customer_id,
        segment,
        question,
        score
    from responses_periodised
    {{ in_scope }}

),

member_responses as (

    select
        responses.period_grain,
        responses.period_start,
        member_spells.program,
        responses.segment,
        responses.question,
        responses.score
    from responses
    inner join member_spells
        on
            responses.customer_id = member_spells.customer_id
            and {{ is_member_at('responses.period_end', 'member_spells.member_from',
                'member_spells.member_until') }}

),

members_by_segment as (

    select
        period_grain,
        period_start,
        program,
        segment,
        {{ survey_answer_counts() }}
    from member_responses
    group by 1, 2, 3, 4

),

members as (

    {{ union_all_segment('members_by_segment',
        keys=['period_grain', 'period_start', 'program'], counts=counts) }}

),

whole_base_by_segment as (

    select
        period_grain,
        period_start,
        segment,
        {{ survey_answer_counts() }}
    from responses
    group by 1, 2, 3

),

whole_base as (

    {{ union_all_segment('whole_base_by_segment',
        keys=['period_grain', 'period_start'], counts=counts) }}

),

final as (

    {{ split_by_member_status(counts, stamped=true) }}

)

select * from final
