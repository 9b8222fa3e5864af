{#- Rejected raw rows by source table, reason and day of the row's own timestamp (NULL when
    it had none or it was unreadable): a dashboard sees at once when a feed goes bad. The
    loyalty program's tables count while var('loyalty_program_enabled') is true. -#}
with

rejected as (

    select
        'customers' as source_table,
        reject_reason,
        {{ dbt.safe_cast('created_at', 'date') }} as row_date
    from {{ ref('quarantine_customers') }}
    union all
    select
        'orders' as source_table,
        reject_reason,
        {{ dbt.safe_cast('ordered_at', 'date') }} as row_date
    from {{ ref('quarantine_orders') }}
    union all
    select
        'order_items' as source_table,
        reject_reason,
        cast(null as date) as row_date
    from {{ ref('quarantine_order_items') }}
    union all
    select
        'survey_responses' as source_table,
        reject_reason,
        {{ dbt.safe_cast('responded_at', 'date') }} as row_date
    from {{ ref('quarantine_survey_responses') }}
    union all
    select
        'exchange_rates' as source_table,
        reject_reason,
        {{ dbt.safe_cast('rate_date', 'date') }} as row_date
    from {{ ref('quarantine_exchange_rates') }}
    union all
    select
        'engagement_events' as source_table,
        reject_reason,
        {{ dbt.safe_cast('occurred_at', 'date') }} as row_date
    from {{ ref('quarantine_engagement_events') }}
    {{- program_quality_rejects() }}

),

final as (

    select
        source_table,
        reject_reason,
        row_date,
        count(*) as rejected_rows,
        {{ quarantined_at() }} as quarantined_at
    from rejected
    group by 1, 2, 3

)

select * from final
