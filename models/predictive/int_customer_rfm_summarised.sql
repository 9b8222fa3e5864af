{#- The RFM summary per customer at the observation date, in days (metrics.md, "Customer
    lifetime value", the BTYD convention): the input of BG/NBD and Gamma-Gamma.

    A purchase is a day with a valid order: several orders on one day count once and their
    revenue is summed (as in Fader, Hardie & Lee's CDNOW data). frequency = purchase days - 1;
    recency = days from the first to the last purchase day; t = days from the first purchase
    day to the observation date; monetary_value = mean revenue of the repeat purchase days
    (0 when frequency = 0). Only orders on or before the observation date count; customers
    whose first order is after it are left out.

    The observation date is var('clv_observation_date'), default the as-of date. Plain SQL on
    every adapter; the models that fit and score (Python) are built on DuckDB only. -#}

{%- set observation_var = var('clv_observation_date', none) -%}
{%- set observation_literal = none -%}
{%- if observation_var is not none and observation_var | string != '' -%}
    {%- set text = observation_var | string -%}
    {%- set parts = text.split('-') -%}
    {%- set is_date = modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) is not none
        and 1 <= parts[1] | int <= 12 and 1 <= parts[2] | int <= 31 -%}
    {%- if is_date -%}
        {%- set month_end = (modules.datetime.date(parts[0] | int + (parts[1] | int) // 12,
            (parts[1] | int) % 12 + 1, 1) - modules.datetime.timedelta(days=1)).day -%}
        {%- set is_date = parts[2] | int <= month_end -%}
    {%- endif -%}
    {%- if not is_date -%}
        {{ exceptions.raise_compiler_error(
            "var('clv_observation_date') must be a calendar date YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    {%- set observation_literal = "cast('" ~ text ~ "' as date)" -%}
{%- endif -%}

{%- if execute and target.type != 'duckdb' -%}
    {%- do log(
        "loyalty_analytics: the predictive CLV models (int_btyd_parameters_fitted, "
        ~ "int_customer_clv_predicted, mart_clv_model, mart_customer_clv) are disabled on "
        ~ "adapter '" ~ target.type ~ "': they are Python models that import the project's "
        ~ "package in-process, which only dbt-duckdb does. int_customer_rfm_summarised is built.",
        info=true) -%}
{%- endif %}

with

orders as (

    select
        customer_id,
        order_date,
        revenue
    from {{ ref('int_orders_validated') }}

),

periods as (

    select as_of_date from {{ ref('int_periods') }}

),

observation as (

    select
        max(as_of_date) as as_of_date,
        {% if observation_literal is not none -%}
            {{ observation_literal }}
        {%- else -%}
            max(as_of_date)
        {%- endif %} as observation_date
    from periods

),

purchase_days as (

    select
        orders.customer_id,
        orders.order_date as purchase_date,
        sum(orders.revenue) as day_revenue
    from orders
    inner join observation
        on orders.order_date <= observation.observation_date
    group by 1, 2

),

purchase_days_numbered as (

    select
        customer_id,
        purchase_date,
        day_revenue,
        min(purchase_date) over (partition by customer_id) as first_purchase_date
    from purchase_days

),

customers_summarised as (

    select
        customer_id,
        min(first_purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) - 1 as frequency,
        sum(case when purchase_date > first_purchase_date then day_revenue end)
            as repeat_revenue
    from purchase_days_numbered
    group by 1

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
