{#- Every customer the project knows: those in `customers`, plus ids that appear in orders,
    survey answers or engagement events without a customers row. Those fall in the segment
    'unknown' (docs/data-contract.md, "Outputs"). first_seen_date is the earliest date the
    project knows of the customer: sign-up, or a staged order, answer or event.
    Incremental: a run rewrites the customers with a changed row in any raw table
    (customer_activity_scope). -#}
{{ config(scope='customer_activity_scope') }}
{%- set scope = cached_scope('customer_activity_scope') %}

with

customers as (

    select
        customer_id,
        segment,
        country,
        created_at
    from {{ ref('stg_customers') }}
    {%- if is_partial_run() %}
    where {{ scope }}
    {%- endif %}

),

activity as (

    select
        customer_id,
        min(activity_date) as first_activity_date
    from (
        select
            customer_id,
            order_date as activity_date
        from {{ ref('stg_orders') }}
        union all
        select
            customer_id,
            response_date as activity_date
        from {{ ref('stg_survey_responses') }}
        union all
        select
            customer_id,
            event_date as activity_date
        from {{ ref('stg_engagement_events') }}
    ) as seen
    where
        customer_id is not null
        and {{ scope if is_partial_run() else 'true' }}
    group by 1

),

known as (

    select
        customers.customer_id,
        customers.segment,
        customers.country,
        customers.created_at,
        true as is_in_customers,
        activity.first_activity_date
    from customers
    left join activity
        on customers.customer_id = activity.customer_id

    union all

    select
        activity.customer_id,
        'unknown' as segment,
        cast(null as {{ dbt.type_string() }}) as country,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        false as is_in_customers,
        activity.first_activity_date
    from activity
    left join customers
        on activity.customer_id = customers.customer_id
    where customers.customer_id is null

),

final as (

    select
        customer_id,
        segment,
        country,
        created_at,
        is_in_customers,
        case
            when created_at is null then first_activity_date
            when first_activity_date is null then {{ reporting_date('created_at') }}
            when {{ reporting_date('created_at') }} < first_activity_date
                then {{ reporting_date('created_at') }}
            else first_activity_date
        end as first_seen_date,
        {{ loaded_at() }} as _loaded_at
    from known

)

select * from final
