{{ config(enabled=var('loyalty_program_enabled', true)) }}
{{ quarantine_rows(ref('base_raw__loyalty_memberships'), [
    'membership_id',
    'customer_id',
    'program',
    'tier',
    'joined_at',
    'left_at',
    'updated_at',
]) }}
