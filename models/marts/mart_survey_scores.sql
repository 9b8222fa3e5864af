{#- Survey scores per grain, period and segment (metrics.md, "Surveys"): NPS, CSAT and the
    Customer Loyalty Index, with the counts behind each score so a dashboard can
    re-aggregate. Each response counts; anonymous responses count in 'all' only.
    Incremental: a run recomputes whole periods from the first day a changed answer, a
    customer whose segment changed or a moved as-of date reaches; every period when the
    segments changed (survey_period_scope). -#}
{{ config(materialized=incremental_or_table(), scope='survey_period_scope') }}
{%- set scope = cached_scope('survey_period_scope') %}
{%- set in_scope = scope if is_partial_run() else none %}

with

period_segments as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment
    from {{ ref('int_period_segments') }}
    {%- if in_scope %}
    where {{ in_scope }}
    {%- endif %}

),

responses as (

    select
        period_grain,
        period_start,
        segment,
        question,
        score
    from {{ ref('int_survey_responses_periodised') }}
    {%- if in_scope %}
    where {{ in_scope }}
    {%- endif %}

),

counted_by_segment as (

    select
        period_grain,
        period_start,
        segment,
        {{ count_where("question = 'recommend' and " ~ is_promoter('score')) }} as promoters,
        {{ count_where("question = 'recommend' and " ~ is_passive('score')) }} as passives,
        {{ count_where("question = 'recommend' and " ~ is_detractor('score')) }} as detractors,
        {{ count_where("question = 'recommend'") }} as nps_responses,
        {{ count_where("question = 'repurchase' and " ~ is_promoter('score')) }} as repurchase_promoters,
        {{ count_where("question = 'repurchase' and " ~ is_detractor('score')) }} as repurchase_detractors,
        {{ count_where("question = 'repurchase'") }} as repurchase_responses,
        {{ count_where("question = 'try_new' and " ~ is_promoter('score')) }} as try_new_promoters,
        {{ count_where("question = 'try_new' and " ~ is_detractor('score')) }} as try_new_detractors,
        {{ count_where("question = 'try_new'") }} as try_new_responses,
        {{ count_where("question = 'satisfaction'") }} as csat_responses,
        {{ count_where("question = 'satisfaction' and score >= 4") }} as csat_satisfied_responses,
        cast(sum(case when question = 'satisfaction' then score else 0 end) as {{ dbt.type_bigint() }})
            as csat_score_sum,
        {{ count_where("question = 'satisfaction' and score = 1") }} as csat_1,
        {{ count_where("question = 'satisfaction' and score = 2") }} as csat_2,
        {{ count_where("question = 'satisfaction' and score = 3") }} as csat_3,
        {{ count_where("question = 'satisfaction' and score = 4") }} as csat_4,
        {{ count_where("question = 'satisfaction' and score = 5") }} as csat_5
    from responses
    group by 1, 2, 3

),

counted as (

    {{ union_all_segment(
        'counted_by_segment',
        keys=['period_grain', 'period_start'],
        counts=['promoters', 'passives', 'detractors', 'nps_responses',
            'repurchase_promoters', 'repurchase_detractors', 'repurchase_responses',
            'try_new_promoters', 'try_new_detractors', 'try_new_responses',
            'csat_responses', 'csat_satisfied_responses', 'csat_score_sum',
            'csat_1', 'csat_2', 'csat_3', 'csat_4', 'csat_5']) }}

),

filled as (

    select
        period_segments.period_grain,
        period_segments.period_start,
        period_segments.period_end,
        period_segments.is_period_complete,
        period_segments.segment,
        coalesce(counted.promoters, 0) as promoters,
        coalesce(counted.passives, 0) as passives,
        coalesce(counted.detractors, 0) as detractors,
        coalesce(counted.nps_responses, 0) as nps_responses,
        coalesce(counted.repurchase_promoters, 0) as repurchase_promoters,
        coalesce(counted.repurchase_detractors, 0) as repurchase_detractors,
        coalesce(counted.repurchase_responses, 0) as repurchase_responses,
        coalesce(counted.try_new_promoters, 0) as try_new_promoters,
        coalesce(counted.try_new_detractors, 0) as try_new_detractors,
        coalesce(counted.try_new_responses, 0) as try_new_responses,
        coalesce(counted.csat_responses, 0) as csat_responses,
        coalesce(counted.csat_satisfied_responses, 0) as csat_satisfied_responses,
        coalesce(counted.csat_score_sum, 0) as csat_score_sum,
        coalesce(counted.csat_1, 0) as csat_1,
        coalesce(counted.csat_2, 0) as csat_2,
        coalesce(counted.csat_3, 0) as csat_3,
        coalesce(counted.csat_4, 0) as csat_4,
        coalesce(counted.csat_5, 0) as csat_5
    from period_segments
    left join counted
        on
            period_segments.period_grain = counted.period_grain
            and period_segments.period_start = counted.period_start
            and period_segments.segment = counted.segment

),

final as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment,
        {{ nps('promoters', 'detractors', 'nps_responses') }} as nps,
        promoters,
        passives,
        detractors,
        nps_responses,
        {{ net_score('repurchase_promoters', 'repurchase_detractors', 'repurchase_responses') }}
            as repurchase_net_score,
        repurchase_promoters,
        repurchase_detractors,
        repurchase_responses,
        {{ net_score('try_new_promoters', 'try_new_detractors', 'try_new_responses') }}
            as try_new_net_score,
        try_new_promoters,
        try_new_detractors,
        try_new_responses,
        {{ csat_pct('csat_satisfied_responses', 'csat_responses') }} as csat_pct,
        {{ csat_mean('csat_score_sum', 'csat_responses') }} as csat_mean,
        csat_responses,
        csat_satisfied_responses,
        csat_score_sum,
        csat_1,
        csat_2,
        csat_3,
        csat_4,
        csat_5,
        {{ cli(
            nps('promoters', 'detractors', 'nps_responses'),
            net_score('repurchase_promoters', 'repurchase_detractors', 'repurchase_responses'),
            net_score('try_new_promoters', 'try_new_detractors', 'try_new_responses')) }} as cli,
        {{ loaded_at() }} as _loaded_at
    from filled

)

select * from final
