{#- Every raw loyalty points entry, typed, with the first staging rule it breaks (NULL: it is
    staged). The sign must match the entry type: earn > 0, redeem and expire < 0, adjust
    either sign. Several rows with one entry_id: exact copies are `exact_duplicate`, of the
    others the latest occurred_at is kept and the rest are `duplicate_key`.
    Incremental (delete+insert by key), like the other base models: a run re-derives every
    key with raw rows this table does not hold yet (changed_raw_keys), from all raw rows of
    the key. An optional input: var loyalty_program_enabled turns it off. -#}
{{ config(unique_key='entry_id', enabled=var('loyalty_program_enabled', true)) }}
{%- set typed_columns = ['entry_id', 'customer_id', 'occurred_at', 'entry_type', 'points', 'order_id'] %}

with

source as {{ inlined_at_full_build() }} (

    select
        entry_id,
        customer_id,
        occurred_at,
        entry_type,
        points,
        order_id
    from {{ source('raw', 'loyalty_points') }}
    {%- if is_incremental() %}
    where {{ raw_key('entry_id') }} in (
        {{ changed_raw_keys(source('raw', 'loyalty_points'), raw_key('entry_id'), 'entry_id') }}
    )
    {%- endif %}

),

typed as (

    select
        -- raw values, kept for the quarantine
        entry_id as raw_entry_id,
        customer_id as raw_customer_id,
        occurred_at as raw_occurred_at,
        entry_type as raw_entry_type,
        points as raw_points,
        order_id as raw_order_id,

        -- typed values
        {{ raw_key('entry_id') }} as entry_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        lower(trim(cast(entry_type as {{ dbt.type_string() }}))) as entry_type,
        {{ dbt.safe_cast('points', dbt.type_int()) }} as points,
        nullif(cast(order_id as {{ dbt.type_string() }}), '') as order_id,
        {{ dbt.safe_cast('occurred_at', dbt.type_timestamp()) }} as occurred_at

    from source

),

versioned as (

    {{ versioned_rows(
            'typed',
            'entry_id',
            order_by=[
            invalid_stamps_last(['occurred_at'], required=['occurred_at']),
            'occurred_at desc nulls last',
            'customer_id asc',
            'entry_type asc',
            'points asc',
            'order_id asc',
            ],
            columns=['customer_id', 'occurred_at', 'entry_type', 'points', 'order_id'],
        ) }}

),

checked as (

    select
        *,
        case
            when {{ is_blank('entry_id') }} then 'missing_entry_id'
            when is_exact_copy then 'exact_duplicate'
            {{ reject_timestamp('occurred_at', 'missing_occurred_at') }}
            when version_number > 1 then 'duplicate_key'
            when {{ is_blank('customer_id') }} then 'missing_customer_id'
            when entry_type is null or entry_type not in ('earn', 'redeem', 'expire', 'adjust')
                then 'unknown_entry_type'
            when points is null then 'missing_points'
            when
                (entry_type = 'earn' and points <= 0)
                or (entry_type in ('redeem', 'expire') and points >= 0)
                then 'points_sign_mismatch'
        end as reject_reason
    from versioned

),

{#- Raw values are kept for the quarantined rows only: a staged row's are its typed ones. #}

final as (

    select
        checked.entry_id,
        checked.customer_id,
        checked.occurred_at,
        checked.entry_type,
        checked.points,
        checked.order_id,
        checked.reject_reason,
        {{ raw_if_rejected(typed_columns, 'checked') }},
        {{ loaded_at() }} as _loaded_at
    from checked

)

select
    *,
    {{ key_bucket_column('entry_id') }}
from final
