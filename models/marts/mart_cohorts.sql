{#- First-order cohorts by month: how many of each cohort buy again in each month after their
    first one, and the revenue they have brought so far (metrics.md, "Purchases" and the data
    contract). Built from the valid orders directly, so it does not depend on which period
    grains are configured. -#}
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
        cohort_months.cohort_month,
        cohort_months.months_since_first_order,
        cohort_months.cohort_size,
        coalesce(monthly_activity.active_customers, 0) as active_customers,
        {{ retention_share('coalesce(monthly_activity.active_customers, 0)', 'cohort_months.cohort_size') }}
            as retention_share,
        cast(coalesce(monthly_activity.revenue, 0) as decimal(38, 2)) as revenue,
        cast(sum(coalesce(monthly_activity.revenue, 0)) over (
            partition by cohort_months.cohort_month
            order by cohort_months.months_since_first_order
            rows between unbounded preceding and current row
        ) as decimal(38, 2)) as cumulative_revenue,
        cohort_months.repeat_customers,
        {{ cohort_repeat_rate('cohort_months.repeat_customers', 'cohort_months.cohort_size') }}
            as cohort_repeat_rate
    from cohort_months
    left join monthly_activity
        on
            cohort_months.cohort_month = monthly_activity.cohort_month
            and cohort_months.months_since_first_order = monthly_activity.months_since_first_order

)

select * from final
