{#- Spells for a fixed 365-day window: a customer made a valid order in the 365 days ending
    on day d  <=>  spell_start <= d <= spell_end. Counts the distinct purchasing customers of
    the trailing year in mart_clv without scanning every order once per period. -#}
{{ config(materialized='table') }}

{{ customer_base_spells(ref('int_orders_validated'), 365) }}
