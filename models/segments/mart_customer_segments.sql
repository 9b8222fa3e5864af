{#- RFM scores and named segments per customer at the as-of date (metrics.md, "Customer
    segments and who to win back"), with P(alive) and the predicted CLV of mart_customer_clv.

    Per customer with a valid order up to the as-of date: recency_days = days from the last
    order day to the as-of date, frequency = valid orders, monetary = their revenue. Each score
    is ceil(5 x cume_dist()) over all these customers (rfm_score_of), ascending by the last order
    date (r_score: the most recent get 5), by frequency (f_score) and by monetary (m_score);
    ties share a score. rfm_segment comes from the seed rfm_segment_map by (r_score, f_score).

    SQL on every adapter. P(alive) and the predicted CLV come from the predictive models,
    which are built on DuckDB only: on other adapters, and for customers the models did not
    score, they are NULL. -#}

with

customers_summarised as (

    -- per customer with a valid order: first and last order date, orders and revenue
    select
        customer_id,
        first_order_date,
        last_order_date,
        lifetime_orders as frequency,
        lifetime_revenue as monetary
    from {{ ref('int_customer_orders_summarised') }}

),

as_of as (

    select max(as_of_date) as as_of_date from {{ ref('int_periods') }}

),

segment_map as (

    select
        r_score,
        f_score,
        rfm_segment
    from {{ ref('rfm_segment_map') }}

),

predictions as (

    -- mart_customer_clv's, on DuckDB; no rows elsewhere (the predictive models are DuckDB only)
    select
        customer_id,
        p_alive,
        predicted_clv_365d
    from {{ clv_predictions_relation() }}

),

{#- Where each measure's values rank (value_ranks), joined to the customers below. #}

recency_ranks as (

    {{ value_ranks('customers_summarised', 'last_order_date') }}

),

frequency_ranks as (

    {{ value_ranks('customers_summarised', 'frequency') }}

),

monetary_ranks as (

    {{ value_ranks('customers_summarised', 'monetary') }}

),

customers_scored as (

    select
        customers_summarised.customer_id,
        as_of.as_of_date,
        customers_summarised.first_order_date,
        customers_summarised.last_order_date,
        {{ dbt.datediff('customers_summarised.last_order_date', 'as_of.as_of_date', 'day') }}
            as recency_days,
        customers_summarised.frequency,
        customers_summarised.monetary,
        {{ rfm_score_of('recency_ranks') }} as r_score,
        {{ rfm_score_of('frequency_ranks') }} as f_score,
        {{ rfm_score_of('monetary_ranks') }} as m_score
    from customers_summarised
    cross join as_of
    left join recency_ranks
        on customers_summarised.last_order_date = recency_ranks.ranked_value
    left join frequency_ranks
        on customers_summarised.frequency = frequency_ranks.ranked_value
    left join monetary_ranks
        on customers_summarised.monetary = monetary_ranks.ranked_value

),

final as (

    select
        cast(customers_scored.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(customers_scored.as_of_date as date) as as_of_date,
        cast(customers_scored.first_order_date as date) as first_order_date,
        cast(customers_scored.last_order_date as date) as last_order_date,
        cast(customers_scored.recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(customers_scored.frequency as {{ dbt.type_bigint() }}) as frequency,
        cast(customers_scored.monetary as decimal(38, 2)) as monetary,
        cast(customers_scored.r_score as {{ dbt.type_int() }}) as r_score,
        cast(customers_scored.f_score as {{ dbt.type_int() }}) as f_score,
        cast(customers_scored.m_score as {{ dbt.type_int() }}) as m_score,
        cast(segment_map.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(predictions.p_alive as {{ type_double() }}) as p_alive,
        cast(predictions.predicted_clv_365d as {{ type_double() }}) as predicted_clv_365d
    from customers_scored
    left join segment_map
        on
            customers_scored.r_score = segment_map.r_score
            and customers_scored.f_score = segment_map.f_score
    left join predictions
        on customers_scored.customer_id = predictions.customer_id

)

select * from final
