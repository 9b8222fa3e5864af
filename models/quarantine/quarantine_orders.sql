{{ quarantine_rows(ref('base_raw__orders'), [
    'order_id',
    'customer_id',
    'ordered_at',
    'status',
    'order_total',
    'updated_at',
]) }}
