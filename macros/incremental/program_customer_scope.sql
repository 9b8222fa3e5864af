{#- Scope of the per-customer program models (int_customer_points_days): every row of a
    customer with a changed loyalty points entry or membership. The base models restamp every
    row of a re-derived key, old versions included, so a customer an entry or a membership
    moved away from is in it too. -#}
{% macro program_customer_scope() -%}
    customer_id in ({{ changed_program_customers() }})
{%- endmacro %}

{#- Customers with a points entry or a membership written after this model's watermark. -#}
{% macro changed_program_customers() -%}
    {%- set since = last_loaded_at() -%}
    {{ change_set_fence(customers_written_since('base_raw__loyalty_points', since)
        ~ ' union ' ~ customers_written_since('base_raw__loyalty_memberships', since)) }}
{%- endmacro %}

{#- Scope of int_program_member_spells: every spell of a customer with a changed membership
    (old versions included, as above). -#}
{% macro membership_customer_scope() -%}
    customer_id in ({{ change_set_fence(
        customers_written_since('base_raw__loyalty_memberships', last_loaded_at())) }})
{%- endmacro %}

{#- The customers of the rows a base model wrote after `since` (this model's watermark). -#}
{% macro customers_written_since(base_model, since) -%}
    select customer_id from {{ ref(base_model) }}
    where _loaded_at > {{ since }} and customer_id is not null
{%- endmacro %}
