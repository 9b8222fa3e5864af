{#- One row per grain, period and segment with every headline metric: the table a dashboard
    reads first. Every figure comes from the subject marts; nothing is computed twice except
    the mean engagement score, which is a mean over customers. -#}
with

retention as (

    select
        period_grain,
        period_start,
        period_end,
        is_period_complete,
        segment,
        customers_start,
        customers_end,
        new_customers,
        churned_customers,
        reactivated_customers,
        customer_retention_rate,
        churn_rate,
        returning_customer_rate
    from {{ ref('mart_retention') }}

),

purchases as (

    select
        period_grain,
        period_start,
        segment,
        active_customers,
        repeat_purchase_rate,
        upsell_ratio,
        orders,
        revenue,
        avg_order_value
    from {{ ref('mart_purchases') }}

),

clv as (

    select
        period_grain,
        period_start,
        segment,
        clv
    from {{ ref('mart_clv') }}

),

survey_scores as (

    select
        period_grain,
        period_start,
        segment,
        nps,
        nps_responses,
        csat_pct,
        csat_mean,
        cli
    from {{ ref('mart_survey_scores') }}

),

engagement as (

    select
        period_grain,
        period_start,
        segment,
        engagement_score
    from {{ ref('mart_engagement') }}

),

engagement_by_segment as (

    select
        period_grain,
        period_start,
        segment,
        count(*) as engaged_customers,
        {{ engagement_score_sum('engagement_score') }} as engagement_score_sum
    from engagement
    group by 1, 2, 3

),

engagement_summed as (

    {{ union_all_segment(
        'engagement_by_segment',
        keys=['period_grain', 'period_start'],
        counts=['engaged_customers'],
        amounts=['engagement_score_sum']) }}

),

final as (

    select
        retention.period_grain,
        retention.period_start,
        retention.period_end,
        retention.is_period_complete,
        retention.segment,
        retention.customers_start,
        retention.customers_end,
        retention.new_customers,
        retention.churned_customers,
        retention.reactivated_customers,
        retention.customer_retention_rate,
        retention.churn_rate,
        retention.returning_customer_rate,
        purchases.active_customers,
        purchases.repeat_purchase_rate,
        purchases.upsell_ratio,
        purchases.orders,
        purchases.revenue,
        purchases.avg_order_value,
        clv.clv,
        survey_scores.nps,
        survey_scores.nps_responses,
        survey_scores.csat_pct,
        survey_scores.csat_mean,
        survey_scores.cli,
        coalesce(engagement_summed.engaged_customers, 0) as engaged_customers,
        {{ safe_divide('engagement_summed.engagement_score_sum', 'engagement_summed.engaged_customers') }}
            as mean_engagement_score
    from retention
    inner join purchases
        on
            retention.period_grain = purchases.period_grain
            and retention.period_start = purchases.period_start
            and retention.segment = purchases.segment
    inner join clv
        on
            retention.period_grain = clv.period_grain
            and retention.period_start = clv.period_start
            and retention.segment = clv.segment
    inner join survey_scores
        on
            retention.period_grain = survey_scores.period_grain
            and retention.period_start = survey_scores.period_start
            and retention.segment = survey_scores.segment
    left join engagement_summed
        on
            retention.period_grain = engagement_summed.period_grain
            and retention.period_start = engagement_summed.period_start
            and retention.segment = engagement_summed.segment

)

select * from final
