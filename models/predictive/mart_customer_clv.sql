{#- Predictive CLV per customer at the observation date: the RFM summary (days), BG/NBD's
    P(alive) and expected purchases, Gamma-Gamma's expected spend per purchase, and the
    margin on the expected spend of the next 365 days, discounted monthly
    (docs/predictive_clv.md). NULL predictions when a model did not converge. -#}
with

rfm as (

    select
        customer_id,
        observation_date,
        first_purchase_date,
        last_purchase_date,
        frequency,
        recency,
        t,
        monetary_value
    from {{ ref('int_customer_rfm_summarised') }}

),

predictions as (

    select
        customer_id,
        p_alive,
        expected_purchases_90d,
        expected_purchases_365d,
        discounted_expected_purchases_365d,
        expected_avg_order_value
    from {{ ref('int_customer_clv_predicted') }}

),

valued as (

    select
        rfm.customer_id,
        rfm.observation_date,
        rfm.first_purchase_date,
        rfm.last_purchase_date,
        rfm.frequency,
        rfm.recency,
        rfm.t,
        rfm.monetary_value,
        predictions.p_alive,
        predictions.expected_purchases_90d,
        predictions.expected_purchases_365d,
        predictions.discounted_expected_purchases_365d,
        predictions.expected_avg_order_value,
        {{ predicted_clv_365d(
            'predictions.discounted_expected_purchases_365d',
            'predictions.expected_avg_order_value',
        ) }} as predicted_clv_365d
    from rfm
    left join predictions
        on rfm.customer_id = predictions.customer_id

),

ranked as (

    select
        *,
        case
            when predicted_clv_365d is not null
                then ntile(10) over (
                    partition by predicted_clv_365d is null
                    order by predicted_clv_365d desc, customer_id asc
                )
        end as predicted_clv_decile
    from valued

),

final as (

    select
        cast(customer_id as varchar) as customer_id,
        cast(observation_date as date) as observation_date,
        cast(first_purchase_date as date) as first_purchase_date,
        cast(last_purchase_date as date) as last_purchase_date,
        cast(frequency as bigint) as frequency,
        cast(recency as bigint) as recency,
        cast(t as bigint) as t,
        cast(monetary_value as double) as monetary_value,
        cast(p_alive as double) as p_alive,
        cast(expected_purchases_90d as double) as expected_purchases_90d,
        cast(expected_purchases_365d as double) as expected_purchases_365d,
        cast(discounted_expected_purchases_365d as double) as discounted_expected_purchases_365d,
        cast(expected_avg_order_value as double) as expected_avg_order_value,
        cast(predicted_clv_365d as double) as predicted_clv_365d,
        cast(predicted_clv_decile as integer) as predicted_clv_decile
    from ranked

)

select * from final
