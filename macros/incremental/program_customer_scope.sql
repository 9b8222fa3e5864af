{#- Scope of the per-customer program models (int_customer_points_days): every row of a
    customer with a changed loyalty points entry or membership. The base models restamp every
    row of a re-derived key, old versions included, so a customer an entry or a membership
    moved away from is in it too. -#}
{% macro program_customer_scope() -%}
    customer_id in ({{ changed_program_customers() }})
{%- endmacro %}

{#- Customers with a points entry or a membership written after this model's watermark. -#}
{% macro changed_program_customers() -%}
    {%- set points = ref('base_raw__loyalty_points') -%}
    {%- set memberships = ref('base_raw__loyalty_memberships') -%}
    {%- set since = last_loaded_at() -%}
    {%- set select_sql %}
    select customer_id from {{ points }}
    where _loaded_at > {{ since }} and customer_id is not null
    union
    select customer_id from {{ memberships }}
    where _loaded_at > {{ since }} and customer_id is not null
    {%- endset %}
    {{ change_set_fence(select_sql) }}
{%- endmacro %}

{#- Scope of int_program_member_spells: every spell of a customer with a changed membership
    (old versions included, as above). -#}
{% macro membership_customer_scope() -%}
    {%- set memberships = ref('base_raw__loyalty_memberships') -%}
    customer_id in ({{ change_set_fence('select customer_id from ' ~ memberships
        ~ ' where _loaded_at > ' ~ last_loaded_at() ~ ' and customer_id is not null') }})
{%- endmacro %}
