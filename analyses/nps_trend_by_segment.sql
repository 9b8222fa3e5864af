{#- Monthly NPS by segment with the response counts behind it and the change from the month
    before. -#}
with

scores as (

    select
        period_start,
        segment,
        nps,
        nps_responses,
        is_period_complete
    from {{ ref('mart_survey_scores') }}
    where period_grain = 'month'

),

final as (

    select
        period_start,
        segment,
        nps,
        nps_responses,
        is_period_complete,
        nps - lag(nps) over (partition by segment order by period_start) as nps_change
    from scores

)

select * from final
order by 2, 1
