{#- Every raw customer row, typed, with the first staging rule it breaks (NULL: it is staged).
    Versioned like the orders: several rows with one customer_id are versions, the latest
    updated_at is the current one and the rest are `superseded` (exact copies:
    `exact_duplicate`); an invalid current version is quarantined with its own reason and the
    customer counts as missing from `customers` (segment 'unknown') until a newer valid one
    arrives.
    Incremental (delete+insert by key): a run re-derives every key with raw rows this table
    does not hold yet (changed_raw_keys), from all raw rows of the key.
    The pass-through columns (var loyalty_customers_pass_through_columns) ride along as they
    are, as pass_through__<name>: they tell versions apart and break ties last, so the
    version staged is the same whatever the order the rows arrived in. -#}
{{ config(unique_key='customer_id') }}
{%- set typed_columns = ['customer_id', 'created_at', 'segment', 'country', 'updated_at'] %}
{%- set pass_through = [] %}
{%- set pass_through_order = [] %}
{%- for column in customer_pass_through_columns() %}
    {%- do pass_through.append(pass_through_base_name(column)) %}
    {%- do pass_through_order.append(pass_through_base_name(column) ~ ' asc') %}
{%- endfor %}

with

source as {{ inlined_at_full_build() }} (

    select
        customer_id,
        created_at,
        segment,
        country,
        {%- for column in customer_pass_through_columns() %}
        {{ column['name'] }} as {{ pass_through_base_name(column) }},
        {%- endfor %}
        updated_at
    from {{ source('raw', 'customers') }}
    {%- if is_incremental() %}
    where {{ raw_key('customer_id') }} in (
        {{ changed_raw_keys(source('raw', 'customers'), raw_key('customer_id'), 'customer_id') }}
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
        updated_at as raw_updated_at,

        -- typed values
        {{ raw_key('customer_id') }} as customer_id,
        upper(trim(cast(segment as {{ dbt.type_string() }}))) as segment,
        upper(trim(cast(country as {{ dbt.type_string() }}))) as country,
        {{ utc_timestamp('created_at', source('raw', 'customers')) }} as created_at,
        {%- for name in pass_through %}
        {{ name }},
        {%- endfor %}
        {{ utc_timestamp('updated_at', source('raw', 'customers')) }} as updated_at

    from source

),

versioned as (

    {{ versioned_rows(
            'typed',
            'customer_id',
            order_by=[
            invalid_stamps_last(['updated_at'], required=['updated_at']),
            'updated_at desc nulls last',
            'created_at desc nulls last',
            'segment asc',
            'country asc',
            ] + pass_through_order,
            columns=['created_at', 'segment', 'country', 'updated_at'] + pass_through,
        ) }}

),

checked as (

    select
        *,
        case
            when {{ is_blank('customer_id') }} then 'missing_customer_id'
            when is_exact_copy then 'exact_duplicate'
            {{ reject_timestamp('created_at') }}
            {{ reject_timestamp('updated_at') }}
            when version_number > 1 then 'superseded'
            when segment is null or segment not in ('B2C', 'B2B') then 'unknown_segment'
        end as reject_reason
    from versioned

),

{#- Raw values are kept for the quarantined rows only: a staged row's are its typed ones. #}

final as (

    select
        checked.customer_id,
        checked.created_at,
        checked.segment,
        checked.country,
        checked.updated_at,
        {%- for name in pass_through %}
        checked.{{ name }},
        {%- endfor %}
        checked.reject_reason,
        {{ raw_if_rejected(typed_columns, 'checked') }},
        {{ loaded_at() }} as _loaded_at
    from checked

)

select
    *,
    {{ key_bucket_column('customer_id') }}
from final
