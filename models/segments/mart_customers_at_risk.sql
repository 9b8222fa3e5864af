{#- The win-back list (metrics.md, "Customer segments and who to win back"): customers still
    in the base at the as-of date, or out of it for less than W = var('churn_window_days')
    days, who are overdue or probably gone, ranked by the value at risk.

    With L the last order day, A the as-of date and D = recency_days = A - L: in the base at
    the end of A when D <= W - 1 (an order in [A - W + 1, A]); out of it from the end of day
    L + W on, so for D - W + 1 days at A. Eligible: D - W + 1 < W, i.e. D <= 2W - 2.
    - overdue: D > var('overdue_factor') (default 2) x the median gap in days between the
      customer's consecutive order days (several orders on a day are one order day). A customer
      with one order day has no gap and is never overdue.
    - low P(alive): p_alive < var('p_alive_threshold') (default 0.5). NULL p_alive (not scored,
      or not DuckDB) is never low.
    value_at_risk = predicted CLV had the customer stayed alive x (1 - P(alive)), where the CLV
    had they stayed alive is predicted_clv_365d / p_alive: BG/NBD's expected purchases are
    P(alive) x the purchases of an alive customer. risk_rank: 1 = the most value at risk,
    NULL values at risk last, then by lifetime revenue and customer_id.

    The median gap comes from int_customer_orders_summarised. SQL on every adapter: without the
    predictive models (not DuckDB) only the overdue rule applies and the value at risk is
    NULL. -#}
{%- set window_days = churn_window_days() %}

with

segments as (

    select
        customer_id,
        as_of_date,
        last_order_date,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score,
        rfm_segment,
        p_alive,
        predicted_clv_365d
    from {{ ref('mart_customer_segments') }}

),

median_gaps as (

    select
        customer_id,
        median_gap_days
    from {{ ref('int_customer_orders_summarised') }}

),

flagged as (

    select
        segments.*,
        median_gaps.median_gap_days,
        {{ overdue_factor() }} * median_gaps.median_gap_days as overdue_after_days,
        segments.recency_days <= {{ window_days - 1 }} as is_in_base,
        case
            when segments.recency_days > {{ window_days - 1 }}
                then segments.recency_days - {{ window_days - 1 }}
            else 0
        end as days_out_of_base,
        coalesce(
            segments.recency_days > {{ overdue_factor() }} * median_gaps.median_gap_days, false
        ) as is_overdue,
        coalesce(segments.p_alive < {{ p_alive_threshold() }}, false) as is_low_p_alive,
        {{ safe_divide('segments.predicted_clv_365d', 'segments.p_alive') }}
            as predicted_clv_if_alive
    from segments
    left join median_gaps
        on segments.customer_id = median_gaps.customer_id
    where segments.recency_days <= {{ 2 * window_days - 2 }}

),

at_risk as (

    select
        *,
        predicted_clv_if_alive * (1 - p_alive) as value_at_risk
    from flagged
    where is_overdue or is_low_p_alive

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(row_number() over (
            order by
                predicted_clv_if_alive * (1 - p_alive) desc nulls last,
                monetary desc,
                customer_id asc
        ) as {{ dbt.type_int() }}) as risk_rank,
        cast(
            case
                when is_overdue and is_low_p_alive then 'overdue_and_low_p_alive'
                when is_overdue then 'overdue'
                else 'low_p_alive'
            end as {{ dbt.type_string() }}
        ) as reason,
        cast(as_of_date as date) as as_of_date,
        cast(last_order_date as date) as last_order_date,
        cast(recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(median_gap_days as {{ type_double() }}) as median_gap_days,
        cast(overdue_after_days as {{ type_double() }}) as overdue_after_days,
        cast(is_in_base as boolean) as is_in_base,
        cast(days_out_of_base as {{ dbt.type_int() }}) as days_out_of_base,
        cast(is_overdue as boolean) as is_overdue,
        cast(is_low_p_alive as boolean) as is_low_p_alive,
        cast(p_alive as {{ type_double() }}) as p_alive,
        cast(predicted_clv_365d as {{ type_double() }}) as predicted_clv_365d,
        cast(predicted_clv_if_alive as {{ type_double() }}) as predicted_clv_if_alive,
        cast(value_at_risk as {{ type_double() }}) as value_at_risk,
        cast(frequency as {{ dbt.type_bigint() }}) as lifetime_orders,
        cast(monetary as decimal(38, 2)) as lifetime_revenue,
        cast(rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(r_score as {{ dbt.type_int() }}) as r_score,
        cast(f_score as {{ dbt.type_int() }}) as f_score,
        cast(m_score as {{ dbt.type_int() }}) as m_score
    from at_risk

)

select * from final
