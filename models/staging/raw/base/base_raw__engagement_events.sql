{#- Every raw engagement event, typed, with the first staging rule it breaks (NULL: it is
    staged). A session needs a duration; a key action's duration is ignored.
    Incremental (delete+insert by key): a run re-derives every key with raw rows this table
    does not hold yet (changed_raw_keys), from all raw rows of the key. -#}
{{ config(unique_key='event_id') }}
{%- set typed_columns = ['event_id', 'customer_id', 'occurred_at', 'event_type', 'duration_seconds'] %}

with

source as {{ inlined_at_full_build() }} (

    select
        event_id,
        customer_id,
        occurred_at,
        event_type,
        duration_seconds
    from {{ source('raw', 'engagement_events') }}
    {%- if is_incremental() %}
    where {{ raw_key('event_id') }} in (
        {{ changed_raw_keys(source('raw', 'engagement_events'), raw_key('event_id'), 'event_id') }}
    )
    {%- endif %}

),

typed as (

    select
        -- raw values, kept for the quarantine
        event_id as raw_event_id,
        customer_id as raw_customer_id,
        occurred_at as raw_occurred_at,
        event_type as raw_event_type,
        duration_seconds as raw_duration_seconds,

        -- typed values
        {{ raw_key('event_id') }} as event_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        lower(trim(cast(event_type as {{ dbt.type_string() }}))) as event_type,
        {{ dbt.safe_cast('duration_seconds', dbt.type_int()) }} as duration_seconds,
        {{ utc_timestamp('occurred_at', source('raw', 'engagement_events')) }} as occurred_at

    from source

),

versioned as (

    {{ versioned_rows(
            'typed',
            'event_id',
            order_by=[
            invalid_stamps_last(['occurred_at'], required=['occurred_at']),
            'occurred_at desc nulls last',
            'customer_id asc',
            'event_type asc',
            'duration_seconds asc',
            ],
            columns=['customer_id', 'occurred_at', 'event_type', 'duration_seconds'],
        ) }}

),

checked as (

    select
        *,
        case
            when {{ is_blank('event_id') }} then 'missing_event_id'
            when is_exact_copy then 'exact_duplicate'
            {{ reject_timestamp('occurred_at', 'missing_occurred_at') }}
            when version_number > 1 then 'duplicate_key'
            when {{ is_blank('customer_id') }} then 'missing_customer_id'
            when event_type is null or event_type not in ('session', 'key_action') then 'unknown_event_type'
            when event_type = 'session' and duration_seconds is null then 'missing_duration'
            when duration_seconds < 0 then 'negative_duration'
        end as reject_reason
    from versioned

),

{#- Raw values are kept for the quarantined rows only: a staged row's are its typed ones. #}

final as (

    select
        checked.event_id,
        checked.customer_id,
        checked.occurred_at,
        checked.event_type,
        checked.duration_seconds,
        checked.reject_reason,
        {{ raw_if_rejected(typed_columns, 'checked') }},
        {{ loaded_at() }} as _loaded_at
    from checked

)

select
    *,
    {{ key_bucket_column('event_id') }}
from final
