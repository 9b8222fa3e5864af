{#- Every raw exchange rate, typed, with the first staging rule it breaks (NULL: it is staged).
    The key is (currency, rate_date), stored as `rate_key`; currency is upper case. Several
    rows with one key: exact copies are `exact_duplicate`; of the others a positive rate wins
    over a missing or non-positive one, then the lowest rate, and the rest are `duplicate_key`
    (a bad row never pushes a good rate of its key out).
    The table is optional (docs/data-contract.md, "Optional inputs"): while it does not exist
    this model is empty, and every order in a foreign currency is quarantined as
    `no_exchange_rate`.
    Incremental (delete+insert by key): a run re-derives every key with raw rows this table
    does not hold yet (changed_raw_keys), from all raw rows of the key; its `_loaded_at`
    tells the per-customer models which orders a late rate converts anew
    (customers_of_changed_rates). -#}
{{ config(unique_key='rate_key') }}
{%- set typed_columns = ['rate_date', 'currency', 'rate_to_reporting'] %}
{%- set raw_rates = source('raw', 'exchange_rates') %}
{%- set is_present = exchange_rates_exist() %}
{%- set key_expression =
    "upper(trim(coalesce(cast(currency as " ~ dbt.type_string() ~ "), ''))) || '|' || coalesce(cast("
    ~ dbt.safe_cast('rate_date', 'date') ~ " as " ~ dbt.type_string() ~ "), '')" %}

with

source as {{ inlined_at_full_build() }} (

    {%- if is_present %}

        select
            rate_date,
            currency,
            rate_to_reporting
        from {{ raw_rates }}
        {%- if is_incremental() %}
        where {{ key_expression }} in (
            {{ changed_raw_keys(raw_rates, key_expression, 'rate_key') }}
        )
        {%- endif %}
    {%- else %}

        {#- No exchange_rates table: no rows, the contract's columns. #}
        select
            cast(null as date) as rate_date,
            cast(null as {{ dbt.type_string() }}) as currency,
            cast(null as decimal(18, 8)) as rate_to_reporting
        where 1 = 0
    {%- endif %}

),

typed as (

    select
        -- raw values, kept for the quarantine
        rate_date as raw_rate_date,
        currency as raw_currency,
        rate_to_reporting as raw_rate_to_reporting,

        -- typed values
        {{ key_expression }} as rate_key,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as currency,
        {{ dbt.safe_cast('rate_date', 'date') }} as rate_date,
        {{ dbt.safe_cast('rate_to_reporting', 'decimal(18, 8)') }} as rate_to_reporting

    from source

),

versioned as (

    {{ versioned_rows(
            'typed',
            'rate_key',
            order_by=['case when rate_to_reporting > 0 then 0 else 1 end',
                'rate_to_reporting asc nulls last'],
            columns=['currency', 'rate_date', 'rate_to_reporting'],
        ) }}

),

checked as (

    select
        *,
        case
            when currency is null then 'missing_currency'
            when rate_date is null then 'missing_rate_date'
            when is_exact_copy then 'exact_duplicate'
            when version_number > 1 then 'duplicate_key'
            when {{ dbt.length('currency') }} != 3 then 'invalid_currency'
            when rate_to_reporting is null then 'missing_rate'
            when rate_to_reporting <= 0 then 'non_positive_rate'
        end as reject_reason
    from versioned

),

{#- Raw values are kept for the quarantined rows only: a staged row's are its typed ones. #}

final as (

    select
        checked.rate_key,
        checked.currency,
        checked.rate_date,
        checked.rate_to_reporting,
        checked.reject_reason,
        {{ raw_if_rejected(typed_columns, 'checked') }},
        {{ loaded_at() }} as _loaded_at
    from checked

)

select
    *,
    {{ key_bucket_column('rate_key') }}
from final
