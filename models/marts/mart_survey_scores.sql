{#- Survey scores per grain, period and segment (metrics.md, "Surveys"): NPS, CSAT and the
    Customer Loyalty Index, with the counts behind each score so a dashboard can
    re-aggregate. Each response counts; anonymous responses count in 'all' only. -#}
with

period_segments as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment
    from {{ ref('int_period_segments') }}

),

responses as (

    select
        period_grain,
        period_start,
        segment,
        question,
        score
    from {{ ref('int_survey_responses_periodised') }}

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
        {% for score in range(1, 6) -%}
            {{ count_where("question = 'satisfaction' and score = " ~ score) }} as csat_{{ score }}
            {{- "," if not loop.last }}
        {% endfor %}
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
        {% for column in ['promoters', 'passives', 'detractors', 'nps_responses',
            'repurchase_promoters', 'repurchase_detractors', 'repurchase_responses',
            'try_new_promoters', 'try_new_detractors', 'try_new_responses',
            'csat_responses', 'csat_satisfied_responses', 'csat_score_sum',
            'csat_1', 'csat_2', 'csat_3', 'csat_4', 'csat_5'] -%}
            coalesce(counted.{{ column }}, 0) as {{ column }}{{ "," if not loop.last }}
        {% endfor %}
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
            net_score('try_new_promoters', 'try_new_detractors', 'try_new_responses')) }} as cli
    from filled

)

select * from final
