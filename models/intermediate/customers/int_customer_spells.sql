{#- Each customer's spells in the base (macros/utils/customer_base_spells.sql), for two
    windows: the churn window W = var('churn_window_days'), and 365 days, which mart_clv uses
    to count the customers who bought in the trailing year. With W = 365 (the default) the two
    are one set of rows. A customer is in the base (for window_days) at the end of day d
    <=> spell_start <= d <= spell_end for one of their spells of that window. -#}
{%- set churn_window = churn_window_days() %}

with

churn_window_spells as (

    {{ customer_base_spells(scoped_valid_orders(), churn_window) }}

),
{%- if churn_window != 365 %}

year_spells as (

    {{ customer_base_spells(scoped_valid_orders(), 365) }}

),
{%- endif %}

final as (

    select
        customer_id,
        {{ churn_window }} as window_days,
        spell_number,
        spell_start,
        last_order_date,
        spell_end,
        {{ loaded_at() }} as _loaded_at
    from churn_window_spells
    {%- if churn_window != 365 %}

    union all

    select
        customer_id,
        365 as window_days,
        spell_number,
        spell_start,
        last_order_date,
        spell_end,
        {{ loaded_at() }} as _loaded_at
    from year_spells
    {%- endif %}

)

select * from final
