{#- Survey answers per grain, period, segment (each and 'all'), program and member status at
    the end of the period: each answer of a known customer, in each period that holds its date
    (the counts of mart_survey_scores; anonymous answers count nowhere here). The members' are
    counted from their answers; the non-members' are all the answers' less the members'. -#}
{{ config(enabled=var('loyalty_program_enabled', true), materialized='table') }}
{%- set counts = ['promoters', 'detractors', 'nps_responses', 'repurchase_promoters',
    'repurchase_detractors', 'repurchase_responses', 'try_new_promoters', 'try_new_detractors',
    'try_new_responses'] %}

with

programs as (

    {{ programs_relation() }}

),

member_spells as (

    select
        customer_id,
        program,
        member_from,
        member_until
    from {{ ref('int_program_member_spells') }}

),

grains as (

    {{ period_grains_relation() }}

),

responses as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        responses.customer_id,
        customers.segment,
        responses.question,
        responses.score
    from {{ ref('stg_survey_responses') }} as responses
    cross join grains
    inner join {{ ref('int_periods') }} as periods
        on
            grains.period_grain = periods.period_grain
            and {{ period_start_of('grains.period_grain', 'responses.response_date') }}
            = periods.period_start
            and responses.response_date <= periods.period_end
    inner join {{ ref('int_customers_unioned') }} as customers
        on responses.customer_id = customers.customer_id

),

member_responses as (

    select
        responses.period_grain,
        responses.period_start,
        member_spells.program,
        responses.segment,
        responses.question,
        responses.score
    from responses
    inner join member_spells
        on
            responses.customer_id = member_spells.customer_id
            and {{ is_member_at('responses.period_end', 'member_spells.member_from',
                'member_spells.member_until') }}

),

{%- for scope, relation, keys in [
    ('members', 'member_responses', ['period_grain', 'period_start', 'program']),
    ('whole_base', 'responses', ['period_grain', 'period_start'])] %}

{{ scope }}_by_segment as (

    select
        {% for key in keys %}{{ key }},
        {% endfor -%}
        segment,
        {{ count_where("question = 'recommend' and " ~ is_promoter('score')) }} as promoters,
        {{ count_where("question = 'recommend' and " ~ is_detractor('score')) }} as detractors,
        {{ count_where("question = 'recommend'") }} as nps_responses,
        {{ count_where("question = 'repurchase' and " ~ is_promoter('score')) }} as repurchase_promoters,
        {{ count_where("question = 'repurchase' and " ~ is_detractor('score')) }} as repurchase_detractors,
        {{ count_where("question = 'repurchase'") }} as repurchase_responses,
        {{ count_where("question = 'try_new' and " ~ is_promoter('score')) }} as try_new_promoters,
        {{ count_where("question = 'try_new' and " ~ is_detractor('score')) }} as try_new_detractors,
        {{ count_where("question = 'try_new'") }} as try_new_responses
    from {{ relation }}
    group by {% for key in keys %}{{ key }}, {% endfor %}segment

),

{{ scope }} as (

    {{ union_all_segment(scope ~ '_by_segment', keys=keys, counts=counts) }}

),
{%- endfor %}

final as (

    {{ split_by_member_status(counts) }}

)

select * from final
