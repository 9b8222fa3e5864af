{{ config(enabled=var('loyalty_program_enabled', true)) }}
{{ quarantine_rows(ref('base_raw__loyalty_points'), [
    'entry_id',
    'customer_id',
    'occurred_at',
    'entry_type',
    'points',
    'order_id',
]) }}
