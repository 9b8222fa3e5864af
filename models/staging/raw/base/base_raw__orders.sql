{#- Every raw order row, typed, with the first staging rule it breaks (NULL: it is staged).
    Several rows with one order_id: exact copies are `exact_duplicate`; of the others, the
    latest updated_at is kept and the rest are `superseded`. -#}
with

source as (

    select
        order_id,
        customer_id,
        ordered_at,
        status,
        order_total,
        updated_at
    from {{ source('raw', 'orders') }}

),

typed as (

    select
        -- raw values, kept for the quarantine
        order_id as raw_order_id,
        customer_id as raw_customer_id,
        ordered_at as raw_ordered_at,
        status as raw_status,
        order_total as raw_order_total,
        updated_at as raw_updated_at,

        -- typed values
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        lower(trim(cast(status as {{ dbt.type_string() }}))) as status,
        {{ dbt.safe_cast('order_total', 'decimal(18, 2)') }} as order_total,
        {{ dbt.safe_cast('ordered_at', dbt.type_timestamp()) }} as ordered_at,
        {{ dbt.safe_cast('updated_at', dbt.type_timestamp()) }} as updated_at

    from source

),

versioned as (

    select
        *,
        {{ version_and_copy_columns(
            'order_id',
            order_by=[
            invalid_stamps_last(['ordered_at', 'updated_at'], required=['ordered_at']),
            'updated_at desc nulls last',
            'ordered_at desc nulls last',
            'status asc',
            'order_total desc nulls last',
            'customer_id asc',
            ],
            columns=['customer_id', 'ordered_at', 'status', 'order_total', 'updated_at'],
        ) }}
    from typed

),

checked as (

    select
        *,
        case
            when order_id is null or trim(order_id) = '' then 'missing_order_id'
            when is_exact_copy then 'exact_duplicate'
            {{ reject_timestamp('ordered_at', 'missing_ordered_at') }}
            {{ reject_timestamp('updated_at') }}
            when version_number > 1 then 'superseded'
            when customer_id is null or trim(customer_id) = '' then 'missing_customer_id'
            when status is null or status not in ('completed', 'cancelled', 'refunded', 'pending')
                then 'unknown_status'
            when order_total is null then 'missing_amount'
            when order_total < 0 then 'negative_amount'
        end as reject_reason
    from versioned

)

select * from checked
