{#- A customer is in the base at the end of day d when they have a valid order on a day in
    [d - W + 1, d] (metrics.md, "The customer base"). Instead of a dense customer x day
    spine, we store each customer's spells in the base: runs of order days less than W + 1
    days apart, from the first order day of the run to W - 1 days after its last one. Then
    "in the base at the end of d" is "d falls in one of the customer's spells".

    orders_relation: a relation with customer_id and order_date (valid orders only). -#}
{% macro customer_base_spells(orders_relation, window_days) -%}
    with

    order_days as (

        select distinct
            customer_id,
            order_date
        from {{ orders_relation }}

    ),

    gaps_flagged as (

        select
            customer_id,
            order_date,
            case
                when lag(order_date) over (partition by customer_id order by order_date) is null then 1
                when {{ dbt.datediff(
                    'lag(order_date) over (partition by customer_id order by order_date)',
                    'order_date', 'day') }} > {{ window_days }} then 1
                else 0
            end as is_spell_start
        from order_days

    ),

    spells_numbered as (

        select
            customer_id,
            order_date,
            sum(is_spell_start) over (
                partition by customer_id
                order by order_date
                rows between unbounded preceding and current row
            ) as spell_number
        from gaps_flagged

    ),

    spells as (

        select
            customer_id,
            spell_number,
            min(order_date) as spell_start,
            max(order_date) as last_order_date,
            cast({{ dbt.dateadd('day', window_days - 1, 'max(order_date)') }} as date) as spell_end
        from spells_numbered
        group by 1, 2

    )

    select * from spells
{%- endmacro %}

{#- True when the customer is in the base at the end of `day`, given one of their spells. -#}
{% macro is_in_base(day, spell_start='spell_start', spell_end='spell_end') -%}
    ({{ day }} >= {{ spell_start }} and {{ day }} <= {{ spell_end }})
{%- endmacro %}

{#- Each spell of the relation `spells` (customer_id, spell_start, spell_end) that meets
    `where`, with every period of `periods` (period_grain, period_start, period_end) it
    touches: it covers a day of the period or the day before it (in the base at the start of
    a period = in the base at the end of the day before it). -#}
{% macro spells_touching_periods(spells, periods, where) -%}
    select
        {{ spells }}.customer_id,
        {{ spells }}.spell_start,
        {{ spells }}.spell_end,
        {{ periods }}.period_grain,
        {{ periods }}.period_start,
        {{ periods }}.period_end
    from {{ spells }}
    inner join {{ periods }}
        on
            {{ dbt.dateadd('day', 1, spells ~ '.spell_end') }} >= {{ periods }}.period_start
            and {{ spells }}.spell_start <= {{ periods }}.period_end
    where {{ where }}
{%- endmacro %}
