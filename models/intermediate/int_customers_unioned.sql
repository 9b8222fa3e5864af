{#- Every customer the project knows: those in `customers`, plus ids that appear in orders,
    survey answers or engagement events without a customers row. Those fall in the segment
    'unknown' (data-contract.md, "Outputs").
    Incremental: a run rewrites the customers with a re-derived row of any raw table. -#}
-- depends_on: {{ ref('base_raw__orders') }}, {{ ref('base_raw__customers') }}
-- depends_on: {{ ref('base_raw__survey_responses') }}, {{ ref('base_raw__engagement_events') }}
{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='replace_where',
    replace_where='customer_activity_scope',
    on_schema_change='fail',
) }}

with

customers as (

    select
        customer_id,
        segment,
        country,
        created_at
    from {{ ref('stg_customers') }}

),

ids_seen as (

    select customer_id from (
        select customer_id from {{ ref('stg_orders') }}
        union
        select customer_id from {{ ref('stg_survey_responses') }}
        union
        select customer_id from {{ ref('stg_engagement_events') }}
    ) as seen
    {%- if is_incremental() %}
    where {{ customer_activity_scope() }}
    {%- endif %}

),

ids_missing as (

    select ids_seen.customer_id
    from ids_seen
    left join customers
        on ids_seen.customer_id = customers.customer_id
    where
        ids_seen.customer_id is not null
        and customers.customer_id is null

),

final as (

    select
        customer_id,
        segment,
        country,
        created_at,
        true as is_in_customers,
        {{ loaded_at() }} as _loaded_at
    from customers
    {%- if is_incremental() %}
    where {{ customer_activity_scope() }}
    {%- endif %}

    union all

    select
        customer_id,
        'unknown' as segment,
        cast(null as {{ dbt.type_string() }}) as country,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        false as is_in_customers,
        {{ loaded_at() }} as _loaded_at
    from ids_missing

)

select * from final
