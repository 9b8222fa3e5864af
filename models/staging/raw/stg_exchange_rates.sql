{#- One row per staged exchange rate, with the date the currency's next rate takes over: a
    rate converts the orders of its currency dated from rate_date up to the day before
    next_rate_date (docs/data-contract.md, "Optional inputs"). -#}
with

checked as (

    select * from {{ ref('base_raw__exchange_rates') }}
    where reject_reason is null

),

renamed as (

    select
        -- ids
        currency,

        -- numerics
        rate_to_reporting,

        -- dates
        rate_date,
        lead(rate_date) over (partition by currency order by rate_date) as next_rate_date

    from checked

)

select * from renamed
