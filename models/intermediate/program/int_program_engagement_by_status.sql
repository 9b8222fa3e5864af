{#- Engagement per grain, period, segment (each and 'all'), program and member status at the
    end of the period: the customers with an event in the period (mart_engagement) and the sum
    of their engagement scores. -#}
{{ config(enabled=var('loyalty_program_enabled', true), materialized='table') }}

with

programs as (

    {{ programs_relation() }}

),

member_spells as (

    select
        customer_id,
        program,
        member_from,
        member_until
    from {{ ref('int_program_member_spells') }}

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
        sum(engagement_score) as engagement_score_sum
    from engagement_by_status
    group by 1, 2, 3, 4, 5

),

final as (

    {{ union_all_segment(
        'engagement_by_segment',
        keys=['period_grain', 'period_start', 'program', 'member_status'],
        counts=['engaged_customers'],
        amounts=['engagement_score_sum']) }}

)

select * from final
