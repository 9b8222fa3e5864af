{#- Every raw loyalty membership row, typed, with the first staging rule it breaks (NULL: it
    is staged). Several rows with one membership_id: exact copies are `exact_duplicate`; of
    the others the latest updated_at is the current version, staged when valid and
    quarantined with its own reason when not (the membership then counts nowhere); every
    other version is `superseded`.
    Incremental (delete+insert by key), like the other base models: a run re-derives every
    key with raw rows this table does not hold yet (changed_raw_keys), from all raw rows of
    the key. An optional input: var loyalty_program_enabled turns it off. -#}
{{ config(unique_key='membership_id', enabled=var('loyalty_program_enabled', true)) }}
{%- set typed_columns = [
    'membership_id', 'customer_id', 'program', 'tier', 'joined_at', 'left_at', 'updated_at',
] %}

with

source as {{ inlined_at_full_build() }} (

    select
        membership_id,
        customer_id,
        program,
        tier,
        joined_at,
        left_at,
        updated_at
    from {{ source('raw', 'loyalty_memberships') }}
    {%- if is_incremental() %}
    where {{ raw_key('membership_id') }} in (
        {{ changed_raw_keys(source('raw', 'loyalty_memberships'), raw_key('membership_id'), 'membership_id') }}
    )
    {%- endif %}

),

typed as (

    select
        -- raw values, kept for the quarantine
        membership_id as raw_membership_id,
        customer_id as raw_customer_id,
        program as raw_program,
        tier as raw_tier,
        joined_at as raw_joined_at,
        left_at as raw_left_at,
        updated_at as raw_updated_at,

        -- typed values
        {{ raw_key('membership_id') }} as membership_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        lower(trim(cast(program as {{ dbt.type_string() }}))) as program,
        nullif(lower(trim(cast(tier as {{ dbt.type_string() }}))), '') as tier,
        {{ dbt.safe_cast('joined_at', dbt.type_timestamp()) }} as joined_at,
        {{ dbt.safe_cast('left_at', dbt.type_timestamp()) }} as left_at,
        {{ dbt.safe_cast('updated_at', dbt.type_timestamp()) }} as updated_at

    from source

),

versioned as (

    {{ versioned_rows(
            'typed',
            'membership_id',
            order_by=[
            invalid_stamps_last(['joined_at', 'left_at', 'updated_at'], required=['joined_at']),
            'updated_at desc nulls last',
            'joined_at desc nulls last',
            'left_at desc nulls first',
            'customer_id asc',
            'program asc',
            'tier asc',
            ],
            columns=['customer_id', 'program', 'tier', 'joined_at', 'left_at', 'updated_at'],
        ) }}

),

checked as (

    select
        *,
        case
            when {{ is_blank('membership_id') }} then 'missing_membership_id'
            when is_exact_copy then 'exact_duplicate'
            {{ reject_timestamp('joined_at', 'missing_joined_at') }}
            {{ reject_timestamp('left_at') }}
            {{ reject_timestamp('updated_at') }}
            when version_number > 1 then 'superseded'
            when {{ is_blank('customer_id') }} then 'missing_customer_id'
            when program is null or program = '' then 'missing_program'
            when left_at < joined_at then 'left_before_joined'
        end as reject_reason
    from versioned

),

{#- Raw values are kept for the quarantined rows only: a staged row's are its typed ones. #}

final as (

    select
        checked.membership_id,
        checked.customer_id,
        checked.program,
        checked.tier,
        checked.joined_at,
        checked.left_at,
        checked.updated_at,
        checked.reject_reason,
        {{ raw_if_rejected(typed_columns, 'checked') }},
        {{ loaded_at() }} as _loaded_at
    from checked

)

select
    *,
    {{ key_bucket_column('membership_id') }}
from final
