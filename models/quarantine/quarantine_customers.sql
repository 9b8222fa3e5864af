{{ quarantine_rows(ref('base_raw__customers'), [
    'customer_id',
    'created_at',
    'segment',
    'country',
    'updated_at',
]) }}
