{#- The holdout validation per customer (metrics.md, "Predictive CLV: holdout validation"):
    the RFM summary at the calibration end (the as-of date minus var('clv_holdout_days')),
    BG/NBD's prediction of the purchase days in the holdout, fitted on the calibration period
    only, and the purchase days that happened. Not built when the var is unset. -#}
with

calibrated as (

    select
        customer_id,
        calibration_end_date,
        as_of_date,
        holdout_days,
        first_purchase_date,
        frequency,
        recency,
        t,
        actual_holdout_purchases
    from {{ ref('int_customer_rfm_calibrated') }}

),

predicted as (

    select
        customer_id,
        predicted_holdout_purchases
    from {{ ref('int_customer_holdout_predicted') }}

),

final as (

    select
        cast(calibrated.customer_id as varchar) as customer_id,
        cast(calibrated.calibration_end_date as date) as calibration_end_date,
        cast(calibrated.as_of_date as date) as as_of_date,
        cast(calibrated.holdout_days as integer) as holdout_days,
        cast(calibrated.first_purchase_date as date) as first_purchase_date,
        cast(calibrated.frequency as bigint) as frequency,
        cast(calibrated.recency as bigint) as recency,
        cast(calibrated.t as bigint) as t,
        cast(
            case
                when calibrated.frequency >= 7 then '7+'
                else cast(calibrated.frequency as varchar)
            end as varchar
        ) as frequency_bucket,
        cast(predicted.predicted_holdout_purchases as double) as predicted_holdout_purchases,
        cast(calibrated.actual_holdout_purchases as bigint) as actual_holdout_purchases
    from calibrated
    left join predicted
        on calibrated.customer_id = predicted.customer_id

)

select * from final
