with

checked as (

    select * from {{ ref('base_raw__survey_responses') }}
    where reject_reason is null

),

renamed as (

    select
        -- ids
        response_id,
        customer_id,

        -- categories
        question,

        -- numerics
        score,

        -- dates and timestamps
        responded_at,
        {{ reporting_date('responded_at') }} as response_date

    from checked

)

select * from renamed
