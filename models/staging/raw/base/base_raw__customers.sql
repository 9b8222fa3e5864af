{#- Every raw customer row, typed, with the first staging rule it breaks (NULL: it is staged).
    Several rows with one customer_id: the latest created_at is kept, the others are
    `duplicate_key` (exact copies: `exact_duplicate`). -#}
with

source as (

    select
        customer_id,
        created_at,
        segment,
        country
    from {{ source('raw', 'customers') }}

),

typed as (

    select
        -- raw values, kept for the quarantine
        customer_id as raw_customer_id,
        created_at as raw_created_at,
        segment as raw_segment,
        country as raw_country,

        -- typed values
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        upper(trim(cast(segment as {{ dbt.type_string() }}))) as segment,
        upper(trim(cast(country as {{ dbt.type_string() }}))) as country,
        {{ dbt.safe_cast('created_at', dbt.type_timestamp()) }} as created_at

    from source

),

versioned as (

    select
        *,
        {{ version_and_copy_columns(
            'customer_id',
            order_by=[
            invalid_stamps_last(['created_at']),
            'created_at desc nulls last',
            'segment asc',
            'country asc',
            ],
            columns=['created_at', 'segment', 'country'],
        ) }}
    from typed

),

checked as (

    select
        *,
        case
            when customer_id is null or trim(customer_id) = '' then 'missing_customer_id'
            when is_exact_copy then 'exact_duplicate'
            {{ reject_timestamp('created_at') }}
            when version_number > 1 then 'duplicate_key'
            when segment is null or segment not in ('B2C', 'B2B') then 'unknown_segment'
        end as reject_reason
    from versioned

)

select * from checked
