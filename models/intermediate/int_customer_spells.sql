{#- Each customer's spells in the base for the churn window W = var('churn_window_days'):
    in the base at the end of day d  <=>  spell_start <= d <= spell_end.
    Incremental: a run recomputes the spells of the customers whose orders changed. -#}
-- depends_on: {{ ref('base_raw__orders') }}, {{ ref('base_raw__customers') }}
{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='replace_where',
    replace_where='customer_scope',
    on_schema_change='fail',
) }}

with

spells as (

    {{ customer_base_spells(scoped_valid_orders(), churn_window_days()) }}

),

final as (

    select
        customer_id,
        spell_number,
        spell_start,
        last_order_date,
        spell_end,
        {{ loaded_at() }} as _loaded_at
    from spells

)

select * from final
