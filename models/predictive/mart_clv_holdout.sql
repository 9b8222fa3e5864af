{#- Predicted vs actual purchase days in the holdout by calibration frequency (metrics.md,
    "Predictive CLV: holdout validation"; Fader, Hardie & Lee 2005's calibration/holdout
    figure): one row per frequency_bucket 0 .. 6 and 7+ (always all eight, a bucket without
    customers has 0 customers and NULL means) and a row 'all', which alone carries the mean
    absolute error and the root mean squared error per customer. Not built when
    var('clv_holdout_days') is unset. -#}

with

customers as (

    select
        frequency_bucket,
        predicted_holdout_purchases,
        actual_holdout_purchases
    from {{ ref('mart_customer_clv_holdout') }}

),

holdout as (

    {{ clv_holdout_relation() }}

),

buckets as (

    select
        '0' as frequency_bucket,
        0 as bucket_order
    union all
    select
        '1' as frequency_bucket,
        1 as bucket_order
    union all
    select
        '2' as frequency_bucket,
        2 as bucket_order
    union all
    select
        '3' as frequency_bucket,
        3 as bucket_order
    union all
    select
        '4' as frequency_bucket,
        4 as bucket_order
    union all
    select
        '5' as frequency_bucket,
        5 as bucket_order
    union all
    select
        '6' as frequency_bucket,
        6 as bucket_order
    union all
    select
        '7+' as frequency_bucket,
        7 as bucket_order

),

by_bucket as (

    select
        frequency_bucket,
        count(*) as customers,
        sum(actual_holdout_purchases) as actual_total,
        sum(predicted_holdout_purchases) as predicted_total,
        count(predicted_holdout_purchases) as predicted_customers
    from customers
    group by 1

),

bucket_rows as (

    select
        buckets.frequency_bucket,
        buckets.bucket_order,
        coalesce(by_bucket.customers, 0) as customers,
        coalesce(by_bucket.actual_total, 0) as actual_total,
        -- NULL when the model was not fitted (no prediction for any customer)
        case
            when coalesce(by_bucket.customers, 0) = 0 then 0
            when by_bucket.predicted_customers = by_bucket.customers
                then by_bucket.predicted_total
        end as predicted_total,
        cast(null as double) as mae,
        cast(null as double) as rmse
    from buckets
    left join by_bucket
        on buckets.frequency_bucket = by_bucket.frequency_bucket

),

all_row as (

    select
        'all' as frequency_bucket,
        8 as bucket_order,
        count(*) as customers,
        coalesce(sum(actual_holdout_purchases), 0) as actual_total,
        case
            when count(*) = 0 then 0
            when count(predicted_holdout_purchases) = count(*)
                then sum(predicted_holdout_purchases)
        end as predicted_total,
        avg(abs(predicted_holdout_purchases - actual_holdout_purchases)) as mae,
        sqrt(avg(
            (predicted_holdout_purchases - actual_holdout_purchases)
            * (predicted_holdout_purchases - actual_holdout_purchases)
        )) as rmse
    from customers

),

unioned as (

    select * from bucket_rows
    union all
    select * from all_row

),

final as (

    select
        cast(unioned.frequency_bucket as varchar) as frequency_bucket,
        cast(unioned.bucket_order as integer) as bucket_order,
        cast(holdout.calibration_end_date as date) as calibration_end_date,
        cast(holdout.as_of_date as date) as as_of_date,
        cast(holdout.holdout_days as integer) as holdout_days,
        cast(unioned.customers as bigint) as customers,
        {{ safe_divide('unioned.actual_total', 'unioned.customers') }} as actual_mean,
        {{ safe_divide('unioned.predicted_total', 'unioned.customers') }} as predicted_mean,
        cast(unioned.actual_total as bigint) as actual_total,
        cast(unioned.predicted_total as double) as predicted_total,
        cast(unioned.mae as double) as mae,
        cast(unioned.rmse as double) as rmse
    from unioned
    cross join holdout
    -- No holdout (var unset): no rows.
    where holdout.holdout_days is not null

)

select * from final
