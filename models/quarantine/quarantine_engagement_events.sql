{{ quarantine_rows(ref('base_raw__engagement_events'), [
    'event_id',
    'customer_id',
    'occurred_at',
    'event_type',
    'duration_seconds',
]) }}
