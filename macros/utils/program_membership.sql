{#- Helpers of the loyalty program marts (models/marts/program). -#}

{#- True when a membership (or a spell of them, int_program_member_spells) is open at the end
    of `day`: joined on or before it and not left by its end (left_date NULL or after it). -#}
{% macro is_member_at(day, joined_date='joined_date', left_date='left_date') -%}
    ({{ joined_date }} <= {{ day }} and ({{ left_date }} is null or {{ left_date }} > {{ day }}))
{%- endmacro %}

{#- Memberships merged into spells where they overlap or touch, per `keys` (a customer and
    program, or a customer, program and tier): the rows of the CTE `relation` (the keys,
    joined_date and left_until, a far-future date for an open membership) as
    [member_from, member_until) in days, member_until NULL while open. A membership starts
    a spell unless it joins on or before the latest end of the earlier ones, so the spells of
    one key do not overlap: at most one holds a day. -#}
{% macro merged_spells(relation, keys, open_end) -%}
    {%- set partition = keys | join(', ') -%}
    select
        {{ partition }},
        spell_number,
        min(joined_date) as member_from,
        case
            when max(left_until) < {{ open_end }} then max(left_until)
        end as member_until
    from (
        select
            {{ partition }},
            joined_date,
            left_until,
            sum(is_spell_start) over (
                partition by {{ partition }}
                order by joined_date, left_until
                rows between unbounded preceding and current row
            ) as spell_number
        from (
            select
                {{ partition }},
                joined_date,
                left_until,
                case
                    when joined_date <= max(left_until) over (
                        partition by {{ partition }}
                        order by joined_date, left_until
                        rows between unbounded preceding and 1 preceding
                    ) then 0
                    else 1
                end as is_spell_start
            from {{ relation }}
        ) as flagged
    ) as numbered
    group by {{ partition }}, spell_number
{%- endmacro %}

{#- The programs the program marts report: each program with a staged membership, and 'any'
    (a member of at least one). -#}
{% macro programs_relation() -%}
    select distinct program from {{ ref('stg_loyalty_memberships') }}
    union all
    select 'any' as program
{%- endmacro %}

{#- The CTE `member_spells` that with_member_status reads: each customer's spells of membership
    per program (and 'any'), of any tier (int_program_member_spells' bucket 'all'). -#}
{% macro member_spells_relation() -%}
    select
        customer_id,
        program,
        member_from,
        member_until
    from {{ ref('int_program_member_spells') }}
    where tier_bucket = 'all'
{%- endmacro %}

{#- The rows of `relation` (one per customer and period, with period_end and customer_id)
    once per program of the CTE `programs` (programs_relation), with `member_status` 'member'
    when one of the customer's spells of the program in the CTE `member_spells`
    (int_program_member_spells) holds period_end, else 'non_member'. A customer's spells of
    one program do not overlap, so each row is kept once. `columns`: the columns of
    `relation` to keep. -#}
{% macro with_member_status(relation, columns) -%}
    select
        {%- for column in columns %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        programs.program,
        case when member_spells.customer_id is null then 'non_member' else 'member' end
            as member_status
    from {{ relation }}
    cross join programs
    left join member_spells
        on
            {{ relation }}.customer_id = member_spells.customer_id
            and programs.program = member_spells.program
            and {{ is_member_at(relation ~ '.period_end', 'member_spells.member_from',
                'member_spells.member_until') }}
{%- endmacro %}

{#- Member and non-member rows of counts and sums, per period_grain, period_start, segment
    and program, from the CTEs `whole_base` (the whole base's measures, one row per
    period_grain, period_start and segment), `programs` and `members` (the members' measures,
    per period_grain, period_start, program and segment; no row: none). A non-member's measure
    is the whole base's less the members': every customer is one or the other. `stamped`:
    with the `_loaded_at` of an incremental model. -#}
{% macro split_by_member_status(measures, stamped=false) -%}
    {%- for status in ['member', 'non_member'] %}
    select
        whole_base.period_grain,
        whole_base.period_start,
        whole_base.segment,
        programs.program,
        '{{ status }}' as member_status
        {%- for measure in measures %},
        {% if status == 'non_member' %}whole_base.{{ measure }} - {% endif -%}
        coalesce(members.{{ measure }}, 0) as {{ measure }}
        {%- endfor %}
        {%- if stamped %},
        {{ loaded_at() }} as _loaded_at
        {%- endif %}
    from whole_base
    cross join programs
    left join members
        on
            whole_base.period_grain = members.period_grain
            and whole_base.period_start = members.period_start
            and whole_base.segment = members.segment
            and programs.program = members.program
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The answer counts of mart_survey_scores per question (promoters, detractors, answers of
    `recommend`, `repurchase` and `try_new`), over rows with `question` and `score`. -#}
{% macro survey_answer_counts() -%}
    {{ count_where("question = 'recommend' and " ~ is_promoter('score')) }} as promoters,
    {{ count_where("question = 'recommend' and " ~ is_detractor('score')) }} as detractors,
    {{ count_where("question = 'recommend'") }} as nps_responses,
    {{ count_where("question = 'repurchase' and " ~ is_promoter('score')) }} as repurchase_promoters,
    {{ count_where("question = 'repurchase' and " ~ is_detractor('score')) }} as repurchase_detractors,
    {{ count_where("question = 'repurchase'") }} as repurchase_responses,
    {{ count_where("question = 'try_new' and " ~ is_promoter('score')) }} as try_new_promoters,
    {{ count_where("question = 'try_new' and " ~ is_detractor('score')) }} as try_new_detractors,
    {{ count_where("question = 'try_new'") }} as try_new_responses
{%- endmacro %}

{#- The rejected rows of the loyalty program's two tables for mart_data_quality, as further
    `union all` branches of its `rejected` CTE; nothing while the program is disabled. -#}
{% macro program_quality_rejects() -%}
    {%- if var('loyalty_program_enabled', true) %}
    union all
    select
        'loyalty_memberships' as source_table,
        reject_reason,
        {{ dbt.safe_cast('joined_at', 'date') }} as row_date
    from {{ ref('quarantine_loyalty_memberships') }}
    union all
    select
        'loyalty_points' as source_table,
        reject_reason,
        {{ dbt.safe_cast('occurred_at', 'date') }} as row_date
    from {{ ref('quarantine_loyalty_points') }}
    {%- endif %}
{%- endmacro %}
