{#- Each customer's spells in the base (macros/utils/customer_base_spells.sql), for two
    windows: the churn window W = var('churn_window_days'), and 365 days, which mart_clv uses
    to count the customers who bought in the trailing year. With W = 365 (the default) the two
    are one set of rows. A customer is in the base (for window_days) at the end of day d
    <=> spell_start <= d <= spell_end for one of their spells of that window. -#}
{%- set windows = [churn_window_days(), 365] | unique | list %}

with

{%- for window in windows %}

spells_{{ window }} as (

    {{ customer_base_spells(scoped_valid_orders(), window) }}

),
{%- endfor %}

final as (

    {%- for window in windows %}
    select
        customer_id,
        {{ window }} as window_days,
        spell_number,
        spell_start,
        last_order_date,
        spell_end,
        {{ loaded_at() }} as _loaded_at
    from spells_{{ window }}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}

)

select * from final
