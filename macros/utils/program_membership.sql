{#- Helpers of the loyalty program marts (models/marts/program). -#}

{#- True when a membership is open at the end of `day`: joined on or before it and not left
    by its end (left_date NULL or after it). -#}
{% macro is_member_at(day, joined_date='joined_date', left_date='left_date') -%}
    ({{ joined_date }} <= {{ day }} and ({{ left_date }} is null or {{ left_date }} > {{ day }}))
{%- endmacro %}

{#- The rows of `relation` (one per customer and period, with period_grain, period_start and
    customer_id) once per program of the CTE `programs` (each program and 'any'), with
    `member_status` 'member' when the CTE `members_at_end` (period_grain, period_start,
    customer_id, program) holds the customer for that period and program, else
    'non_member'. `columns`: the columns of `relation` to keep. -#}
{% macro with_member_status(relation, columns) -%}
    select
        {%- for column in columns %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        programs.program,
        case when members_at_end.customer_id is null then 'non_member' else 'member' end
            as member_status
    from {{ relation }}
    cross join programs
    left join members_at_end
        on
            {{ relation }}.period_grain = members_at_end.period_grain
            and {{ relation }}.period_start = members_at_end.period_start
            and {{ relation }}.customer_id = members_at_end.customer_id
            and programs.program = members_at_end.program
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
