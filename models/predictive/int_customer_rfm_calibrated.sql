{#- The holdout validation's input (metrics.md, "Predictive CLV: holdout validation"): per
    customer whose first valid order is on or before the calibration end (the as-of date minus
    var('clv_holdout_days') days), the RFM summary at the calibration end in the BTYD
    convention of int_customer_rfm_summarised (purchase days, in days), and the purchase days
    of the holdout (calibration end, as-of date] (the unit of frequency: several orders on one
    day are one purchase).

    Built only when var('clv_holdout_days') is set (the yml's `enabled`), like the three
    models on top of it: unset (null, the default), the validation is off and none of the four
    is built. Plain SQL on every adapter; the fit on it (int_customer_holdout_predicted) runs
    on DuckDB only. -#}

with

holdout as (

    {{ clv_holdout_relation() }}

),

purchase_days as (

    select
        customer_id,
        order_date as purchase_date,
        sum(revenue) as day_revenue
    from {{ ref('int_orders_validated') }}
    group by 1, 2

),

calibration_days as (

    select
        purchase_days.customer_id,
        purchase_days.purchase_date,
        purchase_days.day_revenue,
        min(purchase_days.purchase_date) over (
            partition by purchase_days.customer_id
        ) as first_purchase_date
    from purchase_days
    inner join holdout
        on purchase_days.purchase_date <= holdout.calibration_end_date

),

calibration_summarised as (

    select
        customer_id,
        min(first_purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) - 1 as frequency,
        sum(case when purchase_date > first_purchase_date then day_revenue end)
            as repeat_revenue
    from calibration_days
    group by 1

),

holdout_purchases as (

    select
        purchase_days.customer_id,
        count(*) as actual_holdout_purchases
    from purchase_days
    inner join holdout
        on purchase_days.purchase_date > holdout.calibration_end_date
    group by 1

),

final as (

    select
        calibration_summarised.customer_id,
        holdout.calibration_end_date,
        holdout.as_of_date,
        holdout.holdout_days,
        calibration_summarised.first_purchase_date,
        calibration_summarised.last_purchase_date,
        cast(calibration_summarised.frequency as bigint) as frequency,
        cast({{ dbt.datediff(
            'calibration_summarised.first_purchase_date',
            'calibration_summarised.last_purchase_date', 'day') }} as bigint) as recency,
        cast({{ dbt.datediff(
            'calibration_summarised.first_purchase_date',
            'holdout.calibration_end_date', 'day') }} as bigint) as t,
        case
            when calibration_summarised.frequency = 0 then cast(0 as {{ type_double() }})
            else
                cast(calibration_summarised.repeat_revenue as {{ type_double() }})
                / calibration_summarised.frequency
        end as monetary_value,
        cast(coalesce(holdout_purchases.actual_holdout_purchases, 0) as bigint)
            as actual_holdout_purchases
    from calibration_summarised
    cross join holdout
    left join holdout_purchases
        on calibration_summarised.customer_id = holdout_purchases.customer_id

)

select * from final
