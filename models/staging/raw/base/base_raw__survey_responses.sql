{#- Every raw survey response, typed, with the first staging rule it breaks (NULL: it is
    staged). Scores out of their question's range are rejected, never clamped. A NULL
    customer_id is an anonymous response, not an error.
    Incremental (delete+insert by key): a run re-derives every key with raw rows this table
    does not hold yet (changed_raw_keys), from all raw rows of the key. -#}
{{ config(unique_key='response_id') }}
{%- set typed_columns = ['response_id', 'customer_id', 'responded_at', 'question', 'score'] %}

with

source as {{ inlined_at_full_build() }} (

    select
        response_id,
        customer_id,
        responded_at,
        question,
        score
    from {{ source('raw', 'survey_responses') }}
    {%- if is_incremental() %}
    where {{ raw_key('response_id') }} in (
        {{ changed_raw_keys(source('raw', 'survey_responses'), raw_key('response_id'), 'response_id') }}
    )
    {%- endif %}

),

typed as (

    select
        -- raw values, kept for the quarantine
        response_id as raw_response_id,
        customer_id as raw_customer_id,
        responded_at as raw_responded_at,
        question as raw_question,
        score as raw_score,

        -- typed values
        {{ raw_key('response_id') }} as response_id,
        -- a blank customer id is an anonymous answer, like NULL
        case
            when {{ is_blank('cast(customer_id as ' ~ dbt.type_string() ~ ')') }} then null
            else cast(customer_id as {{ dbt.type_string() }})
        end as customer_id,
        lower(trim(cast(question as {{ dbt.type_string() }}))) as question,
        {{ dbt.safe_cast('score', dbt.type_int()) }} as score,
        {{ utc_timestamp('responded_at', source('raw', 'survey_responses')) }} as responded_at

    from source

),

versioned as (

    {{ versioned_rows(
            'typed',
            'response_id',
            order_by=[
            invalid_stamps_last(['responded_at'], required=['responded_at']),
            'responded_at desc nulls last',
            'customer_id asc',
            'question asc',
            'score asc',
            ],
            columns=['customer_id', 'responded_at', 'question', 'score'],
        ) }}

),

checked as (

    select
        *,
        case
            when {{ is_blank('response_id') }} then 'missing_response_id'
            when is_exact_copy then 'exact_duplicate'
            {{ reject_timestamp('responded_at', 'missing_responded_at') }}
            when version_number > 1 then 'duplicate_key'
            when question is null or question not in ('recommend', 'repurchase', 'try_new', 'satisfaction')
                then 'unknown_question'
            when score is null then 'missing_score'
            when question = 'satisfaction' and (score < 1 or score > 5) then 'score_out_of_range'
            when question != 'satisfaction' and (score < 0 or score > 10) then 'score_out_of_range'
        end as reject_reason
    from versioned

),

{#- Raw values are kept for the quarantined rows only: a staged row's are its typed ones. #}

final as (

    select
        checked.response_id,
        checked.customer_id,
        checked.responded_at,
        checked.question,
        checked.score,
        checked.reject_reason,
        {{ raw_if_rejected(typed_columns, 'checked') }},
        {{ loaded_at() }} as _loaded_at
    from checked

)

select
    *,
    {{ key_bucket_column('response_id') }}
from final
