{#- Members against non-members per grain, period, segment and program (each, and 'any'):
    retention, purchases, surveys, engagement and the trailing-year CLV, each computed by the
    metric macros of the whole-base marts, plus member / non-member ratios of RPR, AOV and
    NPS. A customer is a member in period p when a membership of the program is open at the
    end of p_end (int_program_member_spells); every measure of p splits its customers by that
    status. The counts come split from the status layers in models/intermediate/program. -#}
{{ config(enabled=var('loyalty_program_enabled', true)) }}

with

programs as (

    {{ programs_relation() }}

),

statuses as (

    select 'member' as member_status
    union all
    select 'non_member' as member_status

),

grid as (

    select
        period_segments.period_grain,
        period_segments.period_start,
        period_segments.period_end,
        period_segments.is_period_complete,
        period_segments.segment,
        programs.program,
        statuses.member_status
    from {{ ref('int_period_segments') }} as period_segments
    cross join programs
    cross join statuses

),

measured as (

    select
        grid.period_grain,
        grid.period_start,
        grid.period_end,
        grid.is_period_complete,
        grid.segment,
        grid.program,
        grid.member_status,
        cast(coalesce(periods_counted.revenue, 0) as decimal(38, 2)) as revenue,
        coalesce(periods_counted.customers_start, 0) as customers_start,
        coalesce(periods_counted.customers_end, 0) as customers_end,
        coalesce(periods_counted.new_customers, 0) as new_customers,
        coalesce(periods_counted.churned_customers, 0) as churned_customers,
        coalesce(periods_counted.active_customers, 0) as active_customers,
        coalesce(periods_counted.repeat_customers, 0) as repeat_customers,
        coalesce(periods_counted.orders, 0) as orders,
        {{ customer_retention_rate('periods_counted.customers_end',
            'periods_counted.new_customers', 'periods_counted.customers_start') }}
            as customer_retention_rate,
        {{ churn_rate('periods_counted.churned_customers', 'periods_counted.customers_start') }}
            as churn_rate,
        {{ repeat_purchase_rate('periods_counted.repeat_customers',
            'periods_counted.active_customers') }} as repeat_purchase_rate,
        {{ upsell_ratio('periods_counted.multi_category_customers',
            'periods_counted.single_category_customers') }} as upsell_ratio,
        {{ avg_order_value('periods_counted.revenue', 'periods_counted.orders') }}
            as avg_order_value,
        {{ purchase_frequency('periods_counted.orders', 'periods_counted.active_customers') }}
            as orders_per_active_customer,
        coalesce(surveys_counted.promoters, 0) as promoters,
        coalesce(surveys_counted.detractors, 0) as detractors,
        coalesce(surveys_counted.nps_responses, 0) as nps_responses,
        {{ nps('surveys_counted.promoters', 'surveys_counted.detractors',
            'surveys_counted.nps_responses') }} as nps,
        {{ cli(
            nps('surveys_counted.promoters', 'surveys_counted.detractors',
                'surveys_counted.nps_responses'),
            net_score('surveys_counted.repurchase_promoters',
                'surveys_counted.repurchase_detractors', 'surveys_counted.repurchase_responses'),
            net_score('surveys_counted.try_new_promoters', 'surveys_counted.try_new_detractors',
                'surveys_counted.try_new_responses')) }} as cli,
        coalesce(engagement_counted.engaged_customers, 0) as engaged_customers,
        {{ safe_divide('engagement_counted.engagement_score_sum',
            'engagement_counted.engaged_customers') }} as mean_engagement_score,
        {{ clv(
            customer_value(
                avg_order_value('year_counted.revenue_365d', 'year_counted.orders_365d'),
                purchase_frequency('year_counted.orders_365d',
                    'year_counted.purchasing_customers_365d')),
            avg_lifespan_years(churn_rate('year_counted.churned_customers_year',
                'year_counted.customers_year_before')),
            gross_margin_rate()) }} as clv
    from grid
    left join {{ ref('int_program_periods_by_status') }} as periods_counted
        on
            grid.period_grain = periods_counted.period_grain
            and grid.period_start = periods_counted.period_start
            and grid.segment = periods_counted.segment
            and grid.program = periods_counted.program
            and grid.member_status = periods_counted.member_status
    left join {{ ref('int_program_surveys_by_status') }} as surveys_counted
        on
            grid.period_grain = surveys_counted.period_grain
            and grid.period_start = surveys_counted.period_start
            and grid.segment = surveys_counted.segment
            and grid.program = surveys_counted.program
            and grid.member_status = surveys_counted.member_status
    left join {{ ref('int_program_engagement_by_status') }} as engagement_counted
        on
            grid.period_grain = engagement_counted.period_grain
            and grid.period_start = engagement_counted.period_start
            and grid.segment = engagement_counted.segment
            and grid.program = engagement_counted.program
            and grid.member_status = engagement_counted.member_status
    left join {{ ref('int_program_year_by_status') }} as year_counted
        on
            grid.period_grain = year_counted.period_grain
            and grid.period_start = year_counted.period_start
            and grid.segment = year_counted.segment
            and grid.program = year_counted.program
            and grid.member_status = year_counted.member_status

),

{#- The ratios sit on the member rows; the non-member row of the same period, segment and
    program is the denominator. #}

final as (

    select
        measured.*,
        cast(
            dense_rank() over (partition by measured.period_grain order by measured.period_start desc)
            - 1 as {{ dbt.type_bigint() }}
        ) as periods_before_as_of,
        case
            when measured.member_status = 'member' then
                {{ safe_divide('measured.repeat_purchase_rate', 'non_members.repeat_purchase_rate') }}
        end as repeat_purchase_rate_ratio,
        case
            when measured.member_status = 'member' then
                {{ safe_divide('measured.avg_order_value', 'non_members.avg_order_value') }}
        end as avg_order_value_ratio,
        case
            when measured.member_status = 'member' then
                {{ safe_divide('measured.nps', 'non_members.nps') }}
        end as nps_ratio
    from measured
    inner join measured as non_members
        on
            measured.period_grain = non_members.period_grain
            and measured.period_start = non_members.period_start
            and measured.segment = non_members.segment
            and measured.program = non_members.program
            and non_members.member_status = 'non_member'

)

select * from final
