{#- Every raw customer row, typed, with the first staging rule it breaks (NULL: it is staged).
    Several rows with one customer_id: the latest created_at is kept, the others are
    `duplicate_key` (exact copies: `exact_duplicate`).
    Incremental (delete+insert by customer_id): a run re-derives the ids with a row stamped since
    the last run (macros/utils/incremental.sql), from all raw rows of those ids. -#}
{{ config(unique_key='customer_id') }}
{%- set typed_columns = ['customer_id', 'created_at', 'segment', 'country'] %}

with

source as (

    select
        customer_id,
        created_at,
        segment,
        country
    from {{ source('raw', 'customers') }}
    {%- if is_incremental() %}
    where {{ raw_key('customer_id') }} in (
        {{ changed_raw_keys(source('raw', 'customers'), 'customer_id', ['created_at']) }}
    )
    {%- endif %}

),

typed as (

    select
        -- raw values, kept for the quarantine
        customer_id as raw_customer_id,
        created_at as raw_created_at,
        segment as raw_segment,
        country as raw_country,

        -- typed values
        {{ raw_key('customer_id') }} as customer_id,
        upper(trim(cast(segment as {{ dbt.type_string() }}))) as segment,
        upper(trim(cast(country as {{ dbt.type_string() }}))) as country,
        {{ dbt.safe_cast('created_at', dbt.type_timestamp()) }} as created_at

    from source

),

versioned as (

    {{ versioned_rows(
            'typed',
            'customer_id',
            order_by=[
            invalid_stamps_last(['created_at']),
            'created_at desc nulls last',
            'segment asc',
            'country asc',
            ],
            columns=['created_at', 'segment', 'country'],
        ) }}

),

checked as (

    select
        *,
        case
            when {{ is_blank('customer_id') }} then 'missing_customer_id'
            when is_exact_copy then 'exact_duplicate'
            {{ reject_timestamp('created_at') }}
            when version_number > 1 then 'duplicate_key'
            when segment is null or segment not in ('B2C', 'B2B') then 'unknown_segment'
        end as reject_reason
    from versioned

),

{%- if is_incremental() %}

previous as (

    {{ previous_stamps('checked', 'customer_id', typed_columns) }}

),
{%- endif %}

{#- Raw values are kept for the quarantined rows only: a staged row's are its typed ones. #}

final as (

    select
        checked.customer_id,
        checked.created_at,
        checked.segment,
        checked.country,
        checked.reject_reason,
        {{ raw_if_rejected(typed_columns, 'checked') }},
        {{ base_loaded_at() }} as _loaded_at
    from checked
    {{- join_previous_stamps('checked', typed_columns) }}

)

{{ select_changed_keys('final', 'customer_id') }}
