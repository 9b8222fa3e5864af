{#- First-order cohorts by month: how many of each cohort buy again in each month after their
    first one, and the revenue they have brought so far (metrics.md, "Purchases" and the data
    contract). Built from the valid orders directly, so it does not depend on which period
    grains are configured.
    Incremental: a run recomputes every row of the cohorts from the month of D -
    repeat_window_days on and every cohort's months from D's month on, D the first day a
    change reaches (cohort_scope); it reads only the orders from the first of those months
    on. A recomputed month's cumulative revenue adds the revenue of the cohort's months kept
    from the last run. -#}
{{ config(materialized=incremental_or_table(), scope='cohort_scope') }}
{%- set months = cohort_scope_months() %}
{%- set in_scope = cached_scope('cohort_scope') if is_partial_run() else none %}
{%- set revenue_kept = 'coalesce(kept_revenue.revenue, 0) + ' if in_scope else '' %}

with

customers as (

    select
        customer_id,
        cohort_month,
        first_order_date,
        second_order_date
    from {{ ref('dim_customers') }}
    where first_order_date is not null

),

orders as (

    select
        customer_id,
        order_date,
        revenue
    from {{ ref('int_orders_validated') }}
    {%- if in_scope %}
    where order_date >= {{ date_literal(months['first_cohort']) }}
    {%- endif %}

),

as_of as (

    select max(as_of_date) as as_of_date from {{ ref('int_periods') }}

),

numbers as (

    {{ integer_series(12) }}

),

cohorts as (

    select
        cohort_month,
        count(*) as cohort_size,
        {{ count_where(is_repeat_within_window('first_order_date', 'second_order_date')) }}
            as repeat_customers
    from customers
    group by 1

),

cohort_months as (

    select
        cohorts.cohort_month,
        numbers.n as months_since_first_order,
        cohorts.cohort_size,
        cohorts.repeat_customers
    from cohorts
    cross join numbers
    cross join as_of
    where {{ dbt.dateadd('month', 'numbers.n', 'cohorts.cohort_month') }} <= as_of.as_of_date

),

measured_months as (

    -- the rows this run computes: every row on a full build
    select
        cohort_month,
        months_since_first_order,
        cohort_size,
        repeat_customers
    from cohort_months
    {%- if in_scope %}
    where {{ in_scope }}
    {%- endif %}

),

{%- if in_scope %}

kept_revenue as (

    -- per cohort, the revenue of the months this run keeps (those before its first month
    -- in scope)
    select
        cohort_month,
        sum(revenue) as revenue
    from {{ this }}
    where not {{ in_scope }}
    group by 1

),
{%- endif %}

monthly_activity as (

    select
        customers.cohort_month,
        {{ dbt.datediff('customers.cohort_month', dbt.date_trunc('month', 'orders.order_date'), 'month') }}
            as months_since_first_order,
        count(distinct orders.customer_id) as active_customers,
        sum(orders.revenue) as revenue
    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    group by 1, 2

),

final as (

    select
        measured_months.cohort_month,
        measured_months.months_since_first_order,
        measured_months.cohort_size,
        coalesce(monthly_activity.active_customers, 0) as active_customers,
        {{ retention_share('coalesce(monthly_activity.active_customers, 0)', 'measured_months.cohort_size') }}
            as retention_share,
        cast(coalesce(monthly_activity.revenue, 0) as decimal(38, 2)) as revenue,
        cast({{ revenue_kept }}sum(coalesce(monthly_activity.revenue, 0)) over (
            partition by measured_months.cohort_month
            order by measured_months.months_since_first_order
            rows between unbounded preceding and current row
        ) as decimal(38, 2)) as cumulative_revenue,
        measured_months.repeat_customers,
        {{ cohort_repeat_rate('measured_months.repeat_customers', 'measured_months.cohort_size') }}
            as cohort_repeat_rate,
        {{ loaded_at() }} as _loaded_at
    from measured_months
    left join monthly_activity
        on
            measured_months.cohort_month = monthly_activity.cohort_month
            and measured_months.months_since_first_order = monthly_activity.months_since_first_order
    {%- if in_scope %}
    left join kept_revenue
        on measured_months.cohort_month = kept_revenue.cohort_month
    {%- endif %}

)

select * from final
