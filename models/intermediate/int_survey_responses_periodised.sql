{#- Each survey response in each period (one per grain) that holds its date, with the segment
    of the answering customer; anonymous answers get the segment 'anonymous', which counts in
    the 'all' rows of the marts only. Responses after the as-of date fall in no period. -#}
with

responses as (

    select
        response_id,
        customer_id,
        response_date,
        question,
        score
    from {{ ref('stg_survey_responses') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_unioned') }}

),

periods as (

    select
        period_grain,
        period_start,
        period_end
    from {{ ref('int_periods') }}

),

grains as (

    {{ period_grains_relation() }}

),

responses_with_periods as (

    select
        responses.response_id,
        responses.customer_id,
        responses.response_date,
        responses.question,
        responses.score,
        grains.period_grain,
        {{ period_start_of('grains.period_grain', 'responses.response_date') }} as period_start
    from responses
    cross join grains

),

final as (

    select
        responses_with_periods.response_id,
        responses_with_periods.period_grain,
        responses_with_periods.period_start,
        responses_with_periods.question,
        responses_with_periods.score,
        case
            when responses_with_periods.customer_id is null then 'anonymous'
            else customers.segment
        end as segment
    from responses_with_periods
    inner join periods
        on
            responses_with_periods.period_grain = periods.period_grain
            and responses_with_periods.period_start = periods.period_start
            and responses_with_periods.response_date <= periods.period_end
    left join customers
        on responses_with_periods.customer_id = customers.customer_id

)

select * from final
