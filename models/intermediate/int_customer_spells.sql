{#- Each customer's spells in the base for the churn window W = var('churn_window_days'):
    in the base at the end of day d  <=>  spell_start <= d <= spell_end. -#}
{{ config(materialized='table') }}

{{ customer_base_spells(ref('int_orders_validated'), churn_window_days()) }}
