{#- The RFM summary per customer at the observation date, in days (metrics.md, "Customer
    lifetime value", the BTYD convention): the input of BG/NBD and Gamma-Gamma.

    A purchase is a day with a valid order: several orders on one day count once and their
    revenue is summed (as in Fader, Hardie & Lee's CDNOW data). frequency = purchase days - 1;
    recency = days from the first to the last purchase day; t = days from the first purchase
    day to the observation date; monetary_value = mean revenue of the repeat purchase days
    (0 when frequency = 0). Only orders on or before the observation date count; customers
    whose first order is after it are left out.

    The observation date is var('clv_observation_date'), default the as-of date. Plain SQL on
    every adapter; the models that fit and score (Python) are built on DuckDB only.
    The per-customer purchase summary is int_customer_purchase_days_summarised (incremental);
    this view adds the observation date, which moves t on for every customer. A view: its
    query is a projection that takes 0.04 s at 10m orders, where writing its million rows to
    a table took 0.5-0.7 s of every run (BENCHMARKS.md).
    A bad var('clv_observation_date') stops the build (clv_observation_literal). -#}
{{ config(materialized='view') }}

{%- if execute and target.type != 'duckdb' -%}
    {%- do log(
        "loyalty_analytics: the predictive CLV models (int_btyd_parameters_fitted, "
        ~ "int_customer_clv_predicted, mart_clv_model, mart_customer_clv) are disabled on "
        ~ "adapter '" ~ target.type ~ "': they are Python models that import the project's "
        ~ "package in-process, which only dbt-duckdb does. int_customer_rfm_summarised is built.",
        info=true) -%}
{%- elif execute and not predictive_clv_enabled() -%}
    {%- do log(
        "loyalty_analytics: the predictive CLV models (int_btyd_parameters_fitted, "
        ~ "int_customer_clv_predicted, mart_clv_model, mart_customer_clv) are disabled by "
        ~ "var predictive_clv_enabled = false; mart_customer_segments and "
        ~ "mart_customers_at_risk carry NULL predictions. int_customer_rfm_summarised is built.",
        info=true) -%}
{%- endif %}

with

customers_summarised as (

    select
        customer_id,
        first_purchase_date,
        last_purchase_date,
        frequency,
        repeat_revenue
    from {{ ref('int_customer_purchase_days_summarised') }}

),

observation as (

    {{ clv_observation_relation() }}

),

final as (

    select
        customers_summarised.customer_id,
        observation.observation_date,
        observation.as_of_date,
        customers_summarised.first_purchase_date,
        customers_summarised.last_purchase_date,
        cast(customers_summarised.frequency as bigint) as frequency,
        cast({{ dbt.datediff(
            'customers_summarised.first_purchase_date',
            'customers_summarised.last_purchase_date', 'day') }} as bigint) as recency,
        cast({{ dbt.datediff(
            'customers_summarised.first_purchase_date',
            'observation.observation_date', 'day') }} as bigint) as t,
        case
            when customers_summarised.frequency = 0 then cast(0 as {{ type_double() }})
            else
                cast(customers_summarised.repeat_revenue as {{ type_double() }})
                / customers_summarised.frequency
        end as monetary_value
    from customers_summarised
    cross join observation

)

select * from final
