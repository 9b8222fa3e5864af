{#- Every raw order row, typed, with the first staging rule it breaks (NULL: it is staged).
    Several rows with one order_id: exact copies are `exact_duplicate`; of the others, the
    latest updated_at is the current version and the rest are `superseded`. The current
    version is staged when valid; when it is not, it is quarantined with its own reason and
    the order counts nowhere (an older valid version never comes back). A version whose
    updated_at is missing or impossible never ranks first.
    `currency` is the optional orders.currency column, upper case (NULL when the column is
    absent, NULL or blank: then the order is in the reporting currency); the exchange rate is
    looked up in stg_orders, so a late rate needs no re-derivation here.
    Incremental (delete+insert by key): a run re-derives every key with raw rows this table
    does not hold yet (changed_raw_keys), from all raw rows of the key. -#}
{{ config(unique_key='order_id') }}
{%- set typed_columns = [
    'order_id', 'customer_id', 'ordered_at', 'status', 'order_total', 'currency', 'updated_at'] %}
{%- set has_currency = orders_have_currency() %}

with

source as {{ inlined_at_full_build() }} (

    select
        order_id,
        customer_id,
        ordered_at,
        status,
        order_total,
        {{ 'currency' if has_currency else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as currency,
        updated_at
    from {{ source('raw', 'orders') }}
    {%- if is_incremental() %}
    where {{ raw_key('order_id') }} in (
        {{ changed_raw_keys(source('raw', 'orders'), raw_key('order_id'), 'order_id') }}
    )
    {%- endif %}

),

typed as (

    select
        -- raw values, kept for the quarantine
        order_id as raw_order_id,
        customer_id as raw_customer_id,
        ordered_at as raw_ordered_at,
        status as raw_status,
        order_total as raw_order_total,
        currency as raw_currency,
        updated_at as raw_updated_at,

        -- typed values
        {{ raw_key('order_id') }} as order_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        lower(trim(cast(status as {{ dbt.type_string() }}))) as status,
        {{ dbt.safe_cast('order_total', 'decimal(18, 2)') }} as order_total,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as currency,
        {{ utc_timestamp('ordered_at', source('raw', 'orders')) }} as ordered_at,
        {{ utc_timestamp('updated_at', source('raw', 'orders')) }} as updated_at

    from source

),

versioned as (

    {{ versioned_rows(
            'typed',
            'order_id',
            order_by=[
            invalid_stamps_last(['updated_at'], required=['updated_at']),
            'updated_at desc nulls last',
            'ordered_at desc nulls last',
            'status asc',
            'order_total desc nulls last',
            'customer_id asc',
            'currency asc nulls first',
            ],
            columns=['customer_id', 'ordered_at', 'status', 'order_total', 'currency', 'updated_at'],
        ) }}

),

checked as (

    select
        *,
        case
            when {{ is_blank('order_id') }} then 'missing_order_id'
            when is_exact_copy then 'exact_duplicate'
            {{ reject_timestamp('ordered_at', 'missing_ordered_at') }}
            {{ reject_timestamp('updated_at') }}
            when version_number > 1 then 'superseded'
            when {{ is_blank('customer_id') }} then 'missing_customer_id'
            when status is null or status not in ('completed', 'cancelled', 'refunded', 'pending')
                then 'unknown_status'
            when order_total is null then 'missing_amount'
            when order_total < 0 then 'negative_amount'
        end as reject_reason
    from versioned

),

{#- Raw values are kept for the quarantined rows only: a staged row's are its typed ones. #}

final as (

    select
        checked.order_id,
        checked.customer_id,
        checked.ordered_at,
        checked.status,
        checked.order_total,
        checked.currency,
        checked.updated_at,
        checked.reject_reason,
        {{ raw_if_rejected(typed_columns, 'checked') }},
        {{ loaded_at() }} as _loaded_at
    from checked

)

select
    *,
    {{ key_bucket_column('order_id') }}
from final
