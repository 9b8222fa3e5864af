{#- Members against non-members per grain, period, segment and program (each, and 'any'):
    retention, purchases, surveys, engagement and the trailing-year CLV, each computed by the
    metric macros of the whole-base marts, plus member / non-member ratios of RPR, AOV and
    NPS. A customer is a member in period p when a membership of the program is open at the
    end of p_end (is_member_at); every measure of p splits its customers by that status. -#}
{{ config(enabled=var('loyalty_program_enabled', true)) }}

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

periods as (

    select
        period_grain,
        period_start,
        period_end,
        cast({{ dbt.dateadd('day', -364, 'period_end') }} as date) as window_start,
        cast({{ dbt.dateadd('day', -365, 'period_end') }} as date) as year_before_end
    from {{ ref('int_periods') }}

),

memberships as (

    select
        customer_id,
        program,
        joined_date,
        left_date
    from {{ ref('stg_loyalty_memberships') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_unioned') }}

),

programs as (

    select distinct program from memberships
    union all
    select 'any' as program

),

statuses as (

    select 'member' as member_status
    union all
    select 'non_member' as member_status

),

members_by_program as (

    select distinct
        periods.period_grain,
        periods.period_start,
        memberships.customer_id,
        memberships.program
    from periods
    inner join memberships
        on {{ is_member_at('periods.period_end', 'memberships.joined_date', 'memberships.left_date') }}

),

members_at_end as (

    select
        period_grain,
        period_start,
        customer_id,
        program
    from members_by_program
    union all
    select distinct
        period_grain,
        period_start,
        customer_id,
        'any' as program
    from members_by_program

),

-- retention and purchases: the customer-period fact

customer_periods as (

    select
        period_grain,
        period_start,
        customer_id,
        segment,
        orders,
        revenue,
        distinct_categories,
        is_active,
        is_new,
        is_in_base_start,
        is_in_base_end,
        is_churned
    from {{ ref('fct_customer_periods') }}

),

customer_periods_by_status as (

    {{ with_member_status('customer_periods', ['period_grain', 'period_start', 'segment',
        'orders', 'revenue', 'distinct_categories', 'is_active', 'is_new', 'is_in_base_start',
        'is_in_base_end', 'is_churned']) }}

),

periods_by_segment as (

    select
        period_grain,
        period_start,
        program,
        member_status,
        segment,
        {{ count_where('is_in_base_start') }} as customers_start,
        {{ count_where('is_in_base_end') }} as customers_end,
        {{ count_where('is_new') }} as new_customers,
        {{ count_where('is_churned') }} as churned_customers,
        {{ count_where('is_active') }} as active_customers,
        {{ count_where('is_active and orders >= 2') }} as repeat_customers,
        {{ count_where('is_active and distinct_categories >= 2') }} as multi_category_customers,
        {{ count_where('is_active and distinct_categories = 1') }} as single_category_customers,
        cast(sum(case when is_active then orders else 0 end) as {{ dbt.type_bigint() }}) as orders,
        sum(case when is_active then revenue else 0 end) as revenue
    from customer_periods_by_status
    group by 1, 2, 3, 4, 5

),

periods_counted as (

    {{ union_all_segment(
        'periods_by_segment',
        keys=['period_grain', 'period_start', 'program', 'member_status'],
        counts=['customers_start', 'customers_end', 'new_customers', 'churned_customers',
            'active_customers', 'repeat_customers', 'multi_category_customers',
            'single_category_customers', 'orders'],
        amounts=['revenue']) }}

),

-- surveys: each response of a known customer, in each period that holds its date

grains as (

    {{ period_grains_relation() }}

),

responses as (

    select
        periods.period_grain,
        periods.period_start,
        responses.customer_id,
        customers.segment,
        responses.question,
        responses.score
    from {{ ref('stg_survey_responses') }} as responses
    cross join grains
    inner join periods
        on
            grains.period_grain = periods.period_grain
            and {{ period_start_of('grains.period_grain', 'responses.response_date') }}
            = periods.period_start
            and responses.response_date <= periods.period_end
    inner join customers
        on responses.customer_id = customers.customer_id

),

responses_by_status as (

    {{ with_member_status('responses', ['period_grain', 'period_start', 'segment',
        'question', 'score']) }}

),

surveys_by_segment as (

    select
        period_grain,
        period_start,
        program,
        member_status,
        segment,
        {{ count_where("question = 'recommend' and " ~ is_promoter('score')) }} as promoters,
        {{ count_where("question = 'recommend' and " ~ is_detractor('score')) }} as detractors,
        {{ count_where("question = 'recommend'") }} as nps_responses,
        {{ count_where("question = 'repurchase' and " ~ is_promoter('score')) }} as repurchase_promoters,
        {{ count_where("question = 'repurchase' and " ~ is_detractor('score')) }} as repurchase_detractors,
        {{ count_where("question = 'repurchase'") }} as repurchase_responses,
        {{ count_where("question = 'try_new' and " ~ is_promoter('score')) }} as try_new_promoters,
        {{ count_where("question = 'try_new' and " ~ is_detractor('score')) }} as try_new_detractors,
        {{ count_where("question = 'try_new'") }} as try_new_responses
    from responses_by_status
    group by 1, 2, 3, 4, 5

),

surveys_counted as (

    {{ union_all_segment(
        'surveys_by_segment',
        keys=['period_grain', 'period_start', 'program', 'member_status'],
        counts=['promoters', 'detractors', 'nps_responses', 'repurchase_promoters',
            'repurchase_detractors', 'repurchase_responses', 'try_new_promoters',
            'try_new_detractors', 'try_new_responses']) }}

),

-- engagement: the customers with an event in the period

engagement as (

    select
        period_grain,
        period_start,
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

engagement_counted as (

    {{ union_all_segment(
        'engagement_by_segment',
        keys=['period_grain', 'period_start', 'program', 'member_status'],
        counts=['engaged_customers'],
        amounts=['engagement_score_sum']) }}

),

-- trailing-year CLV: the 365 days ending on period_end, customers by their status then

daily_orders as (

    select
        customer_id,
        order_date,
        count(*) as orders,
        sum(revenue) as revenue
    from {{ ref('int_orders_validated') }}
    group by 1, 2

),

window_customers as (

    select
        periods.period_grain,
        periods.period_start,
        daily_orders.customer_id,
        cast(sum(daily_orders.orders) as {{ dbt.type_bigint() }}) as orders_365d,
        sum(daily_orders.revenue) as revenue_365d
    from periods
    inner join daily_orders
        on
            periods.window_start <= daily_orders.order_date
            and periods.period_end >= daily_orders.order_date
    group by 1, 2, 3

),

base_spells as (

    select
        customer_id,
        spell_start,
        spell_end
    from {{ ref('int_customer_spells') }}
    where window_days = {{ churn_window_days() }}

),

year_before as (

    select
        periods.period_grain,
        periods.period_start,
        base_spells.customer_id,
        max(case when {{ is_in_base('periods.period_end',
            'later_spells.spell_start', 'later_spells.spell_end') }} then 1 else 0 end)
            as is_in_base_end
    from periods
    inner join base_spells
        on {{ is_in_base('periods.year_before_end', 'base_spells.spell_start', 'base_spells.spell_end') }}
    left join base_spells as later_spells
        on base_spells.customer_id = later_spells.customer_id
    group by 1, 2, 3

),

year_customers as (

    select
        coalesce(window_customers.period_grain, year_before.period_grain) as period_grain,
        coalesce(window_customers.period_start, year_before.period_start) as period_start,
        coalesce(window_customers.customer_id, year_before.customer_id) as customer_id,
        coalesce(window_customers.orders_365d, 0) as orders_365d,
        coalesce(window_customers.revenue_365d, 0) as revenue_365d,
        window_customers.customer_id is not null as is_purchaser_365d,
        year_before.customer_id is not null as is_in_base_year_before,
        coalesce(year_before.is_in_base_end, 0) = 0 and year_before.customer_id is not null
            as is_churned_year
    from window_customers
    full outer join year_before
        on
            window_customers.period_grain = year_before.period_grain
            and window_customers.period_start = year_before.period_start
            and window_customers.customer_id = year_before.customer_id

),

year_customers_segmented as (

    select
        year_customers.*,
        customers.segment
    from year_customers
    inner join customers
        on year_customers.customer_id = customers.customer_id

),

year_by_status as (

    {{ with_member_status('year_customers_segmented', ['period_grain', 'period_start',
        'segment', 'orders_365d', 'revenue_365d', 'is_purchaser_365d', 'is_in_base_year_before',
        'is_churned_year']) }}

),

year_by_segment as (

    select
        period_grain,
        period_start,
        program,
        member_status,
        segment,
        cast(sum(orders_365d) as {{ dbt.type_bigint() }}) as orders_365d,
        sum(revenue_365d) as revenue_365d,
        {{ count_where('is_purchaser_365d') }} as purchasing_customers_365d,
        {{ count_where('is_in_base_year_before') }} as customers_year_before,
        {{ count_where('is_churned_year') }} as churned_customers_year
    from year_by_status
    group by 1, 2, 3, 4, 5

),

year_counted as (

    {{ union_all_segment(
        'year_by_segment',
        keys=['period_grain', 'period_start', 'program', 'member_status'],
        counts=['orders_365d', 'purchasing_customers_365d', 'customers_year_before',
            'churned_customers_year'],
        amounts=['revenue_365d']) }}

),

-- every period, segment, program and status, measured

grid as (

    select
        period_segments.period_grain,
        period_segments.period_start,
        period_segments.period_end,
        period_segments.is_period_complete,
        period_segments.segment,
        programs.program,
        statuses.member_status
    from period_segments
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
    left join periods_counted
        on
            grid.period_grain = periods_counted.period_grain
            and grid.period_start = periods_counted.period_start
            and grid.segment = periods_counted.segment
            and grid.program = periods_counted.program
            and grid.member_status = periods_counted.member_status
    left join surveys_counted
        on
            grid.period_grain = surveys_counted.period_grain
            and grid.period_start = surveys_counted.period_start
            and grid.segment = surveys_counted.segment
            and grid.program = surveys_counted.program
            and grid.member_status = surveys_counted.member_status
    left join engagement_counted
        on
            grid.period_grain = engagement_counted.period_grain
            and grid.period_start = engagement_counted.period_start
            and grid.segment = engagement_counted.segment
            and grid.program = engagement_counted.program
            and grid.member_status = engagement_counted.member_status
    left join year_counted
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
